#pragma once

// tpm2-quote evidence from a real software TPM (swtpm_quote.sh: a fresh swtpm per call, PCRs
// extended once, an ECC attestation key made by tpm2_createak), bound to a nonce and an
// instance public key as the broker expects: extraData = SHA-256(nonce || public_key).

#include <boost/json.hpp>
#include <map>
#include <string>

#include "common/bytes.h"

namespace kb::testing {

struct SwtpmQuote {
  boost::json::object evidence;        // without "pcrs": the test reports what it wants
  Bytes ak_tpm2b;                      // TPM2B_PUBLIC of the attestation key
  std::map<int, std::string> pcr_hex;  // the TPM's values of the extended PCRs (sha256)
};

// Quotes `selection` (as tpm2_quote -l takes it, e.g. "sha256:4,7" or "sha256:0+sha256:0")
// after extending PCRs `pcrs` ("4,7"), in a fresh temporary directory. Fails the test (and
// returns an empty evidence object) if swtpm or tpm2-tools fail.
SwtpmQuote MakeSwtpmQuote(const std::string& pcrs, const std::string& selection, const Bytes& nonce,
                          const Bytes& public_key_der);

// {"sha256": {"n": hex, ...}} for `values`.
boost::json::object Sha256Pcrs(const std::map<int, std::string>& values);

}  // namespace kb::testing
