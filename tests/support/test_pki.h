#pragma once

// A throw-away PKI for tests: certificates shaped like the Nitro hierarchy (P-384, ECDSA-SHA384),
// with knobs for every property the chain verifier checks, and a signer of Nitro documents.

#include <string>
#include <vector>

#include "broker/evidence/nitro_document.h"
#include "common/bytes.h"
#include "common/time.h"
#include "crypto/ossl.h"
#include "dev/cert_builder.h"

namespace kb::testing {

using broker::CertSpec;
using broker::KeyType;
using TestCert = broker::BuiltCert;

// broker::GenerateKey and broker::BuildCertificate that abort the test binary on failure.
OsslPtr<EVP_PKEY> GenerateKey(KeyType type);
// Self-signed when `issuer` is null.
TestCert MakeCert(const CertSpec& spec, const TestCert* issuer);

// root → intermediate → leaf, all valid from `t - 1h` to `t + 3h` (root and intermediate much
// longer), like a Nitro path one level shorter.
struct TestChain {
  TestCert root;
  TestCert intermediate;
  TestCert leaf;
};
TestChain MakeChain(Time t);

// A document payload for `chain` at time `t`, enclave PCRs 0..15 of 48 bytes each (PCR i = i).
broker::NitroDocument MakeDocumentFields(const TestChain& chain, Time t);

// Encodes and signs `fields` with `signer` (normally chain.leaf.key).
Bytes SignDocument(const broker::NitroDocument& fields, EVP_PKEY* signer);

// A fresh self-signed TLS server certificate for 127.0.0.1/localhost, valid an hour either side
// of `now`, written as PEM files. False if it could not be built or written.
bool WriteLocalhostCertificate(const std::string& cert_file, const std::string& key_file, Time now);

}  // namespace kb::testing
