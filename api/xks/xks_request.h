#pragma once

// The XKS proxy API's request bodies, decoded from untrusted JSON (../shared/research/xks.md
// §3–4): what each operation requires, standard padded base64 for binary fields, and the sizes
// keybroker accepts. Unknown members, at the top level and in requestMetadata, are ignored, as
// AWS KMS adds fields over time; only string members of requestMetadata are kept. Pure, and the
// libFuzzer target's entry point (fuzz/xks_request_fuzzer.cc).

#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "policy/xks_evaluator.h"

namespace kb::api::xks {

enum class Operation { kHealth, kMetadata, kEncrypt, kDecrypt };

// The largest body read: 64 KiB covers every minimum of the specification in base64.
inline constexpr size_t kBodyLimit = 64 * 1024;
// Plaintext, ciphertext and AAD up to 8,192 bytes (the specification asks for 4,300 and 8,192).
inline constexpr size_t kMaxDataSize = 8192;

struct Request {
  policy::XksRequestMetadata metadata;
  SecretBytes plaintext;   // Encrypt
  Bytes aad;               // Encrypt, Decrypt; empty when absent
  bool integrity = false;  // Encrypt: ciphertextDataIntegrityValueAlgorithm SHA_256
  Bytes ciphertext, iv, tag, ciphertext_metadata;  // Decrypt
};

// Errors, and the errorName each becomes (xks_api.cc):
//   kMalformedRequest   ValidationException: not a JSON object, requestMetadata or one of its
//                       required members missing, a required field missing, bad base64 in
//                       plaintext or AAD, an encryptionAlgorithm other than AES_GCM, an
//                       integrity algorithm other than SHA_256
//   kPayloadTooLarge    UnsupportedOperationException: plaintext, ciphertext or AAD over 8 KiB
//   kInvalidCiphertext  InvalidCiphertextException: Decrypt's ciphertext, IV, tag or metadata
//                       missing, not base64, or of a size keybroker never writes
Result<Request> DecodeRequest(Operation operation, std::string_view body);

// The string members of the body's requestMetadata, whatever else is wrong with it (empty when
// there are none): for the audit row of a request DecodeRequest refused.
policy::XksRequestMetadata PeekMetadata(std::string_view body);

}  // namespace kb::api::xks
