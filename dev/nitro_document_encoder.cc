#include "dev/nitro_document_encoder.h"

#include <cstdlib>

#include "broker/evidence/cose_sign1.h"
#include "common/cbor_ptr.h"
#include "crypto/ossl.h"

namespace kb::broker {
namespace {

constexpr uint8_t kEs384ProtectedHeader[] = {0xa1, 0x01, 0x38, 0x22};  // {1: -35}

cbor_item_t* BuildBytes(ByteSpan bytes) {
  return cbor_build_bytestring(bytes.data(), bytes.size());
}

cbor_item_t* BuildOptional(const std::optional<Bytes>& bytes) {
  return bytes ? BuildBytes(*bytes) : cbor_new_null();
}

// Adds key → value to `map`, taking ownership of both items. False on allocation failure.
bool Put(cbor_item_t* map, const char* key, cbor_item_t* value) {
  CborPtr k(cbor_build_string(key));
  CborPtr v(value);
  return k && v && cbor_map_add(map, cbor_pair{k.get(), v.get()});
}

Result<Bytes> Serialize(const cbor_item_t* item) {
  unsigned char* buffer = nullptr;
  size_t buffer_size = 0;
  size_t length = cbor_serialize_alloc(item, &buffer, &buffer_size);
  if (length == 0) return Error{ErrorCode::kInternal, "CBOR serialization failed"};
  Bytes out(buffer, buffer + length);
  std::free(buffer);  // allocated by libcbor with malloc
  return out;
}

cbor_item_t* BuildPcrs(const std::map<uint32_t, Bytes>& pcrs) {
  cbor_item_t* map = cbor_new_definite_map(pcrs.size());
  for (const auto& [index, value] : pcrs) {
    CborPtr k(cbor_build_uint8(uint8_t(index)));
    CborPtr v(BuildBytes(value));
    if (!map || !k || !v || !cbor_map_add(map, cbor_pair{k.get(), v.get()})) {
      if (map) cbor_decref(&map);
      return nullptr;
    }
  }
  return map;
}

cbor_item_t* BuildCabundle(const std::vector<Bytes>& cabundle) {
  cbor_item_t* array = cbor_new_definite_array(cabundle.size());
  for (const Bytes& der : cabundle) {
    CborPtr item(BuildBytes(der));
    if (!array || !item || !cbor_array_push(array, item.get())) {
      if (array) cbor_decref(&array);
      return nullptr;
    }
  }
  return array;
}

}  // namespace

Result<Bytes> EncodeNitroPayload(const NitroDocument& doc) {
  CborPtr map(cbor_new_definite_map(9));
  uint64_t millis = uint64_t(doc.timestamp.time_since_epoch().count());
  const char* pcrs_key = doc.platform == Platform::kNitroTpm ? "nitrotpm_pcrs" : "pcrs";
  bool ok = map && Put(map.get(), "module_id", cbor_build_string(doc.module_id.c_str())) &&
            Put(map.get(), "digest", cbor_build_string(doc.digest.c_str())) &&
            Put(map.get(), "timestamp", cbor_build_uint64(millis)) &&
            Put(map.get(), pcrs_key, BuildPcrs(doc.pcrs)) &&
            Put(map.get(), "certificate", BuildBytes(doc.certificate)) &&
            Put(map.get(), "cabundle", BuildCabundle(doc.cabundle)) &&
            Put(map.get(), "public_key", BuildOptional(doc.public_key)) &&
            Put(map.get(), "user_data", BuildOptional(doc.user_data)) &&
            Put(map.get(), "nonce", BuildOptional(doc.nonce));
  if (!ok) return Error{ErrorCode::kInternal, "CBOR allocation failed"};
  return Serialize(map.get());
}

Result<Bytes> EncodeCoseSign1(ByteSpan protected_header, ByteSpan payload, ByteSpan signature) {
  CborPtr array(cbor_new_definite_array(4));
  CborPtr items[] = {CborPtr(BuildBytes(protected_header)), CborPtr(cbor_new_definite_map(0)),
                     CborPtr(BuildBytes(payload)), CborPtr(BuildBytes(signature))};
  if (!array) return Error{ErrorCode::kInternal, "CBOR allocation failed"};
  for (CborPtr& item : items) {
    if (!item || !cbor_array_push(array.get(), item.get())) {
      return Error{ErrorCode::kInternal, "CBOR allocation failed"};
    }
  }
  return Serialize(array.get());
}

Result<Bytes> SignCoseSign1Es384(ByteSpan payload, EVP_PKEY* key) {
  CoseSign1 cose{Bytes(std::begin(kEs384ProtectedHeader), std::end(kEs384ProtectedHeader)),
                 Bytes(payload.begin(), payload.end()),
                 {}};
  Bytes to_sign = SigStructure(cose);
  OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t der_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_len, to_sign.data(), to_sign.size()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("EVP_DigestSign")};
  }
  Bytes der(der_len);
  if (EVP_DigestSign(ctx.get(), der.data(), &der_len, to_sign.data(), to_sign.size()) != 1) {
    return Error{ErrorCode::kInternal, OsslErrorString("EVP_DigestSign")};
  }
  const unsigned char* p = der.data();
  OsslPtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, long(der_len)));
  if (!sig) return Error{ErrorCode::kInternal, OsslErrorString("d2i_ECDSA_SIG")};
  cose.signature.resize(kEs384SignatureSize);
  constexpr int kHalf = kEs384SignatureSize / 2;
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), cose.signature.data(), kHalf) != kHalf ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), cose.signature.data() + kHalf, kHalf) != kHalf) {
    return Error{ErrorCode::kInternal, "ECDSA signature does not fit P-384"};
  }
  return EncodeCoseSign1(cose.protected_header, cose.payload, cose.signature);
}

}  // namespace kb::broker
