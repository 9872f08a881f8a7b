#pragma once

// Counters for GET /metrics, in the Prometheus text format: requests by route and status,
// request latency (histogram), release decisions by outcome, certificate cache hits and misses,
// rate-limit refusals by scope, connections refused over the limit.
// Thread-safe. Holds no request content: routes are from the route table, never raw targets.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace kb::api {

// Counters kept elsewhere (the certificate cache, the rate limiters), read when rendering.
struct ExternalCounters {
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  uint64_t rate_limited_address = 0;
  uint64_t rate_limited_identity = 0;
  uint64_t rate_limited_key = 0;
  uint64_t ledger_commits = 0;    // group commits of release decisions
  uint64_t ledger_decisions = 0;  // decisions in them
};

class Metrics {
 public:
  void RecordRequest(std::string_view route, int status, std::chrono::milliseconds latency);
  // "allow", or the error code of a refusal.
  void RecordRelease(std::string_view outcome);
  // A connection closed at accept because max_connections were open.
  void RecordRefusedConnection();
  std::string Render(const ExternalCounters& external) const;

 private:
  static constexpr std::array<double, 10> kBucketsSeconds = {0.001, 0.005, 0.01, 0.025, 0.05,
                                                             0.1,   0.25,  0.5,  1.0,   2.5};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, uint64_t> releases_;
  std::array<uint64_t, kBucketsSeconds.size()> buckets_{};
  uint64_t latency_count_ = 0;
  uint64_t refused_connections_ = 0;
  double latency_sum_seconds_ = 0;
};

}  // namespace kb::api
