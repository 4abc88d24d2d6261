// An exclusive lock on a data folder (flock on DIR/LOCK), so that a server and an offline
// `dateline ingest --data` never write the same story log at once.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace dateline {

class DataLock {
 public:
  // Creates DIR if needed. Unavailable when another process holds the lock.
  static Result<std::unique_ptr<DataLock>> Acquire(const std::string& dir);
  ~DataLock();
  DataLock(const DataLock&) = delete;
  DataLock& operator=(const DataLock&) = delete;

 private:
  explicit DataLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace dateline
