#include "storage/file_audit_sink.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/test_paths.h"

namespace kb::storage {
namespace {

class FileAuditSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = testing::MakeTempDir() + "/audit.jsonl"; }
  std::string path_;
};

TEST_F(FileAuditSinkTest, CreatesTheFileOwnerOnlyAndAppendsWholeLines) {
  ::umask(022);
  auto sink = FileAuditSink::Open(path_);
  ASSERT_TRUE(sink) << sink.error().message;
  EXPECT_TRUE((*sink)->empty());
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE((*sink)->Append(std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_FALSE((*sink)->empty());
  sink->reset();
  auto reopened = FileAuditSink::Open(path_);  // appends, never truncates
  ASSERT_TRUE((*reopened)->Append(std::vector<std::string>{"{\"c\":3}"}));
  EXPECT_FALSE((*reopened)->empty());
  EXPECT_EQ(*ReadAuditSinkFile(path_),
            (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}));
}

TEST_F(FileAuditSinkTest, RefusesAFileGroupOrOthersCanWrite) {
  std::ofstream(path_) << "";
  ::chmod(path_.c_str(), 0620);
  auto sink = FileAuditSink::Open(path_);
  ASSERT_FALSE(sink);
  EXPECT_NE(sink.error().message.find("chmod 600"), std::string::npos);
  ::chmod(path_.c_str(), 0602);
  EXPECT_FALSE(FileAuditSink::Open(path_));
  ::chmod(path_.c_str(), 0640);  // readable is the operator's choice
  EXPECT_TRUE(FileAuditSink::Open(path_));
}

TEST_F(FileAuditSinkTest, RefusesASymbolicLinkAndADirectory) {
  std::string target = path_ + ".target";
  std::ofstream(target) << "";
  ::chmod(target.c_str(), 0600);
  ASSERT_EQ(::symlink(target.c_str(), path_.c_str()), 0);
  EXPECT_FALSE(FileAuditSink::Open(path_));
  EXPECT_FALSE(FileAuditSink::Open(testing::MakeTempDir()));
}

TEST_F(FileAuditSinkTest, RefusesAFileAnotherUserOwns) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  std::ofstream(path_) << "";
  ::chmod(path_.c_str(), 0600);
  ASSERT_EQ(::chown(path_.c_str(), 4242, 4242), 0);
  auto sink = FileAuditSink::Open(path_);
  ASSERT_FALSE(sink);
  EXPECT_NE(sink.error().message.find("uid 4242"), std::string::npos);
}

}  // namespace
}  // namespace kb::storage
