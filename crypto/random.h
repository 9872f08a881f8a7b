#pragma once

// Randomness behind an interface, so that tests can inject values.

#include "common/bytes.h"
#include "common/result.h"

namespace kb {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with unpredictable bytes.
  virtual Status Fill(std::span<uint8_t> out) const = 0;
};

// OpenSSL's DRBG (RAND_bytes).
class OsslRandom final : public Random {
 public:
  Status Fill(std::span<uint8_t> out) const override;
};

}  // namespace kb
