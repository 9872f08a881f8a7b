#include "common/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace kb {
namespace {

double SecondsBetween(Time earlier, Time later) {
  // A clock that stepped back refills nothing rather than a negative amount.
  return std::max(0.0, std::chrono::duration<double>(later - earlier).count());
}

}  // namespace

RateLimiter::RateLimiter(RateLimit limit, size_t max_keys)
    : limit_{limit.per_second, std::max(1.0, limit.burst)},
      max_keys_(std::max<size_t>(1, max_keys)) {}

int RateLimiter::Take(std::string_view key, Time now) {
  if (!enabled()) return 0;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) MakeRoom(now);
    it = buckets_.emplace(std::string(key), Bucket{limit_.burst, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(limit_.burst, b.tokens + SecondsBetween(b.updated, now) * limit_.per_second);
  b.updated = std::max(b.updated, now);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  refused_.fetch_add(1, std::memory_order_relaxed);
  return std::max(1, int(std::ceil((1 - b.tokens) / limit_.per_second)));
}

void RateLimiter::MakeRoom(Time now) {
  double refill_seconds = limit_.burst / limit_.per_second;
  std::erase_if(buckets_, [&](const auto& entry) {
    return SecondsBetween(entry.second.updated, now) >= refill_seconds;
  });
  if (buckets_.size() >= max_keys_) buckets_.clear();
}

}  // namespace kb
