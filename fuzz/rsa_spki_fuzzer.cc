// libFuzzer target: the recipient SubjectPublicKeyInfo of a release (a strict DER parser), and
// the CMS envelope sealed to every key it accepts.

#include <cstddef>
#include <cstdint>

#include "broker/keys/key_wrapper.h"
#include "broker/keys/rsa_spki.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const kb::broker::KeyWrapper wrapper = std::move(kb::broker::KeyWrapper::Create()).value();
  kb::ByteSpan input(data, size);
  if (!kb::broker::ParseRsaSpki(input)) return 0;
  kb::SecretBytes secret(32);
  if (!wrapper.Wrap(kb::broker::WrapFormat::kCms, input, secret)) __builtin_trap();
  return 0;
}
