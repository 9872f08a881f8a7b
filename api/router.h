#pragma once

// The one route table. Health endpoints and the attestation endpoints (open by design: the
// attestation document is the credential). Every error answers in the error contract's shape.

#include "api/http_types.h"
#include "broker/release_service.h"

namespace kb::api {

struct Services {
  broker::ReleaseService& release;
  // A development root is trusted: said at start-up and on every /healthz.
  bool development_root_trusted = false;
};

HttpResponse Route(const HttpRequest& request, Services& services, Time now);

}  // namespace kb::api
