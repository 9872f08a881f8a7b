#pragma once

// Building certificates shaped like the Nitro PKI (P-384, ECDSA with SHA-384 by default): for
// the development CA behind `keybroker dev-attest`, and for tests, which use its other knobs to
// make certificates the verifier must refuse.

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "crypto/ossl.h"

namespace kb::broker {

enum class KeyType { kP384, kP256, kRsa2048 };

struct CertSpec {
  std::string common_name;
  bool is_ca = true;
  int path_len = -1;  // -1: no constraint
  Time not_before;
  Time not_after;
  KeyType key_type = KeyType::kP384;
  std::string key_usage;          // empty: keyCertSign,cRLSign for CAs, digitalSignature for leaves
  std::string subject_alt_names;  // e.g. "IP:127.0.0.1,DNS:localhost"; empty: none
};

struct BuiltCert {
  OsslPtr<X509> cert;
  OsslPtr<EVP_PKEY> key;  // the private key
  Bytes der;
  std::string CertPem() const;
  std::string KeyPem() const;  // unencrypted PKCS#8: write it with mode 0600
};

Result<OsslPtr<EVP_PKEY>> GenerateKey(KeyType type);

// Issued by `issuer` (certificate and private key), or self-signed when it is null.
Result<BuiltCert> BuildCertificate(const CertSpec& spec, const BuiltCert* issuer);

// A certificate and its private key from PEM (a CA loaded from disk).
Result<BuiltCert> LoadCertificate(std::string_view cert_pem, std::string_view key_pem);

}  // namespace kb::broker
