// PushHub: fans every durable story out to the live-stream clients.
//
// The story store calls Publish() on its writer thread after each group commit, in sequence order.
// A client starts in catch-up mode, reading the stories it missed from the store itself; when it
// has read everything published so far it joins the hub (TryGoLive) under the same lock that
// Publish takes, so that no story falls between catch-up and live delivery and none arrives twice.
// Publish never blocks on a client: Offer() only appends to the client's bounded queue.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/story_store.h"

namespace dateline {

// One story as pushed to clients; the JSON text is built once and shared by every client.
struct StreamFrame {
  std::uint64_t seq = 0;
  std::string source;
  std::shared_ptr<const std::string> json;
};

class StreamClient {
 public:
  virtual ~StreamClient() = default;
  // Called with the hub's lock held, on the publishing thread. Must not block or call the hub.
  virtual void Offer(const std::vector<StreamFrame>& frames) = 0;
};

class PushHub {
 public:
  explicit PushHub(std::uint64_t last_seq) : last_published_(last_seq) {}

  void Publish(const std::vector<StoryPtr>& stories);

  // If `cursor` has reached the last published seq, registers the client and returns true.
  // Otherwise returns false and sets *last_published, the seq to catch up to before trying again.
  bool TryGoLive(const std::shared_ptr<StreamClient>& client, std::uint64_t cursor,
                 std::uint64_t* last_published);
  void Remove(const StreamClient* client);

  std::uint64_t LastPublished() const;
  std::size_t LiveClients() const;

  static StreamFrame MakeFrame(const Story& story);

 private:
  mutable std::mutex mu_;
  std::uint64_t last_published_;
  std::vector<std::shared_ptr<StreamClient>> clients_;
};

}  // namespace dateline
