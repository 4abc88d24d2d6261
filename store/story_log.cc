#include "store/story_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/crc32c.h"
#include "core/story_codec.h"

namespace dateline::storylog {
namespace {

void PutU32(std::string* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint32_t GetU32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
std::uint64_t GetU64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

}  // namespace

std::string SegmentFileName(std::uint64_t first_seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu.seg", static_cast<unsigned long long>(first_seq));
  return buf;
}

std::optional<std::uint64_t> ParseSegmentFileName(std::string_view name) {
  if (name.size() != 24 || name.substr(20) != ".seg") return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

Result<std::vector<SegmentFile>> ListSegments(const std::string& log_dir) {
  DIR* d = ::opendir(log_dir.c_str());
  if (d == nullptr) return Status::IOError(Errno("cannot list", log_dir));
  std::vector<SegmentFile> out;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (auto seq = ParseSegmentFileName(name)) out.push_back({*seq, name, log_dir + "/" + name});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.first_seq < b.first_seq; });
  return out;
}

void EncodeHeader(const SegmentHeader& h, std::string* out) {
  std::size_t start = out->size();
  out->append(kMagic, sizeof kMagic);
  PutU32(out, h.version);
  PutU32(out, h.flags);
  PutU64(out, h.first_seq);
  PutU32(out, crc32c::Mask(crc32c::Extend(0, out->data() + start, out->size() - start)));
}

Result<SegmentHeader> DecodeHeader(std::string_view data) {
  if (data.size() < kHeaderSize) return Status::Corruption("truncated segment header");
  if (std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    return Status::Corruption("not a story log segment (bad magic)");
  }
  const char* p = data.data();
  if (crc32c::Unmask(GetU32(p + kHeaderSize - 4)) != crc32c::Extend(0, p, kHeaderSize - 4)) {
    return Status::Corruption("bad segment header checksum");
  }
  SegmentHeader h;
  h.version = GetU32(p + 8);
  h.flags = GetU32(p + 12);
  h.first_seq = GetU64(p + 16);
  if (h.version != kFormatVersion) {
    return Status::Corruption("unsupported segment format version " + std::to_string(h.version));
  }
  return h;
}

void EncodeFrame(std::uint64_t seq, std::uint8_t type, std::string_view payload,
                 std::string* out) {
  // The checksummed part (seq, type, payload) is laid out contiguously after length and crc,
  // so the crc is computed in place after appending it.
  std::size_t start = out->size();
  PutU32(out, static_cast<std::uint32_t>(payload.size()));
  PutU32(out, 0);
  PutU64(out, seq);
  out->push_back(static_cast<char>(type));
  out->append(payload);
  std::uint32_t crc = crc32c::Mask(crc32c::Extend(0, out->data() + start + 8,
                                                  out->size() - start - 8));
  std::string crc_bytes;
  PutU32(&crc_bytes, crc);
  out->replace(start + 4, 4, crc_bytes);
}

void EncodeStoryFrame(const Story& story, std::string* out) {
  std::string payload;
  EncodeStory(story, &payload);
  EncodeFrame(story.seq, kTypeStory, payload, out);
}

namespace {

// The cheap checks of a frame header, before any checksum is computed.
Status CheckFrameHeader(std::string_view data, std::uint64_t offset, std::uint64_t min_seq,
                        std::uint64_t max_seq, std::uint32_t* len, std::uint64_t* seq) {
  if (offset > data.size() || data.size() - offset < kFrameHeaderSize) {
    return Status::Corruption("truncated frame header");
  }
  const char* p = data.data() + offset;
  *len = GetU32(p);
  *seq = GetU64(p + 8);
  if (*seq < min_seq || *seq > max_seq) {
    return Status::Corruption("sequence " + std::to_string(*seq) + ", expected " +
                              (min_seq == max_seq ? std::to_string(min_seq)
                                                  : "at least " + std::to_string(min_seq)));
  }
  if (*len > kMaxPayload || *len > data.size() - offset - kFrameHeaderSize) {
    return Status::Corruption("frame length " + std::to_string(*len) + " runs past the end");
  }
  return Status::Ok();
}

}  // namespace

Result<Frame> ReadFrame(std::string_view data, std::uint64_t offset, std::uint64_t min_seq,
                        std::uint64_t max_seq) {
  std::uint32_t len = 0;
  std::uint64_t seq = 0;
  if (Status s = CheckFrameHeader(data, offset, min_seq, max_seq, &len, &seq); !s.ok()) return s;
  const char* p = data.data() + offset;
  std::uint32_t stored = crc32c::Unmask(GetU32(p + 4));
  if (stored != crc32c::Extend(0, p + 8, 8 + 1 + len)) return Status::Corruption("bad checksum");
  if (static_cast<std::uint8_t>(p[16]) != kTypeStory) {
    return Status::Corruption("unknown frame type " +
                              std::to_string(static_cast<unsigned char>(p[16])));
  }
  auto story = DecodeStory(std::string_view(p + kFrameHeaderSize, len));
  if (!story.ok()) return Status::Corruption("undecodable payload: " + story.status().message());
  if (story->seq != seq) return Status::Corruption("payload seq does not match frame");
  Frame f;
  f.seq = seq;
  f.offset = offset;
  f.size = static_cast<std::uint32_t>(kFrameHeaderSize + len);
  f.story = std::move(story).value();
  return f;
}

std::optional<Frame> FindNextFrame(std::string_view data, std::uint64_t from,
                                   std::uint64_t min_seq, std::uint64_t max_seq) {
  for (std::uint64_t off = from; off + kFrameHeaderSize <= data.size(); ++off) {
    std::uint32_t len = 0;
    std::uint64_t seq = 0;
    if (!CheckFrameHeader(data, off, min_seq, max_seq, &len, &seq).ok()) continue;
    auto f = ReadFrame(data, off, min_seq, max_seq);
    if (f.ok()) return std::move(f).value();
  }
  return std::nullopt;
}

Result<std::string> ReadFileBytes(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno("cannot open", path));
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Status::IOError(Errno("cannot read", path));
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno("cannot open directory", dir));
  int rc = ::fsync(fd);
  Status s = rc == 0 ? Status::Ok() : Status::IOError(Errno("cannot sync directory", dir));
  ::close(fd);
  return s;
}

Result<int> LockDataDir(const std::string& dir) {
  std::string path = dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(Errno("cannot open", path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    Status s = Status::Unavailable("data folder " + dir + " is in use by another process");
    ::close(fd);
    return s;
  }
  return fd;
}

}  // namespace dateline::storylog
