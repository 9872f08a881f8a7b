#pragma once

// Byte vocabulary. Bytes is for public data (documents, certificates, digests). SecretBytes holds
// key material: it is cleansed on destruction and on reassignment, cannot be printed or copied
// implicitly, and exposes its contents only through span().

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace kb {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t size) : data_(size) {}
  explicit SecretBytes(ByteSpan data) : data_(data.begin(), data.end()) {}
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // An explicit, greppable copy.
  SecretBytes Clone() const { return SecretBytes(span()); }

  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::span<const uint8_t> span() const { return data_; }
  std::span<uint8_t> mutable_span() { return data_; }
  // Keeps the first `size` bytes; the dropped tail is cleansed first. REQUIRES: size <= size().
  void Truncate(size_t size);

 private:
  void Cleanse();
  std::vector<uint8_t> data_;
};

}  // namespace kb
