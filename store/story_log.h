// The story log on disk: segment files of checksummed frames. The format is specified in
// docs/formats/story-log.md; this header holds the pieces shared by the store (recovery, reads,
// the writer), Repair() and the tests. Everything here is a pure function of its inputs or of
// the files named; nothing keeps state, so every function may be called from any thread.
//
//   segment = header frame*
//   header  = magic "DLNLOG01" | version u32 | flags u32 | first_seq u64 | masked crc32c u32
//   frame   = length u32 | masked crc32c u32 (of seq|type|payload) | seq u64 | type u8 | payload
//
// All integers are little-endian. The payload of a story frame (type 1) is EncodeStory().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/story.h"

namespace dateline::storylog {

inline constexpr char kMagic[8] = {'D', 'L', 'N', 'L', 'O', 'G', '0', '1'};
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::size_t kHeaderSize = 8 + 4 + 4 + 8 + 4;
inline constexpr std::size_t kFrameHeaderSize = 4 + 4 + 8 + 1;
inline constexpr std::uint8_t kTypeStory = 1;
// Far above any story StoryLimits allows; a larger length field is damage, not a big story.
inline constexpr std::uint32_t kMaxPayload = 1u << 30;

// Header flag: the segment was written by Repair(). Sequence numbers inside and at the start of
// such a segment only have to increase (frames lost to damage leave gaps); everywhere else each
// frame's seq is exactly the previous one plus 1.
inline constexpr std::uint32_t kFlagRepaired = 1;

struct SegmentHeader {
  std::uint32_t version = kFormatVersion;
  std::uint32_t flags = 0;
  std::uint64_t first_seq = 0;
};

// "00000000000000000001.seg"
std::string SegmentFileName(std::uint64_t first_seq);
// Parses a name SegmentFileName produces; nullopt for any other file.
std::optional<std::uint64_t> ParseSegmentFileName(std::string_view name);

struct SegmentFile {
  std::uint64_t first_seq = 0;  // from the file name
  std::string name;             // file name only
  std::string path;             // log_dir + "/" + name
};
// The segment files in `log_dir`, by first seq. Other files are ignored.
Result<std::vector<SegmentFile>> ListSegments(const std::string& log_dir);

void EncodeHeader(const SegmentHeader& h, std::string* out);  // appends kHeaderSize bytes
// Corruption when short, wrong magic, unknown version or bad checksum.
Result<SegmentHeader> DecodeHeader(std::string_view data);

// Appends one frame (header + payload) to *out.
void EncodeFrame(std::uint64_t seq, std::uint8_t type, std::string_view payload, std::string* out);
// Appends the frame of a story (its seq field is the frame's seq).
void EncodeStoryFrame(const Story& story, std::string* out);

// A frame that checked out: checksum, type, decodable payload whose seq matches the frame.
struct Frame {
  std::uint64_t seq = 0;
  std::uint64_t offset = 0;  // of the frame header in the segment
  std::uint32_t size = 0;    // header + payload bytes
  Story story;
};

// Reads the frame at `offset` of segment bytes `data`. `min_seq`/`max_seq` bound the acceptable
// sequence number (equal for the strict +1 rule). On failure returns Corruption with a short
// reason ("bad checksum", "sequence 7, expected 5", ...).
Result<Frame> ReadFrame(std::string_view data, std::uint64_t offset, std::uint64_t min_seq,
                        std::uint64_t max_seq);

// Scans forward byte by byte from `from` for the first offset where a frame with a seq in
// [min_seq, max_seq] checks out (resynchronisation after damage). The seq bounds are tested
// before the checksum, so scanning garbage is cheap.
std::optional<Frame> FindNextFrame(std::string_view data, std::uint64_t from,
                                   std::uint64_t min_seq, std::uint64_t max_seq);

// Whole-file helpers with POSIX errors as IOError naming the path.
Result<std::string> ReadFileBytes(const std::string& path);
Status SyncDir(const std::string& dir);

// Takes an exclusive flock on dir/LOCK so two processes never write one log; the returned file
// descriptor holds the lock until closed. Unavailable when another process holds it.
Result<int> LockDataDir(const std::string& dir);

}  // namespace dateline::storylog
