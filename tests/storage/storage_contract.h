#pragma once

// What every storage backend must do, written against the interfaces only. A backend provides a
// StorageBackend (its stores over one fresh, empty, migrated storage) and adds its factory to
// ContractBackends() (contract_backends.cc); every *_contract_test.cc suite then runs on it
// unchanged.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "storage/access_key_store.h"
#include "storage/approval_store.h"
#include "storage/attestation_key_store.h"
#include "storage/audit_log.h"
#include "storage/import_token_store.h"
#include "storage/key_store.h"
#include "storage/kms_grant_store.h"
#include "storage/policy_store.h"
#include "storage/principal_store.h"
#include "storage/reference_store.h"
#include "storage/unit_of_work.h"

namespace kb::storage::contract {

// One storage, with every store over it. The audit log is unkeyed (the keyed chain is the SQLite
// audit log's own feature, tested in keyed_audit_chain_test.cc).
class StorageBackend {
 public:
  virtual ~StorageBackend() = default;
  virtual UnitOfWork& unit_of_work() = 0;
  virtual AuditLog& audit() = 0;
  virtual KeyStore& keys() = 0;
  virtual PolicyStore& policies() = 0;
  virtual ReferenceStore& references() = 0;
  virtual ApprovalStore& approvals() = 0;
  virtual PrincipalStore& principals() = 0;
  virtual AccessKeyStore& access_keys() = 0;
  virtual AttestationKeyStore& attestation_keys() = 0;
  virtual KmsGrantStore& grants() = 0;
  virtual ImportTokenStore& import_tokens() = 0;
  // Closes every store and opens the same storage again: what committed is there, nothing else.
  virtual void Reopen() = 0;
};

struct BackendFactory {
  std::string name;  // the test name's suffix
  std::function<std::unique_ptr<StorageBackend>()> make;
};

inline void PrintTo(const BackendFactory& factory, std::ostream* out) { *out << factory.name; }

// Every backend the contract suites run on.
std::vector<BackendFactory> ContractBackends();

inline std::string BackendName(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

class StorageContract : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override { backend_ = GetParam().make(); }
  StorageBackend& backend() { return *backend_; }

  // Runs `write(tx)` in a unit of work of its own and returns what it returned; a write that
  // succeeded but whose unit failed to commit returns the commit's error.
  template <typename Write>
  auto Commit(Write&& write) -> decltype(write(std::declval<Tx&>())) {
    using Returned = decltype(write(std::declval<Tx&>()));
    std::optional<Returned> out;
    Status committed = backend().unit_of_work().Run([&](Tx& tx) -> Status {
      out.emplace(write(tx));
      if (!*out) return Error(out->error());
      return Ok();
    });
    if (!committed && (!out || *out)) return Returned(Error(committed.error()));
    return std::move(*out);
  }

  // A row as the admin services write them.
  static AuditRecord Row(std::string action, Time time = Time{}) {
    AuditRecord row;
    row.time = time;
    row.actor = "admin";
    row.action = std::move(action);
    row.decision = "ok";
    return row;
  }

 private:
  std::unique_ptr<StorageBackend> backend_;
};

}  // namespace kb::storage::contract

// Instantiates `suite` (a TEST_P suite derived from StorageContract) on every backend.
#define KB_STORAGE_CONTRACT(suite)                                                           \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                  \
                           ::testing::ValuesIn(::kb::storage::contract::ContractBackends()), \
                           ::kb::storage::contract::BackendName)
