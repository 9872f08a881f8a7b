#pragma once

// A development attester: signs Nitro-format documents (enclave or NitroTPM) under a local CA
// that mimics the Nitro hierarchy: root (10 years) → intermediate (1 year) → a fresh leaf per
// document, valid 3 hours like a real Nitro leaf. It exists for tests and demos; a server trusts
// its root only when configured to, and says so loudly.

#include <string>

#include "broker/evidence/nitro_document.h"
#include "common/result.h"
#include "dev/cert_builder.h"

namespace kb::broker {

class DevAttester {
 public:
  // The CA as PEM text: the caller persists it (keys with mode 0600).
  struct CaPem {
    std::string root_cert, root_key, intermediate_cert, intermediate_key;
  };

  static Result<CaPem> GenerateCa(Time now);
  static Result<DevAttester> Load(const CaPem& ca);

  // Signs a document with `fields`' platform, module_id, PCRs and optional public_key,
  // user_data and nonce; sets digest, timestamp (= now), certificate and cabundle.
  Result<Bytes> Attest(NitroDocument fields, Time now) const;

  // The same in two steps, so that one (simulated) enclave signs several documents with its
  // one leaf certificate, as a real one does: the leaf for `module_id`, valid 3 hours from now,
  // and a document signed with it.
  Result<BuiltCert> IssueLeaf(const std::string& module_id, Time now) const;
  Result<Bytes> Attest(NitroDocument fields, const BuiltCert& leaf, Time now) const;

 private:
  DevAttester(BuiltCert root, BuiltCert intermediate)
      : root_(std::move(root)), intermediate_(std::move(intermediate)) {}
  BuiltCert root_;
  BuiltCert intermediate_;
};

}  // namespace kb::broker
