#pragma once

// The CiphertextBlob of keybroker's KMS API: self-describing like KMS's, so that Decrypt needs
// no KeyId, and authenticated with the caller's EncryptionContext.
//
//   "KBK1" ‖ u8 len(key_id) ‖ key_id ‖ u32be key_version ‖ nonce (12) ‖ ciphertext ‖ tag (16)
//
// AES-256-GCM under the kms key's blob key (KmsUse::kBlob: HKDF-SHA256(material, info "keybroker
// kms blob v1") for a sealed key, so the material is never used as a cipher key directly; the
// token object itself, with that info as an AAD prefix, for a token key). The AAD is the
// header (everything before the nonce) ‖ the encryption context, sorted by name, each name and
// value as u32be length ‖ bytes: a different context, key id or version fails to open.

#include <cstdint>
#include <map>
#include <string>

#include "broker/keys/gcm_key.h"
#include "common/bytes.h"
#include "common/result.h"
#include "crypto/random.h"

namespace kb::broker {

using EncryptionContext = std::map<std::string, std::string>;

struct BlobHeader {
  std::string key_id;
  uint32_t key_version = 0;
};

// kMalformedRequest for a plaintext over 4096 bytes (KMS's Encrypt limit).
Result<Bytes> SealBlob(const BlobHeader& header, const GcmKey& key, ByteSpan plaintext,
                       const EncryptionContext& context, const Random& random);

// The header alone, to find the key: kInvalidCiphertext if the blob is not one of ours.
Result<BlobHeader> ReadBlobHeader(ByteSpan blob);

// kInvalidCiphertext if the blob was altered or the context differs.
Result<SecretBytes> OpenBlob(ByteSpan blob, const GcmKey& key, const EncryptionContext& context);

}  // namespace kb::broker
