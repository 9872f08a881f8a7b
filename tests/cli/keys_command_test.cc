// `keybroker keys` and `keybroker audit verify` through the built binary, on real files.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "tests/support/cli_runner.h"
#include "tests/support/test_paths.h"

namespace kb::cli {
namespace {

using testing::Keybroker;

class KeysCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    kek_ = dir_ + "/kek.bin";
    std::ofstream(kek_, std::ios::binary) << std::string(32, 'k');
    ::chmod(kek_.c_str(), 0600);
    db_ = dir_ + "/kb.db";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string Create(const std::string& id, const std::string& extra = "") {
    return "keys create --db " + db_ + " --kek " + kek_ + " --id " + id + extra;
  }
  std::string dir_, kek_, db_;
};

TEST_F(KeysCommand, CreatesListsAndAudits) {
  auto created = Keybroker(Create("model-weights"));
  ASSERT_EQ(created.exit_code, 0) << created.out;
  EXPECT_EQ(created.json()["origin"], "generated");
  std::ofstream(dir_ + "/secret") << "s3cret";
  EXPECT_EQ(Keybroker(Create("token", " --import " + dir_ + "/secret")).exit_code, 0);
  auto duplicate = Keybroker(Create("token"));
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_EQ(duplicate.json()["error"], "conflict");
  auto list = Keybroker("keys list --db " + db_);
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.json()["keys"].as_array().size(), 2u);
  EXPECT_EQ(list.out.find("s3cret"), std::string::npos);
  auto audit = Keybroker("audit verify --db " + db_ + " --kek " + kek_);
  ASSERT_EQ(audit.exit_code, 0) << audit.out;
  EXPECT_EQ(audit.json()["rows"], 2);
}

TEST_F(KeysCommand, RefusesAKekOthersCanRead) {
  ::chmod(kek_.c_str(), 0640);
  EXPECT_EQ(Keybroker(Create("k")).exit_code, 2);
  ::chmod(kek_.c_str(), 0600);
  std::ofstream(kek_, std::ios::binary) << std::string(31, 'k');
  EXPECT_EQ(Keybroker(Create("k")).exit_code, 2);
  std::ofstream(kek_, std::ios::binary) << std::string(33, 'k');
  EXPECT_EQ(Keybroker(Create("k")).exit_code, 2);
  EXPECT_EQ(Keybroker("keys create --db " + db_ + " --kek /nonexistent --id k").exit_code, 2);
  // A symlink is not followed (it could point the broker at another key), nor is a directory read.
  std::ofstream(kek_, std::ios::binary) << std::string(32, 'k');
  ASSERT_EQ(::symlink(kek_.c_str(), (dir_ + "/link.bin").c_str()), 0);
  EXPECT_EQ(Keybroker("keys create --db " + db_ + " --kek " + dir_ + "/link.bin --id k").exit_code,
            2);
  EXPECT_EQ(Keybroker("keys create --db " + db_ + " --kek " + dir_ + " --id k").exit_code, 2);
  EXPECT_EQ(Keybroker(Create("k")).exit_code, 0);  // the file itself is fine
}

TEST_F(KeysCommand, AuditVerifyFailsOnATamperedLog) {
  ASSERT_EQ(Keybroker(Create("a")).exit_code, 0);
  ASSERT_EQ(Keybroker(Create("b")).exit_code, 0);
  ASSERT_EQ(
      std::system(("sqlite3 " + db_ + " \"UPDATE audit_log SET key_id='c' WHERE seq=2\"").c_str()),
      0);
  auto audit = Keybroker("audit verify --db " + db_ + " --kek " + kek_);
  EXPECT_EQ(audit.exit_code, 1);
  EXPECT_EQ(audit.json()["ok"], false);
  EXPECT_EQ(audit.json()["broken_at"], 2);
  EXPECT_EQ(Keybroker("audit verify --db " + dir_ + "/missing.db --kek " + kek_).exit_code, 2);
  EXPECT_EQ(Keybroker("audit verify --db " + db_).exit_code, 2) << "the KEK is required";
  EXPECT_EQ(Keybroker("audit check").exit_code, 2);
}

}  // namespace
}  // namespace kb::cli
