#include "api/xks/xks_api.h"

#include <boost/json.hpp>
#include <optional>

#include "api/json_input.h"
#include "api/kms/sigv4.h"
#include "api/routes.h"
#include "common/encoding.h"

namespace kb::api::xks {
namespace {

namespace json = boost::json;

constexpr size_t kMaxMessage = 511;  // errorMessage: < 512 printable ASCII characters
constexpr size_t kMaxKeyIdSize = 128;

HttpResponse Answer(int status, const json::object& body) {
  return {status, "application/json", json::serialize(body)};
}

HttpResponse Fault(int status, std::string_view name, std::string_view message) {
  std::string printable;
  for (char c : message.substr(0, kMaxMessage)) printable += (c >= 0x20 && c <= 0x7e) ? c : '?';
  return Answer(status, {{"errorName", name}, {"errorMessage", printable}});
}

// The specification's error for a broker error.
HttpResponse Fault(const Error& e) {
  switch (e.code) {
    case ErrorCode::kMalformedRequest:
      return Fault(400, "ValidationException", e.message);
    case ErrorCode::kKeyDisabled:
      return Fault(400, "InvalidStateException", e.message);
    case ErrorCode::kInvalidCiphertext:
      return Fault(400, "InvalidCiphertextException", e.message);
    case ErrorCode::kWrongKeyPurpose:
      return Fault(400, "InvalidKeyUsageException", e.message);
    case ErrorCode::kUnauthorized:
    case ErrorCode::kForbidden:
      return Fault(401, "AuthenticationFailedException", e.message);
    case ErrorCode::kPolicyDenied:  // the reason is in keybroker's audit log, not in the AWS logs
      return Fault(403, "AccessDeniedException",
                   "keybroker's XKS policies do not allow this request");
    case ErrorCode::kKeyNotFound:
      return Fault(404, "KeyNotFoundException", e.message);
    case ErrorCode::kNotFound:
      return Fault(404, "InvalidUriPathException", e.message);
    case ErrorCode::kRateLimited:
      return Fault(429, "ThrottlingException", e.message);
    case ErrorCode::kPayloadTooLarge:
      return Fault(501, "UnsupportedOperationException", e.message);
    default: {
      HttpResponse r = Fault(500, "InternalException", "internal error");
      r.log_detail = e.message;
      return r;
    }
  }
}

json::string Base64(ByteSpan data) { return json::string(Base64Encode(data)); }

bool IsExternalKeyId(std::string_view id) {
  if (id.empty() || id.size() > kMaxKeyIdSize) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// `path` (after the prefix) against a route pattern with at most one "{id}"; the id, or
// nullopt.
std::optional<std::string> MatchPath(std::string_view pattern, std::string_view path) {
  size_t brace = pattern.find("{id}");
  if (brace == std::string_view::npos) {
    return pattern == path ? std::optional<std::string>("") : std::nullopt;
  }
  std::string_view before = pattern.substr(0, brace), after = pattern.substr(brace + 4);
  if (path.size() < before.size() + after.size() || !path.starts_with(before) ||
      !path.ends_with(after)) {
    return std::nullopt;
  }
  std::string_view id = path.substr(before.size(), path.size() - before.size() - after.size());
  if (!IsExternalKeyId(id)) return std::nullopt;
  return std::string(id);
}

// The principal of a valid signature from an xks-proxy principal; an error otherwise.
Result<std::string> Authenticate(const HttpRequest& request, XksServices& services, Time now) {
  auto refused = [](std::string message) {
    return Error{ErrorCode::kUnauthorized, std::move(message)};
  };
  if (services.require_client_certificate && !request.xks_client_certificate) {
    return refused("this proxy requires the configured TLS client certificate (mutual TLS)");
  }
  std::optional<broker::Principal> principal;
  kms::SignedRequest signed_request{request.method, request.target, request.query, request.headers,
                                    request.body};
  auto verified = kms::Verify(signed_request, kms::XksScope(services.region), now,
                              [&](const std::string& id) -> Result<SecretBytes> {
                                auto owner = services.access_keys.Lookup(id);
                                if (!owner) return std::move(owner).error();
                                principal = owner->principal;
                                return std::move(owner->secret);
                              });
  if (!verified) {
    if (verified.error().code == ErrorCode::kInternal) return std::move(verified).error();
    return refused(verified.error().message);
  }
  if (!principal->HasAny(broker::Roles({broker::Role::kXksProxy}))) {
    return refused("the access key's principal lacks the xks-proxy role");
  }
  return principal->name;
}

// The body of `c` for `operation`; a refusal is audited (its metadata as far as it reads) and
// answered.
Result<Request> Decode(Call& c, Operation operation, std::string_view name) {
  auto body = c.request.content_type.starts_with("application/json")
                  ? DecodeRequest(operation, c.request.body)
                  : Result<Request>(Malformed("Content-Type must be application/json"));
  if (body) return body;
  broker::XksCall who{c.keystore, PeekMetadata(c.request.body), c.now};
  if (auto s = c.services.xks.RecordRefusal(name, c.key_id, who, body.error()); !s) {
    return std::move(s).error();
  }
  return body;
}

broker::XksCall Who(const Call& c, Request& body) {
  return broker::XksCall{c.keystore, std::move(body.metadata), c.now,
                         c.services.require_client_certificate && c.request.xks_client_certificate};
}

}  // namespace

bool IsXksRequest(const HttpRequest& request, const XksServices& services) {
  std::string_view target = request.target;
  if (!target.starts_with(services.uri_prefix)) return false;
  target.remove_prefix(services.uri_prefix.size());
  return target == kApiPath || target.starts_with(std::string(kApiPath) + "/");
}

HttpResponse RouteXks(const HttpRequest& request, XksServices& services, Time now) {
  std::string_view path = std::string_view(request.target).substr(services.uri_prefix.size());
  const RouteEntry* route = nullptr;
  std::string key_id;
  for (const RouteEntry& r : RouteTable()) {
    if (r.surface != Surface::kXks) continue;
    if (auto id = MatchPath(r.pattern, path)) {
      route = &r;
      key_id = std::move(*id);
      break;
    }
  }
  if (route == nullptr) return Fault(404, "InvalidUriPathException", "no such XKS path");
  if (request.method != route->method) {
    return Fault(405, "ValidationException", "the XKS API takes POST only");
  }
  if (!request.query.empty()) {
    return Fault(404, "InvalidUriPathException", "the XKS API takes no query string");
  }
  auto keystore = Authenticate(request, services, now);
  if (!keystore) return Fault(keystore.error());
  Call call{request, services, std::move(key_id), std::move(*keystore), now};
  return route->on_xks(call);
}

// The operations (xks_api.h), bound to their paths in the route table (routes.cc).

HttpResponse GetHealthStatus(Call& c) {
  auto body = Decode(c, Operation::kHealth, "GetHealthStatus");
  if (!body) return Fault(body.error());
  if (auto s = c.services.xks.Health(Who(c, *body)); !s) return Fault(s.error());
  bool token = c.services.xks.keystore_kind() == "pkcs11";
  json::array fleet{
      json::object{{"id", "keybroker-keystore"},
                   {"model", token ? "keybroker keystore (PKCS#11 token)"
                                   : "keybroker keystore (SQLite, sealed under the KEK)"},
                   {"healthStatus", "ACTIVE"}}};
  return Answer(200, {{"xksProxyFleetSize", c.services.fleet_size},
                      {"xksProxyVendor", "keybroker"},
                      {"xksProxyModel", c.services.proxy_model},
                      {"ekmVendor", "keybroker"},
                      {"ekmFleetDetails", std::move(fleet)}});
}

HttpResponse GetKeyMetadata(Call& c) {
  auto body = Decode(c, Operation::kMetadata, "GetKeyMetadata");
  if (!body) return Fault(body.error());
  auto key = c.services.xks.GetKeyMetadata(c.key_id, Who(c, *body));
  if (!key) return Fault(key.error());
  return Answer(200, {{"keySpec", "AES_256"},
                      {"keyUsage", json::array{"ENCRYPT", "DECRYPT"}},
                      {"keyStatus", key->enabled ? "ENABLED" : "DISABLED"}});
}

HttpResponse Encrypt(Call& c) {
  auto body = Decode(c, Operation::kEncrypt, "Encrypt");
  if (!body) return Fault(body.error());
  auto sealed = c.services.xks.Encrypt(c.key_id, body->plaintext.span(), body->aad, body->integrity,
                                       Who(c, *body));
  if (!sealed) return Fault(sealed.error());
  const broker::xks::Sealed& s = sealed->sealed;
  json::object out{{"ciphertext", Base64(s.ciphertext)},
                   {"ciphertextMetadata", Base64(s.metadata)},
                   {"initializationVector", Base64(s.iv)},
                   {"authenticationTag", Base64(s.tag)}};
  if (sealed->integrity) out["ciphertextDataIntegrityValue"] = Base64(*sealed->integrity);
  return Answer(200, out);
}

HttpResponse Decrypt(Call& c) {
  auto body = Decode(c, Operation::kDecrypt, "Decrypt");
  if (!body) return Fault(body.error());
  broker::XksService::Ciphertext input{body->ciphertext, body->iv, body->tag, body->aad,
                                       body->ciphertext_metadata};
  auto plaintext = c.services.xks.Decrypt(c.key_id, input, Who(c, *body));
  if (!plaintext) return Fault(plaintext.error());
  return Answer(200, {{"plaintext", Base64(plaintext->span())}});
}

}  // namespace kb::api::xks
