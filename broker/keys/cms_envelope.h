#pragma once

// CMS EnvelopedData (RFC 5652 §6) to one RSA recipient, in the form AWS KMS returns as
// CiphertextForRecipient:
//
//   ContentInfo { id-envelopedData, [0] EnvelopedData {
//     version 2,
//     recipientInfos { KeyTransRecipientInfo { version 2,
//       rid [0] subjectKeyIdentifier = SHA-256 of the recipient's SubjectPublicKeyInfo,
//       id-RSAES-OAEP { sha256 NULL, mgf1(sha256 NULL) },   (byte for byte as KMS writes it)
//       encryptedKey = RSAES-OAEP-SHA-256(content-encryption key) } },
//     encryptedContentInfo { id-data, aes-256-cbc with its 16-byte IV,
//       [0] IMPLICIT AES-256-CBC(content, PKCS#7 padding) } } }
//
// Encoded here in DER (which BER parsers read) instead of through OpenSSL's CMS library, which
// needs a certificate for the recipient and costs more than half a P-384 verification per
// envelope. `openssl cms -decrypt`, the Nitro Enclaves SDK and KMS's own clients read it.

#include <openssl/evp.h>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/random.h"

namespace kb::broker {

// `recipient` is the key that `recipient_spki` encodes. `aes_256_cbc` is the fetched cipher.
// A fresh content-encryption key and IV come from `random`; the key is cleansed afterwards.
Result<Bytes> SealEnvelopedData(EVP_PKEY* recipient, ByteSpan recipient_spki, ByteSpan content,
                                const EVP_CIPHER* aes_256_cbc, const Random& random);

}  // namespace kb::broker
