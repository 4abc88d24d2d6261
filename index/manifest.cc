#include "index/manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/crc32c.h"

namespace dateline::index {

std::string SegmentFileName(std::uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "seg-%06llu.dix", static_cast<unsigned long long>(number));
  return buf;
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open directory " + dir + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError("cannot sync directory " + dir + ": " + std::strerror(errno));
  return Status::Ok();
}

namespace {
std::string Body(const Manifest& m) {
  std::string out = "dateline-index 1\n";
  out += "flushed_seq " + std::to_string(m.flushed_seq) + "\n";
  out += "next_file " + std::to_string(m.next_file) + "\n";
  for (const std::string& s : m.segments) out += "segment " + s + "\n";
  return out;
}
}  // namespace

Result<std::optional<Manifest>> ReadManifest(const std::string& dir) {
  const std::string path = dir + "/" + kManifestName;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::optional<Manifest>();
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  auto bad = [&](const std::string& why) {
    return Status::Corruption("index manifest " + path + ": " + why);
  };
  // Last line: "crc <masked crc32c of everything before it>".
  const std::size_t crc_at = text.rfind("crc ");
  if (crc_at == std::string::npos || (crc_at > 0 && text[crc_at - 1] != '\n')) {
    return bad("no checksum line");
  }
  const std::string body = text.substr(0, crc_at);
  unsigned long long stored = 0;
  if (std::sscanf(text.c_str() + crc_at, "crc %llu", &stored) != 1 ||
      crc32c::Unmask(static_cast<std::uint32_t>(stored)) != crc32c::Value(body)) {
    return bad("checksum mismatch");
  }
  Manifest m;
  std::istringstream lines(body);
  std::string line;
  if (!std::getline(lines, line) || line != "dateline-index 1") return bad("unknown version");
  while (std::getline(lines, line)) {
    unsigned long long v = 0;
    if (std::sscanf(line.c_str(), "flushed_seq %llu", &v) == 1) {
      m.flushed_seq = v;
    } else if (std::sscanf(line.c_str(), "next_file %llu", &v) == 1) {
      m.next_file = v;
    } else if (line.rfind("segment ", 0) == 0) {
      const std::string name = line.substr(8);
      if (name.empty() || name.find('/') != std::string::npos) return bad("bad segment name");
      m.segments.push_back(name);
    } else {
      return bad("unexpected line '" + line + "'");
    }
  }
  return std::optional<Manifest>(std::move(m));
}

Status WriteManifest(const std::string& dir, const Manifest& m) {
  std::string text = Body(m);
  text += "crc " + std::to_string(crc32c::Mask(crc32c::Value(text))) + "\n";
  const std::string path = dir + "/" + kManifestName;
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create " + tmp + ": " + std::strerror(errno));
  const ssize_t n = ::write(fd, text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size()) || ::fsync(fd) != 0) {
    Status s = Status::IOError("cannot write " + tmp + ": " + std::strerror(errno));
    ::close(fd);
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("cannot rename " + tmp + ": " + std::strerror(errno));
  }
  return SyncDirectory(dir);
}

}  // namespace dateline::index
