#include "api/router.h"

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/error_status.h"
#include "api/release_codec.h"
#include "api/route_handlers.h"

namespace kb::api {
namespace {

constexpr std::string_view kAdminPrefix = "/v1/admin/";
constexpr std::string_view kKmsPath = "/";

HttpResponse Json(int status, std::string body) {
  return {status, "application/json", std::move(body)};
}

HttpResponse Failure(const Error& error, uint64_t decision_id = 0) {
  return Json(HttpStatus(error.code), EncodeError(error, decision_id));
}

HttpResponse RateLimited(std::string message, int retry_after_seconds) {
  HttpResponse response = Failure(Error{ErrorCode::kRateLimited, std::move(message)});
  response.retry_after_seconds = retry_after_seconds;
  return response;
}

// The per-address limit of the attestation endpoints, spent before any work is done.
std::optional<HttpResponse> OverAddressLimit(const HttpRequest& request, Services& services,
                                             Time now) {
  if (services.limits == nullptr) return std::nullopt;
  int wait = services.limits->per_address.Take(request.remote_address, now);
  if (wait == 0) return std::nullopt;
  return RateLimited("too many requests from this address; retry later", wait);
}

}  // namespace

// The public handlers (route_handlers.h), bound to their routes in routes.cc.

// "warning" says what makes attestation weaker than it should be, one clause per cause.
HttpResponse Healthz(const HttpRequest&, Services& services, Time) {
  boost::json::object body{{"status", "ok"}};
  std::string warning;
  if (services.development_root_trusted) {
    warning = "a development attestation root is trusted: not for production";
  }
  size_t unproven = services.attestation_keys ? services.attestation_keys->CountPem() : 0;
  if (unproven > 0) {
    body["unproven_attestation_keys"] = unproven;
    warning += std::string(warning.empty() ? "" : "; ") + std::to_string(unproven) +
               " trusted TPM attestation key(s) were registered as PEM: nothing shows they are "
               "restricted TPM keys, which cannot sign forged quotes; register TPM2B_PUBLIC AKs "
               "and revoke these";
  }
  if (!warning.empty()) body["warning"] = warning;
  if (const KeystoreHealth* k = services.keystore) {
    boost::json::object keystore{{"type", k->type}};
    if (!k->token.empty()) keystore["token"] = k->token;
    if (!k->release_wrap.empty()) keystore["release_wrap"] = k->release_wrap;
    body["keystore"] = std::move(keystore);
  }
  return Json(200, boost::json::serialize(body));
}

HttpResponse Readyz(const HttpRequest&, Services& services, Time) {
  if (services.database_ready && !services.database_ready()) {
    HttpResponse response = Json(503, R"({"status":"not ready","reason":"database unreachable"})");
    response.retry_after_seconds = 1;
    return response;
  }
  return Json(200, R"({"status":"ready"})");
}

HttpResponse PostChallenge(const HttpRequest& request, Services& services, Time now) {
  if (auto limited = OverAddressLimit(request, services, now)) return *limited;
  auto challenge = services.release.IssueChallenge(now);
  if (!challenge) return Failure(Error{ErrorCode::kInternal, "internal error"});
  return Json(200, EncodeChallenge(*challenge));
}

HttpResponse ReleaseAnswer(Metrics* metrics, broker::ReleaseOutcome outcome) {
  if (metrics != nullptr) {
    metrics->RecordRelease(outcome.released ? "allow" : ErrorCodeName(outcome.error->code));
  }
  if (outcome.retry_after_seconds > 0) {
    return RateLimited(outcome.error->message, outcome.retry_after_seconds);
  }
  if (!outcome.released) {
    HttpResponse response = Failure(*outcome.error, outcome.decision_id);
    response.log_detail = std::move(outcome.internal_detail);
    return response;
  }
  return Json(200, EncodeRelease(*outcome.released, outcome.decision_id));
}

// Answers once the decision is durable (ReleaseService::Release blocks until then).
HttpResponse PostRelease(const HttpRequest& request, Services& services, Time now) {
  if (request.content_type.rfind("application/json", 0) != 0) {
    return Failure(Error{ErrorCode::kMalformedRequest, "Content-Type must be application/json"});
  }
  if (auto limited = OverAddressLimit(request, services, now)) return *limited;
  auto decoded = DecodeReleaseRequest(request.body);
  if (!decoded) return Failure(decoded.error());
  decoded->request_id = request.request_id;
  return ReleaseAnswer(services.metrics, services.release.Release(*decoded, now));
}

HttpResponse GetMetrics(const HttpRequest&, Services& services, Time) {
  if (services.metrics == nullptr) return Failure(Error{ErrorCode::kNotFound, "no metrics"});
  ExternalCounters counters;
  if (services.cache != nullptr) {
    counters.cache_hits = services.cache->hits();
    counters.cache_misses = services.cache->misses();
  }
  if (services.ledger != nullptr) {
    counters.ledger_commits = services.ledger->batches();
    counters.ledger_decisions = services.ledger->decisions();
  }
  if (services.limits != nullptr) {
    counters.rate_limited_address = services.limits->per_address.refused();
    counters.rate_limited_identity = services.limits->per_identity.refused();
    counters.rate_limited_key = services.limits->per_key.refused();
  }
  return {200, "text/plain; version=0.0.4", services.metrics->Render(counters)};
}

std::string_view RouteLabel(std::string_view target) {
  if (target.starts_with(kAdminPrefix)) return "/v1/admin";
  if (target == kKmsPath) return "/ (kms)";
  if (target.find(xks::kApiPath) != std::string_view::npos) return "/kms/xks/v1 (xks)";
  for (const RouteEntry& route : RouteTable()) {
    if (route.surface == Surface::kPublic && route.pattern == target) return route.pattern;
  }
  return "unknown";
}

HttpResponse Route(const HttpRequest& request, Services& services, Time now) {
  if (services.kms != nullptr && kms::IsKmsRequest(request)) {
    if (services.limits != nullptr) {
      int wait = services.limits->per_address.Take(request.remote_address, now);
      if (wait > 0) return kms::Throttled(request, wait);
    }
    return kms::RouteKms(request, *services.kms, now);
  }
  // Before the admin API: xks.uri_prefix is never under /v1/ (config), and an XKS request must
  // not reach the public routes' handlers.
  if (services.xks != nullptr && xks::IsXksRequest(request, *services.xks)) {
    return xks::RouteXks(request, *services.xks, now);
  }
  if (services.admin != nullptr && request.target.starts_with(kAdminPrefix)) {
    return RouteAdmin(request, *services.admin, now);
  }
  bool path_known = false;
  for (const RouteEntry& route : RouteTable()) {
    if (route.surface != Surface::kPublic || route.pattern != request.target) continue;
    path_known = true;
    if (route.method == request.method) return route.on_public(request, services, now);
  }
  if (path_known) {
    HttpResponse r = Failure(Error{ErrorCode::kMalformedRequest, "method not allowed"});
    r.status = 405;
    return r;
  }
  return Failure(Error{ErrorCode::kNotFound, "no such route"});
}

}  // namespace kb::api
