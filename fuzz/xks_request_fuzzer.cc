// libFuzzer target: the XKS request decoder (api/xks/xks_request.h). The first byte picks the
// operation, the rest is the body. A decoded Encrypt must hold what the limits promise.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/xks/xks_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kb::api::xks::Operation;
  if (size == 0) return 0;
  constexpr Operation kOperations[] = {Operation::kHealth, Operation::kMetadata,
                                       Operation::kEncrypt, Operation::kDecrypt};
  Operation operation = kOperations[data[0] % 4];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto request = kb::api::xks::DecodeRequest(operation, body);
  if (!request) return 0;
  if (request->plaintext.size() > kb::api::xks::kMaxDataSize ||
      request->ciphertext.size() > kb::api::xks::kMaxDataSize ||
      request->aad.size() > kb::api::xks::kMaxDataSize ||
      !request->metadata.contains("kmsRequestId")) {
    __builtin_trap();
  }
  if (operation == Operation::kDecrypt && request->tag.size() != 16) __builtin_trap();
  return 0;
}
