// The ReferenceStore contract: named reference measurements and their status.

#include "tests/storage/storage_contract.h"

namespace kb::storage::contract {
namespace {

class ReferenceStoreContract : public StorageContract {
 protected:
  static policy::Reference Ref(const std::string& name) {
    policy::Reference r{
        name, policy::Platform::kNitroEnclave, {{0, Bytes(48, 1)}, {2, Bytes(48, 2)}}, "ci"};
    r.created_at = *ParseRfc3339("2026-06-01T00:00:00Z");
    r.created_by = "alice";
    return r;
  }
  ReferenceStore& references() { return backend().references(); }
  Status Add(const policy::Reference& r) {
    return Commit([&](Tx& tx) { return references().Add(tx, r); });
  }
  Status SetStatus(std::string_view name, policy::ReferenceStatus status) {
    return Commit([&](Tx& tx) { return references().SetStatus(tx, name, status); });
  }
};

TEST_P(ReferenceStoreContract, RoundTripsEveryField) {
  ASSERT_TRUE(Add(Ref("payments@1.4.2")));
  auto r = references().Get("payments@1.4.2");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->platform, policy::Platform::kNitroEnclave);
  EXPECT_EQ(r->pcrs.size(), 2u);
  EXPECT_EQ(r->pcrs.at(2), Bytes(48, 2));
  EXPECT_EQ(r->source, "ci");
  EXPECT_EQ(r->created_by, "alice");
  EXPECT_EQ(r->created_at, *ParseRfc3339("2026-06-01T00:00:00Z"));
  EXPECT_EQ(r->status, policy::ReferenceStatus::kActive);
}

TEST_P(ReferenceStoreContract, NamesAreUnique) {
  ASSERT_TRUE(Add(Ref("a")));
  auto again = Add(Ref("a"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST_P(ReferenceStoreContract, RevocationIsVisibleToTheNextLoad) {
  ASSERT_TRUE(Add(Ref("a")));
  ASSERT_TRUE(Add(Ref("b")));
  ASSERT_TRUE(SetStatus("a", policy::ReferenceStatus::kRevoked));
  auto all = references().LoadAll();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->at("a").status, policy::ReferenceStatus::kRevoked);
  EXPECT_EQ(all->at("b").status, policy::ReferenceStatus::kActive);
  EXPECT_EQ(SetStatus("zz", policy::ReferenceStatus::kRevoked).error().code, ErrorCode::kNotFound);
}

TEST_P(ReferenceStoreContract, UnknownNameIsNotFound) {
  EXPECT_EQ(references().Get("nope").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(references().List()->empty());
}

TEST_P(ReferenceStoreContract, ImpossibleValuesAreRefusedWhole) {
  policy::Reference bad = Ref("bad");
  bad.pcrs[5] = Bytes(7, 0);  // no PCR has 7 bytes: refused, and nothing is half-written
  EXPECT_FALSE(Add(bad));
  EXPECT_EQ(references().Get("bad").error().code, ErrorCode::kNotFound);
}

KB_STORAGE_CONTRACT(ReferenceStoreContract);

}  // namespace
}  // namespace kb::storage::contract
