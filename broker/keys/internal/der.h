#pragma once

// The little DER that key wrapping needs: reading a SubjectPublicKeyInfo strictly, and writing
// a CMS EnvelopedData. Single-byte tags only (all that these structures use).

#include <cstdint>
#include <initializer_list>

#include "common/bytes.h"

namespace kb::broker::internal {

inline constexpr uint8_t kDerInteger = 0x02;
inline constexpr uint8_t kDerBitString = 0x03;
inline constexpr uint8_t kDerOctetString = 0x04;
inline constexpr uint8_t kDerSequence = 0x30;
inline constexpr uint8_t kDerSet = 0x31;
inline constexpr uint8_t kDerContext0 = 0x80;             // [0] IMPLICIT, primitive
inline constexpr uint8_t kDerContext0Constructed = 0xa0;  // [0] EXPLICIT

// Reads consecutive elements from a buffer. Only DER is accepted: definite lengths in their
// shortest form, and no element running past the end of its parent.
class DerReader {
 public:
  explicit DerReader(ByteSpan in) : in_(in) {}

  // Reads the next element if it has tag `tag`, setting `content` to its contents, or with
  // `whole` also to its full encoding (tag and length included). False, consuming nothing, if
  // the input is exhausted, malformed, or the next tag differs.
  bool Read(uint8_t tag, ByteSpan* content, ByteSpan* whole = nullptr);
  bool empty() const { return in_.empty(); }

 private:
  ByteSpan in_;
};

// A non-negative DER INTEGER's magnitude: its contents without the sign byte. Empty if the
// contents are empty, negative, or not minimal (a needless leading 0x00 or 0xff).
ByteSpan UnsignedIntegerMagnitude(ByteSpan content);

// Appends one element: tag, DER length, then each part of the contents in order.
void AppendDer(Bytes& out, uint8_t tag, std::initializer_list<ByteSpan> contents);
// One element as a new buffer.
Bytes Der(uint8_t tag, std::initializer_list<ByteSpan> contents);

}  // namespace kb::broker::internal
