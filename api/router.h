#pragma once

// The one route table. Health endpoints and the attestation endpoints (open by design: the
// attestation document is the credential). Every error answers in the error contract's shape.

#include "api/http_types.h"
#include "api/metrics.h"
#include "broker/evidence/certificate_cache.h"
#include "broker/release_service.h"

namespace kb::api {

struct Services {
  broker::ReleaseService& release;
  // A development root is trusted: said at start-up and on every /healthz.
  bool development_root_trusted = false;
  Metrics* metrics = nullptr;                       // optional
  const broker::CertificateCache* cache = nullptr;  // optional, for /metrics
};

HttpResponse Route(const HttpRequest& request, Services& services, Time now);

// The label under which a request to `target` is counted: its route's path, or "unknown" (so
// that arbitrary targets cannot grow the metrics).
std::string_view RouteLabel(std::string_view target);

}  // namespace kb::api
