#pragma once

// The handlers of the public routes (defined in router.cc), for the route table (routes.cc).
// The admin handlers are in admin_handlers.h, the KMS operations in kms/kms_api.h.

#include "api/router.h"

namespace kb::api {

HttpResponse Healthz(const HttpRequest& request, Services& services, Time now);
HttpResponse Readyz(const HttpRequest& request, Services& services, Time now);
HttpResponse GetMetrics(const HttpRequest& request, Services& services, Time now);
HttpResponse PostChallenge(const HttpRequest& request, Services& services, Time now);
// Answers once the decision is durable (ReleaseService::Release blocks until then).
HttpResponse PostRelease(const HttpRequest& request, Services& services, Time now);

}  // namespace kb::api
