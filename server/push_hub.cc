#include "server/push_hub.h"

#include <algorithm>

#include "ingest/story_json.h"

namespace dateline {

StreamFrame PushHub::MakeFrame(const Story& story) {
  return {story.seq, story.source, std::make_shared<const std::string>(StoryFrameJson(story))};
}

void PushHub::Publish(const std::vector<StoryPtr>& stories) {
  if (stories.empty()) return;
  std::vector<StreamFrame> frames;
  frames.reserve(stories.size());
  for (const StoryPtr& s : stories) frames.push_back(MakeFrame(*s));  // outside the lock
  std::lock_guard lock(mu_);
  last_published_ = std::max(last_published_, frames.back().seq);
  for (const auto& c : clients_) c->Offer(frames);
}

bool PushHub::TryGoLive(const std::shared_ptr<StreamClient>& client, std::uint64_t cursor,
                        std::uint64_t* last_published) {
  std::lock_guard lock(mu_);
  if (cursor < last_published_) {
    *last_published = last_published_;
    return false;
  }
  clients_.push_back(client);
  return true;
}

void PushHub::Remove(const StreamClient* client) {
  std::lock_guard lock(mu_);
  std::erase_if(clients_, [&](const auto& c) { return c.get() == client; });
}

std::uint64_t PushHub::LastPublished() const {
  std::lock_guard lock(mu_);
  return last_published_;
}

std::size_t PushHub::LiveClients() const {
  std::lock_guard lock(mu_);
  return clients_.size();
}

}  // namespace dateline
