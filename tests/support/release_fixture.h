#pragma once

// A release service over a real SQLite file, with a test root trusted, one generated key
// ("model-weights"), an active policy "weights" naming it (and "ghost", which does not exist)
// that pins PCR0 = 0xaa.., and an RSA instance key to wrap to. Shared by the broker and api
// tests.

#include <gtest/gtest.h>
#include <openssl/cms.h>

#include "broker/evidence/certificate_cache.h"
#include "broker/evidence/nitro_verifier.h"
#include "broker/evidence/tpm2_quote_verifier.h"
#include "broker/evidence/trust_anchors.h"
#include "broker/release_service.h"
#include "common/encoding.h"
#include "storage/ledger_writer.h"
#include "storage/sqlite_key_store.h"
#include "storage/sqlite_policy_store.h"
#include "storage/sqlite_reference_store.h"
#include "storage/sqlite_release_ledger.h"
#include "storage/sqlite_unit_of_work.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_pki.h"

namespace kb::testing {

using broker::ReleaseOutcome;
using broker::WrapFormat;
using std::chrono::seconds;

inline const Time kT = *ParseRfc3339("2026-05-01T12:00:00Z");
inline const Bytes kPcr0(48, 0xaa);

inline Bytes Spki(EVP_PKEY* key) { return PublicKeyDer(key).value(); }

inline Bytes CmsDecrypt(const Bytes& der, EVP_PKEY* key) {
  const unsigned char* p = der.data();
  OsslPtr<CMS_ContentInfo> cms(d2i_CMS_ContentInfo(nullptr, &p, long(der.size())));
  OsslPtr<BIO> out(BIO_new(BIO_s_mem()));
  if (!cms || CMS_decrypt(cms.get(), key, nullptr, nullptr, out.get(), CMS_BINARY) != 1) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  return Bytes(data, data + len);
}

class ReleaseFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    chain_ = MakeChain(kT);
    ASSERT_TRUE(anchors_.AddPem(chain_.root.CertPem()));
    db_ = std::move(storage::Database::Open(MakeTempDir() + "/kb.db")).value();
    keys_ = std::make_unique<storage::SqliteKeyStore>(*db_);
    audit_ = std::make_unique<storage::SqliteAuditLog>(*db_);
    ledger_ = std::make_unique<storage::SqliteReleaseLedger>(*db_, *audit_);
    writer_ = std::make_unique<storage::LedgerWriter>(*ledger_);
    policies_ = std::make_unique<storage::SqlitePolicyStore>(*db_);
    references_ = std::make_unique<storage::SqliteReferenceStore>(*db_);
    unit_of_work_ = std::make_unique<storage::SqliteUnitOfWork>(*db_);
    manager_ = std::make_unique<broker::KeyManager>(*keys_, *audit_, *unit_of_work_, kek_, random_);
    ASSERT_TRUE(manager_->CreateGenerated("model-weights", "admin", kT));
    PutPolicy(
        "name: weights\nkeys: [model-weights, ghost]\nplatform: nitro-enclave\nallow:\n"
        "  - pcrs: {0: \"" +
        HexEncode(kPcr0) + "\"}\n");
    gate_ = std::make_unique<broker::PolicyGate>(*policies_, *references_);
    core_ = std::make_unique<broker::ReleaseCore>(broker::ReleaseCore::Dependencies{
        verifiers_, *ledger_, *gate_, *manager_, wrapper_, *writer_});
    service_ = std::make_unique<broker::ReleaseService>(
        broker::ReleaseService::Dependencies{*core_, *ledger_, random_, seconds(300)});
    instance_key_ = testing::GenerateKey(KeyType::kRsa2048);
  }
  void PutPolicy(const std::string& yaml) {
    ASSERT_TRUE(unit_of_work_->Run([&](storage::Tx& tx) -> Status {
      auto v = policies_->Put(tx, "weights", yaml, "admin", kT);
      if (!v) return std::move(v).error();
      return policies_->Activate(tx, "weights", *v);
    }));
  }
  // A document for the instance key, carrying `nonce`, with PCR0 = `pcr0`.
  Bytes Document(const Bytes& nonce, const Bytes& pcr0 = kPcr0, EVP_PKEY* wrap_to = nullptr) {
    auto fields = MakeDocumentFields(chain_, kT);
    fields.pcrs[0] = pcr0;
    fields.nonce = nonce;
    fields.public_key = Spki(wrap_to ? wrap_to : instance_key_.get());
    return SignDocument(fields, chain_.leaf.key.get());
  }
  ReleaseOutcome Release(const Bytes& document, const std::string& key = "model-weights",
                         WrapFormat format = WrapFormat::kCms, Time now = kT) {
    return service_->Release({key, std::nullopt, document, format, "req-1"}, now);
  }
  Bytes Nonce() { return service_->IssueChallenge(kT)->nonce; }
  ErrorCode Code(const ReleaseOutcome& o) {
    EXPECT_FALSE(o.released);
    EXPECT_GT(o.decision_id, 0u);  // every decision is audited
    return o.error ? o.error->code : ErrorCode::kInternal;
  }

  TestChain chain_;
  broker::TrustAnchors anchors_ = broker::TrustAnchors::Empty();
  broker::CertificateCache cache_{64};
  broker::NitroVerifier nitro_{anchors_, cache_};
  broker::AttestationKeys aks_;
  broker::Tpm2QuoteVerifier tpm2_{aks_};
  broker::EvidenceVerifiers verifiers_{nitro_, tpm2_};
  OsslRandom random_;
  broker::Kek kek_ = std::move(broker::Kek::FromBytes(SecretBytes(Bytes(32, 3)))).value();
  broker::KeyWrapper wrapper_ = std::move(broker::KeyWrapper::Create()).value();
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<storage::SqliteKeyStore> keys_;
  std::unique_ptr<storage::SqliteAuditLog> audit_;
  std::unique_ptr<storage::SqliteReleaseLedger> ledger_;
  std::unique_ptr<storage::LedgerWriter> writer_;
  std::unique_ptr<storage::SqlitePolicyStore> policies_;
  std::unique_ptr<storage::SqliteReferenceStore> references_;
  std::unique_ptr<storage::SqliteUnitOfWork> unit_of_work_;
  std::unique_ptr<broker::KeyManager> manager_;
  std::unique_ptr<broker::PolicyGate> gate_;
  std::unique_ptr<broker::ReleaseCore> core_;
  std::unique_ptr<broker::ReleaseService> service_;
  OsslPtr<EVP_PKEY> instance_key_;
};

}  // namespace kb::testing
