#pragma once

// Token buckets by key (a client address, an attested identity, a key id): each key may spend
// `burst` requests at once and regains `per_second` of them every second. Thread-safe.
//
// Memory is bounded: at most `max_keys` buckets. When the table is full, buckets that have
// refilled completely (indistinguishable from new ones) are dropped; if every bucket is still
// in use, the table is cleared, so that a flood of distinct keys weakens the limit briefly but
// can never lock out a key that was not limited.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/time.h"

namespace kb {

struct RateLimit {
  double per_second = 0;  // 0: unlimited
  double burst = 1;       // >= 1
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit, size_t max_keys = 100000);

  bool enabled() const { return limit_.per_second > 0; }
  // 0: allowed, one token spent. Otherwise the whole seconds (>= 1) until a token is back.
  int Take(std::string_view key, Time now);
  // Requests refused so far.
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  struct Bucket {
    double tokens;
    Time updated;
  };
  void MakeRoom(Time now);

  const RateLimit limit_;
  const size_t max_keys_;
  std::atomic<uint64_t> refused_{0};
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace kb
