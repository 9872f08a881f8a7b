// The ImportTokenStore contract: an import token is taken once, before it expires.

#include "tests/storage/storage_contract.h"

namespace kb::storage::contract {
namespace {

const Time kT = *ParseRfc3339("2026-06-01T00:00:00Z");

class ImportTokenStoreContract : public StorageContract {
 protected:
  ImportTokenStore& tokens() { return backend().import_tokens(); }
  Status Add(const ImportToken& token, Time now) {
    return Commit([&](Tx& tx) { return tokens().Add(tx, token, now); });
  }
  Result<ImportToken> Take(const Sha256Digest& hash, Time now) {
    return Commit([&](Tx& tx) { return tokens().Take(tx, hash, now); });
  }
};

TEST_P(ImportTokenStoreContract, ATokenIsTakenOnceBeforeItExpires) {
  ImportToken token{Sha256(AsBytes("t1")), "k", Bytes{1, 2, 3}, kT + std::chrono::hours(1)};
  ASSERT_TRUE(Add(token, kT));
  auto taken = Take(token.token_sha256, kT);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->key_id, "k");
  EXPECT_EQ(taken->wrapping_key_sealed, (Bytes{1, 2, 3}));
  EXPECT_EQ(taken->expires_at, kT + std::chrono::hours(1));
  EXPECT_EQ(Take(token.token_sha256, kT).error().code, ErrorCode::kNotFound);  // used
  EXPECT_EQ(Take(Sha256(AsBytes("unknown")), kT).error().code, ErrorCode::kNotFound);

  ImportToken late{Sha256(AsBytes("t2")), "k", Bytes{4}, kT + std::chrono::hours(1)};
  ASSERT_TRUE(Add(late, kT));
  EXPECT_EQ(Take(late.token_sha256, kT + std::chrono::hours(2)).error().code,
            ErrorCode::kNotFound);  // expired
}

TEST_P(ImportTokenStoreContract, AFailedUnitOfWorkGivesTheTokenBack) {
  ImportToken token{Sha256(AsBytes("t1")), "k", Bytes{1}, kT + std::chrono::hours(1)};
  ASSERT_TRUE(Add(token, kT));
  auto failed = backend().unit_of_work().Run([&](Tx& tx) -> Status {
    EXPECT_TRUE(tokens().Take(tx, token.token_sha256, kT));
    return Error{ErrorCode::kInternal, "the unit fails after taking it"};
  });
  ASSERT_FALSE(failed);
  EXPECT_TRUE(Take(token.token_sha256, kT));
}

KB_STORAGE_CONTRACT(ImportTokenStoreContract);

}  // namespace
}  // namespace kb::storage::contract
