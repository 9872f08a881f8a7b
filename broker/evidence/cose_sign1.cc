#include "broker/evidence/cose_sign1.h"

#include <string_view>

#include "broker/evidence/internal/cbor_reader.h"
#include "common/cbor_ptr.h"
#include "crypto/digest.h"
#include "crypto/ossl.h"

namespace kb::broker {
namespace {

using internal::AsBytes;
using internal::AsNegintMagnitude;
using internal::AsUint;

constexpr uint64_t kCoseSign1Tag = 18;
constexpr uint64_t kHeaderAlg = 1;
constexpr uint64_t kEs384Magnitude = 34;  // alg -35 is encoded as negint magnitude 34
// array → unprotected map → one level inside it (the tag is read before libcbor runs).
constexpr int kEnvelopeMaxDepth = 3;
constexpr int kHeaderMaxDepth = 2;

Error Malformed(std::string message) {
  return Error{ErrorCode::kMalformedEvidence, std::move(message)};
}

// The protected header must be exactly {1: -35}.
Status CheckProtectedHeader(ByteSpan bytes) {
  auto header = internal::LoadCbor(bytes, kHeaderMaxDepth);
  if (!header) return Malformed("protected header is not valid CBOR");
  if (!cbor_isa_map(header->get())) return Malformed("protected header is not a map");
  size_t size = cbor_map_size(header->get());
  const cbor_pair* pairs = cbor_map_handle(header->get());
  const cbor_item_t* alg = nullptr;
  for (size_t i = 0; i < size; ++i) {
    if (AsUint(pairs[i].key) != kHeaderAlg) return Malformed("unexpected protected header label");
    if (alg != nullptr) return Malformed("duplicate alg in protected header");
    alg = pairs[i].value;
  }
  if (alg == nullptr || AsNegintMagnitude(alg) != kEs384Magnitude) {
    return Error{ErrorCode::kUnsupportedAlgorithm, "COSE algorithm must be ES384"};
  }
  return Ok();
}

Status CheckUnprotectedHeader(const cbor_item_t* header) {
  if (!cbor_isa_map(header)) return Malformed("unprotected header is not a map");
  size_t size = cbor_map_size(header);
  const cbor_pair* pairs = cbor_map_handle(header);
  for (size_t i = 0; i < size; ++i) {
    // An algorithm outside the signed header could be swapped by anyone.
    if (AsUint(pairs[i].key) == kHeaderAlg) return Malformed("alg in unprotected header");
  }
  return Ok();
}

// The optional COSE_Sign1 tag (18) in front of the array. libcbor 0.8 refuses tags 6..20 in
// their one-byte form (0xC6..0xD4), which is how tag 18 is written (0xD2), so the one tag the
// format allows is read here; any other tag, or a second one, is rejected.
Result<ByteSpan> StripCoseTag(ByteSpan document) {
  constexpr uint8_t kMajorTag = 6;
  if (document.empty() || document[0] >> 5 != kMajorTag) return document;
  uint8_t info = document[0] & 0x1f;
  uint64_t value = info;
  size_t head = 1;
  if (info == 24 && document.size() >= 2) {
    value = document[1];
    head = 2;
  } else if (info >= 24) {
    return Malformed("unexpected CBOR tag");
  }
  if (value != kCoseSign1Tag) return Malformed("unexpected CBOR tag");
  ByteSpan rest = document.subspan(head);
  if (!rest.empty() && rest[0] >> 5 == kMajorTag) return Malformed("nested CBOR tags");
  return rest;
}

void AppendBstrHead(Bytes& out, size_t length) {
  constexpr uint8_t kBstr = 0x40;
  if (length < 24) {
    out.push_back(kBstr | uint8_t(length));
  } else if (length <= 0xff) {
    out.insert(out.end(), {uint8_t(kBstr | 24), uint8_t(length)});
  } else if (length <= 0xffff) {
    out.insert(out.end(), {uint8_t(kBstr | 25), uint8_t(length >> 8), uint8_t(length)});
  } else {
    out.insert(out.end(), {uint8_t(kBstr | 26), uint8_t(length >> 24), uint8_t(length >> 16),
                           uint8_t(length >> 8), uint8_t(length)});
  }
}

}  // namespace

Result<CoseSign1> ParseCoseSign1(ByteSpan document) {
  if (document.empty()) return Malformed("empty document");
  if (document.size() > kMaxDocumentSize) return Malformed("document larger than 262144 bytes");
  auto untagged = StripCoseTag(document);
  if (!untagged) return std::move(untagged).error();
  auto root = internal::LoadCbor(*untagged, kEnvelopeMaxDepth);
  if (!root) return std::move(root).error();

  const cbor_item_t* array = root->get();
  if (!cbor_isa_array(array) || cbor_array_size(array) != 4) {
    return Malformed("COSE_Sign1 must be an array of 4 items");
  }
  cbor_item_t** items = cbor_array_handle(array);
  auto protected_header = AsBytes(items[0]);
  auto payload = AsBytes(items[2]);
  auto signature = AsBytes(items[3]);
  if (!protected_header) return Malformed("protected header is not a byte string");
  if (auto s = CheckProtectedHeader(*protected_header); !s) return std::move(s).error();
  if (auto s = CheckUnprotectedHeader(items[1]); !s) return std::move(s).error();
  if (!payload || payload->empty() || payload->size() > kMaxPayloadSize) {
    return Malformed("payload must be a byte string of 1..16384 bytes");
  }
  if (!signature || signature->size() != kEs384SignatureSize) {
    return Malformed("ES384 signature must be 96 bytes");
  }
  return CoseSign1{Bytes(protected_header->begin(), protected_header->end()),
                   Bytes(payload->begin(), payload->end()),
                   Bytes(signature->begin(), signature->end())};
}

Bytes SigStructure(const CoseSign1& cose) {
  static constexpr std::string_view kContext = "Signature1";
  Bytes out;
  out.reserve(32 + cose.protected_header.size() + cose.payload.size());
  out.push_back(0x84);                             // array(4)
  out.push_back(0x60 | uint8_t(kContext.size()));  // text(10)
  out.insert(out.end(), kContext.begin(), kContext.end());
  AppendBstrHead(out, cose.protected_header.size());
  out.insert(out.end(), cose.protected_header.begin(), cose.protected_header.end());
  out.push_back(0x40);  // external_aad = h''
  AppendBstrHead(out, cose.payload.size());
  out.insert(out.end(), cose.payload.begin(), cose.payload.end());
  return out;
}

Status VerifyEs384(const CoseSign1& cose, EVP_PKEY* key) {
  ByteSpan raw(cose.signature);
  auto der = EcdsaSignatureDer(raw.first(raw.size() / 2), raw.subspan(raw.size() / 2));
  if (!der) return std::move(der).error();
  Sha384Digest digest = Sha384(SigStructure(cose));
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("EVP_PKEY_verify_init")};
  }
  if (EVP_PKEY_verify(ctx.get(), der->data(), der->size(), digest.data(), digest.size()) != 1) {
    OsslClearErrors();
    return Error{ErrorCode::kBadSignature, "COSE signature does not verify"};
  }
  return Ok();
}

}  // namespace kb::broker
