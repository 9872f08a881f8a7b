#pragma once

// The one entry point for requests. Health endpoints and the attestation endpoints (open by
// design: the attestation document is the credential); everything under /v1/admin/ goes to the
// admin API (admin_api.h), which authenticates and authorizes. Every error answers in the error
// contract's shape.

#include <functional>
#include <string>

#include "api/admin_api.h"
#include "api/http_types.h"
#include "api/kms/kms_api.h"
#include "api/metrics.h"
#include "api/routes.h"
#include "api/xks/xks_api.h"
#include "broker/evidence/attestation_keys.h"
#include "broker/evidence/certificate_cache.h"
#include "broker/release_service.h"
#include "common/rate_limiter.h"

namespace kb::api {

// The broker's rate limits: by client address on /v1/challenge, /v1/release and the KMS API
// (here, before any work); by attested identity and by key inside the release service (after
// verification).
struct RateLimiters {
  // A constructor, not aggregate initialization, so std::make_unique can build the limiters in
  // place (a RateLimiter holds a mutex and cannot be moved).
  RateLimiters(RateLimit address, RateLimit identity, RateLimit key)
      : per_address(address), per_identity(identity), per_key(key) {}
  RateLimiter per_address;
  RateLimiter per_identity;
  RateLimiter per_key;
};

// What /healthz says of the keystore (docs/keystores.md).
struct KeystoreHealth {
  std::string type;          // "sqlite" | "pkcs11"
  std::string token;         // pkcs11: "<label> (<manufacturer> <model>)"
  std::string release_wrap;  // pkcs11: "software: …" with the reason
};

struct Services {
  broker::ReleaseService& release;
  // A development root is trusted: said at start-up and on every /healthz.
  bool development_root_trusted = false;
  Metrics* metrics = nullptr;                       // optional
  const broker::CertificateCache* cache = nullptr;  // optional, for /metrics
  AdminServices* admin = nullptr;                   // optional: without it, /v1/admin/ is 404
  RateLimiters* limits = nullptr;                   // optional: without it, no rate limits
  kms::KmsServices* kms = nullptr;                  // optional: without it, POST / is 404
  xks::XksServices* xks = nullptr;                  // optional: without it, no XKS API
  const storage::LedgerWriter* ledger = nullptr;    // optional, for /metrics
  // Optional: trusted attestation keys registered as PEM (unproven) are counted on /healthz.
  const broker::AttestationKeys* attestation_keys = nullptr;
  const KeystoreHealth* keystore = nullptr;  // optional
  // Optional: /readyz answers 503 (Retry-After: 1) while this fails, so that a load balancer
  // takes a broker that cannot reach its database out (PostgreSQL; docs/ha.md).
  std::function<Status()> database_ready;
};

// The answer to `request`. The routes are those of RouteTable() (routes.h): an unknown path is
// 404, a known path with another method 405. May block on the disk (a release returns once its
// decision is durable): the server calls it on its handler threads, never on an I/O thread.
HttpResponse Route(const HttpRequest& request, Services& services, Time now);

// The label under which a request to `target` is counted: its public route's path, "/v1/admin"
// for every target under /v1/admin/, "/ (kms)" for the KMS endpoint, or "unknown" (so that
// arbitrary targets cannot grow the metrics); "/kms/xks/v1 (xks)" for any target with that path.
std::string_view RouteLabel(std::string_view target);

}  // namespace kb::api
