// libFuzzer target: tpm2-quote evidence (JSON) and the TPM structures inside it (TPMS_ATTEST,
// TPMT_SIGNATURE through libtss2-mu), seeded with real swtpm quotes, among them a forgery over a
// selection that repeats a bank (tests/vectors/tpm2/quote-repeated-bank.json).

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "broker/evidence/tpm2_quote_verifier.h"
#include "broker/evidence/tpm2_structures.h"

namespace {

// The AKs that signed the seeds, so that mutations get past the signature to the checks
// behind it (the extraData binding, the PCR selection against the reported PCRs).
const kb::broker::AttestationKeys& Keys() {
  static kb::broker::AttestationKeys keys;
  static const bool loaded = [] {
    bool ok = true;
    for (const char* name : {"ak-ecc.tpm2b", "ak-repeated-bank.tpm2b"}) {
      std::ifstream in(std::string(KB_VECTORS_DIR) + "/tpm2/" + name, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      ok &= bool(keys.AddTpm2bPublic(kb::AsBytes(bytes)));
    }
    return ok;
  }();
  (void)loaded;
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kb::ByteSpan input(data, size);
  (void)kb::broker::Tpm2QuoteVerifier(Keys()).Verify(input, kb::Time{});
  // The raw structures, with the input split in two at its first byte.
  size_t split = size > 0 ? data[0] % (size + 1) : 0;
  (void)kb::broker::ParseTpmQuote(input.first(split));
  (void)kb::broker::ParseTpmSignature(input.subspan(split));
  return 0;
}
