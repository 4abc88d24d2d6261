#include "app/data_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace dateline {

Result<std::unique_ptr<DataLock>> DataLock::Acquire(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create data folder " + dir + ": " + ec.message());
  const std::string path = dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::Unavailable("the data folder " + dir +
                               " is in use by another dateline process (a running server?)");
  }
  return std::unique_ptr<DataLock>(new DataLock(fd));
}

DataLock::~DataLock() { ::close(fd_); }

}  // namespace dateline
