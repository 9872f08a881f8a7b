// Keys: metadata only, never material; import through one-time wrapping parameters.

#include <boost/json.hpp>

#include "api/admin_handlers.h"
#include "api/json_input.h"
#include "common/encoding.h"

namespace kb::api::admin {
namespace {

namespace json = boost::json;

json::object KeyJson(const storage::KeyRecord& k) {
  return {{"id", k.id},
          {"purpose", storage::KeyPurposeName(k.purpose)},
          {"attestation_required", k.attestation_required},
          {"origin", k.origin},
          {"enabled", k.enabled},
          {"current_version", k.current_version},
          {"created_at", FormatRfc3339(k.created_at)},
          {"created_by", k.created_by}};
}

// "purpose" (release | kms; default release) and "attestation_required" (default true).
Result<broker::KeyOptions> ReadKeyOptions(const json::object& body) {
  broker::KeyOptions options;
  auto purpose = OptionalString(body, "purpose");
  if (!purpose) return std::move(purpose).error();
  if (*purpose) {
    auto parsed = storage::ParseKeyPurpose(**purpose);
    if (!parsed) return Malformed("purpose must be release or kms");
    options.purpose = *parsed;
  }
  if (const json::value* v = body.if_contains("attestation_required")) {
    if (!v->is_bool()) return Malformed("attestation_required must be true or false");
    options.attestation_required = v->as_bool();
  }
  return options;
}

// The key's metadata after a change, as the answer to it.
HttpResponse KeyAfter(const AdminCall& call, int status) {
  auto key = call.services.keys.Get(call.params[0]);
  if (!key) return ErrorResponse(key.error());
  return JsonResponse(status, KeyJson(*key));
}

}  // namespace

HttpResponse CreateKey(const AdminCall& call) {
  auto body = JsonBody(call);
  if (!body) return ErrorResponse(body.error());
  if (auto s = OnlyMembers(*body, {"id", "purpose", "attestation_required"}); !s) {
    return ErrorResponse(s.error());
  }
  auto id = StringMember(*body, "id");
  if (!id) return ErrorResponse(id.error());
  auto options = ReadKeyOptions(*body);
  if (!options) return ErrorResponse(options.error());
  if (auto s = call.services.keys.Create(std::string(*id), *options, call.principal, call.now);
      !s) {
    return ErrorResponse(s.error());
  }
  auto key = call.services.keys.Get(std::string(*id));
  if (!key) return ErrorResponse(key.error());
  return JsonResponse(201, KeyJson(*key));
}

HttpResponse ListKeys(const AdminCall& call) {
  auto all = call.services.keys.List();
  if (!all) return ErrorResponse(all.error());
  json::array out;
  for (const auto& k : *all) out.push_back(KeyJson(k));
  return JsonResponse(200, json::object{{"keys", std::move(out)}});
}

HttpResponse GetKey(const AdminCall& call) { return KeyAfter(call, 200); }

HttpResponse RotateKey(const AdminCall& call) {
  auto version = call.services.keys.Rotate(call.params[0], call.principal, call.now);
  if (!version) return ErrorResponse(version.error());
  return KeyAfter(call, 200);
}

HttpResponse EnableKey(const AdminCall& call) {
  auto approvals = call.services.keys.Enable(call.params[0], call.principal, call.now);
  if (!approvals) return ErrorResponse(approvals.error());
  auto key = call.services.keys.Get(call.params[0]);
  if (!key) return ErrorResponse(key.error());
  return WithApprovals(200, KeyJson(*key), approvals);
}

HttpResponse DisableKey(const AdminCall& call) {
  auto s = call.services.keys.Disable(call.params[0], call.principal, call.now);
  if (!s) return ErrorResponse(s.error());
  return KeyAfter(call, 200);
}

HttpResponse GetImportParameters(const AdminCall& call) {
  auto params = call.services.keys.CreateImportParameters(call.params[0], call.principal, call.now);
  if (!params) return ErrorResponse(params.error());
  return JsonResponse(
      200, json::object{{"key_id", params->key_id},
                        {"wrapping_algorithm", broker::ImportAlgorithmName(params->wrapping_hash)},
                        {"wrapping_key_spec", "RSA_3072"},
                        {"public_key", Base64Encode(params->wrapping_public_key)},
                        {"import_token", params->import_token},
                        {"expires_at", FormatRfc3339(params->expires_at)}});
}

HttpResponse ImportKey(const AdminCall& call) {
  auto body = JsonBody(call);
  if (!body) return ErrorResponse(body.error());
  if (auto s = OnlyMembers(
          *body, {"import_token", "encrypted_key_material", "purpose", "attestation_required"});
      !s) {
    return ErrorResponse(s.error());
  }
  auto options = ReadKeyOptions(*body);
  if (!options) return ErrorResponse(options.error());
  auto token = StringMember(*body, "import_token");
  if (!token) return ErrorResponse(token.error());
  auto wrapped = Base64Member(*body, "encrypted_key_material");
  if (!wrapped) return ErrorResponse(wrapped.error());
  auto s = call.services.keys.Import(call.params[0], std::string(*token), *wrapped, *options,
                                     call.principal, call.now);
  if (!s) return ErrorResponse(s.error());
  return KeyAfter(call, 201);
}

}  // namespace kb::api::admin
