#include "broker/keys/internal/der.h"

namespace kb::broker::internal {

bool DerReader::Read(uint8_t tag, ByteSpan* content, ByteSpan* whole) {
  if (in_.size() < 2 || in_[0] != tag) return false;
  size_t length = in_[1];
  size_t header = 2;
  if (length & 0x80) {
    size_t octets = length & 0x7f;
    // 0x80 is BER's indefinite length; lengths here never need more than four octets.
    if (octets == 0 || octets > 4 || in_.size() < 2 + octets || in_[2] == 0) return false;
    length = 0;
    for (size_t i = 0; i < octets; ++i) length = (length << 8) | in_[2 + i];
    if (length < 0x80) return false;  // had a short form
    header += octets;
  }
  if (in_.size() - header < length) return false;
  *content = in_.subspan(header, length);
  if (whole != nullptr) *whole = in_.first(header + length);
  in_ = in_.subspan(header + length);
  return true;
}

ByteSpan UnsignedIntegerMagnitude(ByteSpan content) {
  if (content.empty() || (content[0] & 0x80)) return {};
  if (content[0] != 0) return content;
  // A leading zero is allowed only to keep a set high bit positive.
  if (content.size() == 1) return content;
  if ((content[1] & 0x80) == 0) return {};
  return content.subspan(1);
}

void AppendDer(Bytes& out, uint8_t tag, std::initializer_list<ByteSpan> contents) {
  size_t length = 0;
  for (ByteSpan part : contents) length += part.size();
  out.push_back(tag);
  if (length < 0x80) {
    out.push_back(uint8_t(length));
  } else {
    int octets = 0;
    for (size_t rest = length; rest != 0; rest >>= 8) ++octets;
    out.push_back(uint8_t(0x80 | octets));
    for (int i = octets - 1; i >= 0; --i) out.push_back(uint8_t(length >> (8 * i)));
  }
  for (ByteSpan part : contents) out.insert(out.end(), part.begin(), part.end());
}

Bytes Der(uint8_t tag, std::initializer_list<ByteSpan> contents) {
  Bytes out;
  size_t length = 6;
  for (ByteSpan part : contents) length += part.size();
  out.reserve(length);
  AppendDer(out, tag, contents);
  return out;
}

}  // namespace kb::broker::internal
