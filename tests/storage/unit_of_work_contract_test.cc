// The UnitOfWork contract, and the change-with-its-audit-row rule built on it
// (audited_change.h): several writes as one transaction, all of them or none.

#include "storage/audited_change.h"
#include "tests/storage/storage_contract.h"

namespace kb::storage::contract {
namespace {

const Time kT = Time(std::chrono::milliseconds(1'800'000'000'000));

class UnitOfWorkContract : public StorageContract {
 protected:
  static KeyRecord Key(const std::string& id) { return {id, "generated", true, 1, kT, "admin"}; }
  Status AuditRow(Tx& tx) {
    auto seq = backend().audit().Append(tx, Row("key.create", kT));
    if (!seq) return std::move(seq).error();
    return Ok();
  }
  UnitOfWork& work() { return backend().unit_of_work(); }
  KeyStore& keys() { return backend().keys(); }
  AuditLog& audit() { return backend().audit(); }
};

TEST_P(UnitOfWorkContract, CommitsEveryCallTogether) {
  ASSERT_TRUE(work().Run([&](Tx& tx) -> Status {
    if (auto s = keys().Create(tx, Key("a"), Bytes{1}); !s) return s;
    return AuditRow(tx);
  }));
  backend().Reopen();  // durable: visible to a new connection
  EXPECT_TRUE(keys().Get("a"));
  EXPECT_EQ(audit().Verify()->rows, 1u);
}

TEST_P(UnitOfWorkContract, AFailureLeavesNothingOfAnyCall) {
  auto failed = work().Run([&](Tx& tx) -> Status {
    if (auto s = keys().Create(tx, Key("a"), Bytes{1}); !s) return s;
    if (auto s = AuditRow(tx); !s) return s;
    return Error{ErrorCode::kConflict, "the last step failed"};
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kConflict);
  EXPECT_EQ(keys().Get("a").error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(audit().Verify()->rows, 0u);
  backend().Reopen();
  EXPECT_FALSE(keys().Get("a"));
}

TEST_P(UnitOfWorkContract, AFailedWriteRollsBackOnlyItself) {
  ASSERT_TRUE(work().Run([&](Tx& tx) { return keys().Create(tx, Key("taken"), Bytes{1}); }));
  ASSERT_TRUE(work().Run([&](Tx& tx) -> Status {
    if (auto s = keys().Create(tx, Key("a"), Bytes{1}); !s) return s;
    EXPECT_FALSE(keys().Create(tx, Key("taken"), Bytes{2}));  // it alone is rolled back
    return AuditRow(tx);
  }));
  backend().Reopen();
  EXPECT_TRUE(keys().Get("a"));
  EXPECT_EQ(*keys().GetSealed("taken", 1), Bytes{1});
  EXPECT_EQ(audit().Verify()->rows, 1u);
  EXPECT_TRUE(audit().Verify()->ok);
}

TEST_P(UnitOfWorkContract, AChangeCommitsWithTheAuditRowItCompleted) {
  ASSERT_TRUE(
      CommitWithAudit(work(), audit(), Row("key.create", kT), [&](Tx& tx, AuditRecord& row) {
        row.key_id = "a";
        return keys().Create(tx, Key("a"), Bytes{1});
      }));
  backend().Reopen();
  EXPECT_TRUE(keys().Get("a"));
  auto rows = audit().Read(0, 10);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].key_id, "a");
  EXPECT_EQ((*rows)[0].action, "key.create");
}

TEST_P(UnitOfWorkContract, AFailedChangeWritesNoAuditRow) {
  ASSERT_TRUE(work().Run([&](Tx& tx) { return keys().Create(tx, Key("a"), Bytes{1}); }));
  auto refused = CommitWithAudit(work(), audit(), Row("key.create", kT), [&](Tx& tx, AuditRecord&) {
    return keys().Create(tx, Key("a"), Bytes{2});
  });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_EQ(audit().Verify()->rows, 0u);
  // Inside a larger unit, the same rule: the failed change appends nothing, and its error fails
  // the unit, which rolls back what came before.
  auto unit = work().Run([&](Tx& tx) -> Status {
    if (auto s = keys().Create(tx, Key("b"), Bytes{1}); !s) return s;
    return WithAudit(tx, audit(), Row("key.create", kT), [&](Tx& same, AuditRecord&) {
      return keys().Create(same, Key("a"), Bytes{2});
    });
  });
  ASSERT_FALSE(unit);
  EXPECT_FALSE(keys().Get("b"));
  EXPECT_EQ(audit().Verify()->rows, 0u);
}

KB_STORAGE_CONTRACT(UnitOfWorkContract);

}  // namespace
}  // namespace kb::storage::contract
