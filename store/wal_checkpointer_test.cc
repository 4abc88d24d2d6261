#include "store/wal_checkpointer.h"

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "store/test_util.h"

namespace dateline {
namespace {

class WalCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  testing_util::TempDir dir_;
  std::string path_ = dir_.path() + "/metadata.db";
};

TEST_F(WalCheckpointerTest, CommitsLeaveTheWalToTheCheckpointThread) {
  auto writer = MetadataDb::Open(path_);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->LeaveCheckpointsToBackground().ok());
  ASSERT_TRUE((*writer)->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)").ok());
  // ~6 MB in 60 commits: past SQLite's automatic checkpoint at 1,000 pages (4 MiB).
  for (int tx = 0; tx < 60; ++tx) {
    ASSERT_TRUE((*writer)->Exec("BEGIN").ok());
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE((*writer)->Exec("INSERT INTO t (b) VALUES (randomblob(1000))").ok());
    }
    ASSERT_TRUE((*writer)->Exec("COMMIT").ok());
  }

  auto checkpointer = WalCheckpointer::Start(path_, std::chrono::milliseconds(10));
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();
  WalCheckpointStats stats;
  for (int i = 0; i < 500; ++i) {
    stats = (*checkpointer)->Stats();
    if (stats.checkpoints > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(stats.checkpoints, 0u);
  EXPECT_EQ(stats.errors, 0u);
  // The whole log was still there (no commit checkpointed it) and the thread copied all of it.
  EXPECT_GT(stats.last_log_frames, 1000);
  EXPECT_EQ(stats.last_checkpointed_frames, stats.last_log_frames);

  checkpointer->reset();
  writer->reset();
  auto reopened = MetadataDb::Open(path_);
  ASSERT_TRUE(reopened.ok());
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2((*reopened)->handle(), "SELECT COUNT(*) FROM t", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 6000);
  sqlite3_finalize(stmt);
}

}  // namespace
}  // namespace dateline
