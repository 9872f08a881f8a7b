#include "tests/support/document_mutation.h"

#include <cbor.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "broker/evidence/cose_sign1.h"
#include "common/cbor_ptr.h"
#include "common/encoding.h"

namespace kb::testing {
namespace {

namespace json = boost::json;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "bad mutation: %s\n", why.c_str());
  std::abort();
}

Bytes Hex(const json::object& m, const char* key) {
  auto bytes = HexDecode(std::string(m.at(key).as_string()));
  if (!bytes) Die(std::string(key) + " is not hex");
  return *bytes;
}

int64_t Int(const json::object& m, const char* key, int64_t fallback = 0) {
  return m.contains(key) ? m.at(key).as_int64() : fallback;
}

CborPtr Load(ByteSpan bytes) {
  cbor_load_result result{};
  CborPtr item(cbor_load(bytes.data(), bytes.size(), &result));
  if (!item || result.read != bytes.size()) Die("CBOR fragment does not decode");
  return item;
}

Bytes Serialize(const cbor_item_t* item) {
  unsigned char* buffer = nullptr;
  size_t size = 0;
  size_t length = cbor_serialize_alloc(item, &buffer, &size);
  if (length == 0) Die("serialization failed");
  Bytes out(buffer, buffer + length);
  std::free(buffer);
  return out;
}

void AppendBstr(Bytes& out, ByteSpan content) {
  CborPtr item(cbor_build_bytestring(content.data(), content.size()));
  Bytes encoded = Serialize(item.get());
  out.insert(out.end(), encoded.begin(), encoded.end());
}

using Pairs = std::vector<std::pair<CborPtr, CborPtr>>;

Pairs DecodeMap(ByteSpan payload) {
  CborPtr map = Load(payload);
  if (!cbor_isa_map(map.get())) Die("payload is not a map");
  Pairs pairs;
  cbor_pair* handle = cbor_map_handle(map.get());
  for (size_t i = 0; i < cbor_map_size(map.get()); ++i) {
    pairs.emplace_back(CborPtr(cbor_incref(handle[i].key)), CborPtr(cbor_incref(handle[i].value)));
  }
  return pairs;
}

Bytes EncodeMap(const Pairs& pairs) {
  CborPtr map(cbor_new_definite_map(pairs.size()));
  for (const auto& [key, value] : pairs) {
    if (!cbor_map_add(map.get(), cbor_pair{key.get(), value.get()})) Die("map_add");
  }
  return Serialize(map.get());
}

CborPtr* FindField(Pairs& pairs, const std::string& field) {
  for (auto& [key, value] : pairs) {
    if (cbor_isa_string(key.get()) &&
        std::string(reinterpret_cast<char*>(cbor_string_handle(key.get())),
                    cbor_string_length(key.get())) == field) {
      return &value;
    }
  }
  Die("no payload field " + field);
}

CborPtr ValueFrom(const json::object& m) {
  if (m.contains("cbor")) return Load(Hex(m, "cbor"));
  if (m.contains("text")) return CborPtr(cbor_build_string(m.at("text").as_string().c_str()));
  Bytes zeros(size_t(Int(m, "bytes_len")), 0);
  return CborPtr(cbor_build_bytestring(zeros.data(), zeros.size()));
}

std::vector<CborPtr> CabundleItems(CborPtr& cabundle) {
  std::vector<CborPtr> items;
  cbor_item_t** handle = cbor_array_handle(cabundle.get());
  for (size_t i = 0; i < cbor_array_size(cabundle.get()); ++i) {
    items.emplace_back(cbor_incref(handle[i]));
  }
  return items;
}

CborPtr MakeArray(const std::vector<CborPtr>& items) {
  CborPtr array(cbor_new_definite_array(items.size()));
  for (const CborPtr& item : items) {
    if (!cbor_array_push(array.get(), item.get())) Die("array_push");
  }
  return array;
}

void FlipInBytes(CborPtr& item, int64_t offset, int bit) {
  Bytes data(cbor_bytestring_handle(item.get()),
             cbor_bytestring_handle(item.get()) + cbor_bytestring_length(item.get()));
  size_t at = offset < 0 ? data.size() + offset : size_t(offset);
  data.at(at) ^= uint8_t(1u << bit);
  item.reset(cbor_build_bytestring(data.data(), data.size()));
}

Bytes EditPayload(ByteSpan payload, const std::string& op, const json::object& m) {
  Pairs pairs = DecodeMap(payload);
  if (op == "payload_set") {
    *FindField(pairs, std::string(m.at("field").as_string())) = ValueFrom(m);
  } else if (op == "payload_add") {
    CborPtr key = m.contains("key_cbor")
                      ? Load(Hex(m, "key_cbor"))
                      : CborPtr(cbor_build_string(m.at("key").as_string().c_str()));
    pairs.emplace_back(std::move(key), ValueFrom(m));
  } else if (op == "payload_remove") {
    CborPtr* value = FindField(pairs, std::string(m.at("field").as_string()));
    pairs.erase(std::find_if(pairs.begin(), pairs.end(),
                             [&](const auto& p) { return &p.second == value; }));
  } else if (op == "cabundle_swap" || op == "cabundle_remove") {
    CborPtr* cabundle = FindField(pairs, "cabundle");
    auto items = CabundleItems(*cabundle);
    if (op == "cabundle_swap") {
      std::swap(items.at(size_t(Int(m, "i"))), items.at(size_t(Int(m, "j"))));
    } else {
      items.erase(items.begin() + Int(m, "i"));
    }
    *cabundle = MakeArray(items);
  } else if (op == "cert_flip") {
    int64_t cert = Int(m, "cert");
    int bit = int(Int(m, "bit"));
    if (cert < 0) {
      FlipInBytes(*FindField(pairs, "certificate"), Int(m, "offset"), bit);
    } else {
      CborPtr* cabundle = FindField(pairs, "cabundle");
      auto items = CabundleItems(*cabundle);
      FlipInBytes(items.at(size_t(cert)), Int(m, "offset"), bit);
      *cabundle = MakeArray(items);
    }
  } else if (op == "timestamp_shift") {
    CborPtr* ts = FindField(pairs, "timestamp");
    ts->reset(cbor_build_uint64(uint64_t(int64_t(cbor_get_int(ts->get())) + Int(m, "ms"))));
  } else {
    Die("unknown op " + op);
  }
  return EncodeMap(pairs);
}

Bytes Envelope(const broker::CoseSign1& cose, const json::object& m) {
  Bytes out{uint8_t(0x80 | Int(m, "items", 4))};
  AppendBstr(out, m.contains("protected") ? Hex(m, "protected") : cose.protected_header);
  Bytes unprotected = m.contains("unprotected") ? Hex(m, "unprotected") : Bytes{0xa0};
  out.insert(out.end(), unprotected.begin(), unprotected.end());
  AppendBstr(out, m.contains("payload") ? Hex(m, "payload") : cose.payload);
  AppendBstr(out, m.contains("signature") ? Hex(m, "signature") : cose.signature);
  if (m.contains("extra")) {
    Bytes extra = Hex(m, "extra");
    out.insert(out.end(), extra.begin(), extra.end());
  }
  return out;
}

Bytes Flip(Bytes doc, const json::object& m) {
  int64_t offset = Int(m, "offset");
  size_t at;
  if (m.contains("find")) {
    Bytes needle = Hex(m, "find");
    auto it = std::search(doc.begin(), doc.end(), needle.begin(), needle.end());
    if (it == doc.end()) Die("find: not found");
    at = size_t(it - doc.begin()) + size_t(offset);
  } else {
    at = offset < 0 ? doc.size() + offset : size_t(offset);
  }
  doc.at(at) ^= uint8_t(1u << Int(m, "bit"));
  return doc;
}

Bytes Synthetic(const json::object& m) {
  Bytes out = m.contains("head") ? Hex(m, "head") : Bytes{};
  Bytes unit = Hex(m, "hex");
  for (int64_t i = 0; i < Int(m, "repeat", 1); ++i) out.insert(out.end(), unit.begin(), unit.end());
  if (m.contains("tail")) {
    Bytes tail = Hex(m, "tail");
    out.insert(out.end(), tail.begin(), tail.end());
  }
  return out;
}

}  // namespace

Bytes MutateDocument(const Bytes& base, const json::object& m) {
  std::string op(m.at("op").as_string());
  if (op == "none") return base;
  if (op == "flip") return Flip(base, m);
  if (op == "synthetic") return Synthetic(m);
  if (op == "truncate") {
    int64_t length = Int(m, "length");
    size_t keep = length < 0 ? base.size() + length : size_t(length);
    return Bytes(base.begin(), base.begin() + keep);
  }
  if (op == "append" || op == "prefix") {
    Bytes extra = Hex(m, "hex");
    Bytes out = op == "append" ? base : extra;
    const Bytes& rest = op == "append" ? extra : base;
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
  }
  auto cose = broker::ParseCoseSign1(base);
  if (!cose) Die("base document does not parse: " + cose.error().message);
  if (op == "envelope") return Envelope(*cose, m);
  cose->payload = EditPayload(cose->payload, op, m);
  return Envelope(*cose, json::object{});
}

}  // namespace kb::testing
