#include "api/metrics.h"

#include <cstdio>

namespace kb::api {

void Metrics::RecordRequest(std::string_view route, int status, std::chrono::milliseconds latency) {
  double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mu_);
  ++requests_[{std::string(route), status}];
  for (size_t i = 0; i < kBucketsSeconds.size(); ++i) {
    if (seconds <= kBucketsSeconds[i]) ++buckets_[i];
  }
  ++latency_count_;
  latency_sum_seconds_ += seconds;
}

void Metrics::RecordRelease(std::string_view outcome) {
  std::lock_guard lock(mu_);
  ++releases_[std::string(outcome)];
}

void Metrics::RecordRefusedConnection() {
  std::lock_guard lock(mu_);
  ++refused_connections_;
}

std::string Metrics::Render(const ExternalCounters& external) const {
  std::lock_guard lock(mu_);
  std::string out;
  auto line = [&out](const std::string& text) { out += text + "\n"; };
  line("# HELP keybroker_requests_total HTTP requests by route and status.");
  line("# TYPE keybroker_requests_total counter");
  for (const auto& [key, count] : requests_) {
    line("keybroker_requests_total{route=\"" + key.first + "\",code=\"" +
         std::to_string(key.second) + "\"} " + std::to_string(count));
  }
  line("# HELP keybroker_request_duration_seconds Time from request read to response.");
  line("# TYPE keybroker_request_duration_seconds histogram");
  for (size_t i = 0; i < kBucketsSeconds.size(); ++i) {
    char le[32];
    std::snprintf(le, sizeof le, "%g", kBucketsSeconds[i]);
    line(std::string("keybroker_request_duration_seconds_bucket{le=\"") + le + "\"} " +
         std::to_string(buckets_[i]));
  }
  line("keybroker_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(latency_count_));
  line("keybroker_request_duration_seconds_sum " + std::to_string(latency_sum_seconds_));
  line("keybroker_request_duration_seconds_count " + std::to_string(latency_count_));
  line("# HELP keybroker_release_decisions_total Release decisions by outcome.");
  line("# TYPE keybroker_release_decisions_total counter");
  for (const auto& [outcome, count] : releases_) {
    line("keybroker_release_decisions_total{outcome=\"" + outcome + "\"} " + std::to_string(count));
  }
  line("# HELP keybroker_certificate_cache_total Verified-certificate cache lookups.");
  line("# TYPE keybroker_certificate_cache_total counter");
  line("keybroker_certificate_cache_total{result=\"hit\"} " + std::to_string(external.cache_hits));
  line("keybroker_certificate_cache_total{result=\"miss\"} " +
       std::to_string(external.cache_misses));
  line("# HELP keybroker_rate_limited_total Requests refused with rate_limited, by limit.");
  line("# TYPE keybroker_rate_limited_total counter");
  line("keybroker_rate_limited_total{scope=\"address\"} " +
       std::to_string(external.rate_limited_address));
  line("keybroker_rate_limited_total{scope=\"identity\"} " +
       std::to_string(external.rate_limited_identity));
  line("keybroker_rate_limited_total{scope=\"key\"} " + std::to_string(external.rate_limited_key));
  line("# HELP keybroker_ledger_commits_total Transactions that made release decisions durable.");
  line("# TYPE keybroker_ledger_commits_total counter");
  line("keybroker_ledger_commits_total " + std::to_string(external.ledger_commits));
  line("# HELP keybroker_ledger_decisions_total Release decisions in those transactions.");
  line("# TYPE keybroker_ledger_decisions_total counter");
  line("keybroker_ledger_decisions_total " + std::to_string(external.ledger_decisions));
  line("# HELP keybroker_connections_refused_total Connections closed at accept: max_connections.");
  line("# TYPE keybroker_connections_refused_total counter");
  line("keybroker_connections_refused_total " + std::to_string(refused_connections_));
  return out;
}

}  // namespace kb::api
