// libFuzzer target: Nitro attestation documents (CBOR, COSE_Sign1, payload, certificate path).
// Seeded with the real AWS documents; verification runs at the time of nitro-enclave-8 so that
// its chain is valid and mutations that keep the chain reach the signature check.

#include <cstddef>
#include <cstdint>

#include "broker/evidence/cose_sign1.h"
#include "broker/evidence/nitro_document.h"
#include "broker/evidence/nitro_verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kb::broker;
  static const TrustAnchors anchors = TrustAnchors::AwsNitroDefault();
  static CertificateCache cache(64);
  static const kb::Time at = *kb::ParseRfc3339("2026-03-06T11:14:18.051Z");
  kb::ByteSpan input(data, size);

  NitroVerifier verifier(anchors, cache);
  (void)verifier.Verify(input, at);
  // The payload parser on its own, with the input taken as a payload.
  (void)ParseNitroPayload(input);
  return 0;
}
