#pragma once

// The KMS-compatible endpoint: POST / with X-Amz-Target: TrentService.<Operation> and
// Content-Type: application/x-amz-json-1.1, as the AWS SDKs and the AWS CLI send it
// (../shared/research/kms-wire.md). Requests are authenticated with SigV4 (sigv4.h) against
// access keys issued by the admin API; the principal needs the kms-user role. Operations go to
// broker::KmsService; answers and errors are in KMS's JSON shape ({"__type", "message"}).

#include <boost/json/object.hpp>

#include "api/http_types.h"
#include "broker/admin/access_keys.h"
#include "broker/kms/kms_service.h"

namespace kb::api::kms {

struct KmsServices {
  broker::KmsService& kms;
  broker::AccessKeys& access_keys;
};

// True for requests this endpoint answers: POST / with an X-Amz-Target header.
bool IsKmsRequest(const HttpRequest& request);

HttpResponse RouteKms(const HttpRequest& request, KmsServices& services, Time now);

// ThrottlingException with Retry-After, for a client over its rate limit.
HttpResponse Throttled(const HttpRequest& request, int retry_after_seconds);

// One authenticated call of an operation, its body parsed (within the route's body limit).
struct Call {
  const HttpRequest& request;
  KmsServices& services;
  broker::KmsCall who;
  boost::json::object body;
};

// The operations, bound to their X-Amz-Target in the route table (routes.cc). Each answers in
// KMS's shape, success or fault.
HttpResponse DescribeKey(Call& c);
HttpResponse ListKeys(Call& c);
HttpResponse ListAliases(Call& c);
HttpResponse Encrypt(Call& c);
HttpResponse Decrypt(Call& c);
HttpResponse GenerateDataKey(Call& c);
HttpResponse GenerateDataKeyWithoutPlaintext(Call& c);
HttpResponse GenerateRandom(Call& c);

}  // namespace kb::api::kms
