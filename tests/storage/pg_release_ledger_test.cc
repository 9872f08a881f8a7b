// Two replicas on one PostgreSQL database: each is its own PgDatabase (its own pool), as two
// brokers are. A nonce issued by one is consumed through the other, once; a nonce raced through
// both is consumed exactly once; the audit chain they append to together stays one chain.

#include "storage/pg/pg_release_ledger.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "storage/file_audit_sink.h"
#include "storage/ledger_writer.h"
#include "tests/support/audit_chain.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_postgres.h"

namespace kb::storage {
namespace {

constexpr Time kT = Time(std::chrono::milliseconds(1'700'000'000'000));

LedgerEntry Allow(Bytes nonce, const std::string& request_id) {
  return LedgerEntry{std::move(nonce), kT, [request_id](const Status& consumed) {
                       AuditRecord r = testing::AuditRow("k");
                       r.action = "release";
                       r.decision = consumed ? "allow" : "deny";
                       if (!consumed) r.reasons = std::string(ErrorCodeName(consumed.error().code));
                       r.request_id = request_id;
                       return r;
                     }};
}

Bytes RandomNonce(int n) {
  Bytes nonce(kNonceSize, 0);
  for (size_t i = 0; i < 4; ++i) nonce[i] = uint8_t(n >> (8 * i));
  nonce[31] = 0x5a;
  return nonce;
}

// One broker's view: its own pool, keyed audit log and ledger.
struct Replica {
  Replica(const testing::TestPostgres& pg, AuditSink* sink = nullptr)
      : db(std::move(PgDatabase::Open(PgOptions{pg.url, pg.password, 4})).value()) {
    db->set_audit_sink(sink);
    audit = std::make_unique<PgAuditLog>(*db, testing::ChainKey(7));
    EXPECT_TRUE(audit->KeyLegacyChain(kT));
    ledger = std::make_unique<PgReleaseLedger>(*db, *audit);
  }
  std::unique_ptr<PgDatabase> db;
  std::unique_ptr<PgAuditLog> audit;
  std::unique_ptr<PgReleaseLedger> ledger;
};

class PgReleaseLedgerTest : public ::testing::Test {
 protected:
  testing::TestPostgres pg_ = testing::FreshPostgresSchema();
};

TEST_F(PgReleaseLedgerTest, ANonceIssuedByOneReplicaIsConsumedOnceThroughAnother) {
  Replica a(pg_), b(pg_);
  Bytes nonce = RandomNonce(1);
  ASSERT_TRUE(a.ledger->IssueNonce(nonce, kT + std::chrono::minutes(5)));
  EXPECT_TRUE(b.ledger->CheckNonce(nonce, kT));
  auto first = b.ledger->CommitAll({});
  ASSERT_TRUE(first);
  std::vector<LedgerEntry> one;
  one.push_back(Allow(nonce, "r1"));
  auto consumed = b.ledger->CommitAll(std::move(one));
  ASSERT_TRUE(consumed) << consumed.error().message;
  EXPECT_TRUE((*consumed)[0].nonce);
  std::vector<LedgerEntry> again;
  again.push_back(Allow(nonce, "r2"));
  auto replayed = a.ledger->CommitAll(std::move(again));
  ASSERT_TRUE(replayed);
  EXPECT_EQ((*replayed)[0].nonce.error().code, ErrorCode::kNonceReplayed);
  EXPECT_EQ(a.ledger->CheckNonce(nonce, kT).error().code, ErrorCode::kNonceReplayed);
  EXPECT_EQ(a.ledger->CheckNonce(RandomNonce(2), kT).error().code, ErrorCode::kNonceUnknown);
  EXPECT_EQ(b.ledger->CheckNonce(nonce, kT + std::chrono::hours(1)).error().code,
            ErrorCode::kNonceReplayed);
}

TEST_F(PgReleaseLedgerTest, ANonceRacedThroughTwoReplicasIsConsumedExactlyOnce) {
  Replica a(pg_), b(pg_);
  constexpr int kRounds = 10, kThreadsPerReplica = 3;
  for (int round = 0; round < kRounds; ++round) {
    Bytes nonce = RandomNonce(100 + round);
    ASSERT_TRUE(a.ledger->IssueNonce(nonce, kT + std::chrono::minutes(5)));
    std::atomic<int> allowed{0}, replayed{0}, failed{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2 * kThreadsPerReplica; ++t) {
      Replica& r = t % 2 == 0 ? a : b;
      threads.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        std::vector<LedgerEntry> entry;
        entry.push_back(Allow(nonce, "race-" + std::to_string(t)));
        auto receipts = r.ledger->CommitAll(std::move(entry));
        if (!receipts) {
          ++failed;
        } else if ((*receipts)[0].nonce) {
          ++allowed;
        } else if ((*receipts)[0].nonce.error().code == ErrorCode::kNonceReplayed) {
          ++replayed;
        }
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(allowed.load(), 1) << "round " << round;
    EXPECT_EQ(replayed.load(), 2 * kThreadsPerReplica - 1);
    EXPECT_EQ(failed.load(), 0);
  }
  auto verified = a.audit->Verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->ok) << verified->reason;
  EXPECT_EQ(verified->rows, uint64_t(kRounds * 2 * kThreadsPerReplica));
}

TEST_F(PgReleaseLedgerTest, TwoReplicasAppendingAtOnceKeepOneChain) {
  Replica a(pg_), b(pg_);
  LedgerWriter writer_a(*a.ledger), writer_b(*b.ledger);
  constexpr int kThreads = 3, kEach = 20;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < 2 * kThreads; ++t) {
    threads.emplace_back([&, t] {
      Replica& r = t % 2 == 0 ? a : b;
      LedgerWriter& w = t % 2 == 0 ? writer_a : writer_b;
      for (int i = 0; i < kEach; ++i) {
        if (i % 2 == 0) {
          if (!r.audit->Append(testing::AuditRow("k" + std::to_string(t)))) ++errors;
        } else if (!w.Write(Allow({}, "w" + std::to_string(t)))) {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  auto verified = b.audit->Verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->ok) << verified->reason << " at " << verified->broken_at;
  EXPECT_EQ(verified->rows, uint64_t(2 * kThreads * kEach));
  EXPECT_FALSE(PgAuditLog(*a.db, testing::ChainKey(8)).Verify()->ok);  // another KEK's key
  EXPECT_FALSE(PgAuditLog(*a.db).Verify());                            // keyless: the key is needed
}

TEST_F(PgReleaseLedgerTest, EachReplicaSinksTheRowsItWrote) {
  std::string dir = testing::MakeTempDir();
  auto sink = std::move(FileAuditSink::Open(dir + "/a.sink")).value();
  Replica a(pg_, sink.get()), b(pg_);
  ASSERT_TRUE(a.audit->Append(testing::AuditRow("from-a")));
  ASSERT_TRUE(b.audit->Append(testing::AuditRow("from-b")));
  std::vector<LedgerEntry> entry;
  entry.push_back(Allow({}, "ledger-a"));
  ASSERT_TRUE(a.ledger->CommitAll(std::move(entry)));
  std::ifstream in(dir + "/a.sink");
  std::vector<AuditRecord> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(*ParseAuditLine(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].key_id, "from-a");
  EXPECT_EQ(lines[0].seq, 1u);
  EXPECT_EQ(lines[1].request_id, "ledger-a");
  EXPECT_EQ(lines[1].seq, 3u);
}

// A client's bytes that TEXT cannot hold (an unknown evidence member with a NUL, a KMS blob's
// key id in Latin-1, a blob version above 2^31) reach audit rows: escaped there, they must not
// fail the batch the others were committed with (found by the review: the batch failed, and
// none of its rows, nor the attacker's, was written).
TEST_F(PgReleaseLedgerTest, AClientsUnfitBytesDoNotFailTheBatchTheyShare) {
  Replica a(pg_);
  std::vector<LedgerEntry> batch;
  batch.push_back(Allow({}, "ordinary-1"));
  batch.push_back(LedgerEntry{{}, kT, [](const Status&) {
                                AuditRecord r = testing::AuditRow(std::string("a\0b\xff\xfe", 5));
                                r.action = "kms.decrypt";
                                r.decision = "deny";
                                r.reasons = std::string("unknown evidence member \"\0\"", 27);
                                r.key_version = 0x80000000u;
                                return r;
                              }});
  batch.push_back(Allow({}, "ordinary-2"));
  auto receipts = a.ledger->CommitAll(std::move(batch));
  ASSERT_TRUE(receipts) << receipts.error().message;
  ASSERT_EQ(receipts->size(), 3u);
  auto rows = a.audit->Read(0, 10);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[1].key_id, "a\\x00b\\xff\\xfe");
  EXPECT_EQ((*rows)[1].key_version, 0x80000000u);
  EXPECT_NE((*rows)[1].reasons.find("\\x00"), std::string::npos);
  auto verified = a.audit->Verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->ok) << verified->reason;
  // A lookup by such bytes is a malformed request, not a database failure.
  PgParams lookup;
  lookup.Add(std::string_view("a\0b", 3));
  auto conn = a.db->Acquire();
  ASSERT_TRUE(conn);
  auto found = (*conn)->Exec("SELECT 1 FROM keys WHERE id = $1", lookup, "lookup");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kMalformedRequest);
}

TEST_F(PgReleaseLedgerTest, ExpiredNoncesArePurgedAndRefused) {
  Replica a(pg_);
  Bytes nonce = RandomNonce(9);
  ASSERT_TRUE(a.ledger->IssueNonce(nonce, kT));
  EXPECT_EQ(a.ledger->CheckNonce(nonce, kT + std::chrono::seconds(1)).error().code,
            ErrorCode::kNonceExpired);
  std::vector<LedgerEntry> late;
  late.push_back(LedgerEntry{nonce, kT + std::chrono::seconds(1), Allow({}, "late").audit_row});
  auto receipts = a.ledger->CommitAll(std::move(late));
  ASSERT_TRUE(receipts);
  EXPECT_EQ((*receipts)[0].nonce.error().code, ErrorCode::kNonceExpired);
  EXPECT_EQ(*a.ledger->PurgeExpired(kT + std::chrono::seconds(1)), 1u);
  EXPECT_EQ(a.ledger->CheckNonce(nonce, kT).error().code, ErrorCode::kNonceUnknown);
}

}  // namespace
}  // namespace kb::storage
