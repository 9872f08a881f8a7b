#pragma once

// The one route table: every route of the broker, public, admin and KMS, with what each needs
// (roles, body limit), the handler that answers it, and the `keybroker admin` words that call
// it. The router dispatches from it (router.cc, admin_router.cc, kms/kms_api.cc), the metrics
// label requests by it, docs/openapi.yaml is checked against it (tests/api/openapi_test.cc) and
// the CLI builds its admin commands from it (cli/admin_command.cc).
//
// To add a route: write its handler, add one entry to kRoutes in routes.cc (keep an admin path's
// routes together: the first entry whose pattern and method match answers), document it in
// docs/openapi.yaml (public and admin) and, for an admin route, give it CLI words; if its command
// needs more than the path (a body, a query), add a completion in cli/admin_command.cc.
// tests/api/routes_test.cc refuses an entry without a summary, CLI words or OpenAPI entry.
//
// This header names handler types but declares no handler: the CLI reads the table without the
// server's headers.

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "broker/admin/principal.h"
#include "common/time.h"

namespace kb::api {

struct Services;
struct AdminCall;
namespace kms {
struct Call;
}
namespace xks {
struct Call;
}

// Who answers a route, and how it authenticates.
enum class Surface {
  kPublic,  // open: health, metrics, challenge, release (the attestation is the credential)
  kAdmin,   // /v1/admin/...: a bearer token or admin client certificate, then a role
  kKms,     // POST / with X-Amz-Target: TrentService.<operation>: SigV4, the kms-user role
  kXks,     // POST <xks.uri_prefix>/kms/xks/v1/...: SigV4 (kms-xks-proxy), the xks-proxy role
};

// Handlers return the answer; they run on the server's handler threads and may block (router.h).
using PublicHandler = HttpResponse (*)(const HttpRequest&, Services&, Time);
using AdminHandler = HttpResponse (*)(const AdminCall&);
using KmsOperation = HttpResponse (*)(kms::Call&);
using XksOperation = HttpResponse (*)(xks::Call&);

// The body limits, set here and nowhere else (routes.cc picks one per route). A body past its
// route's limit is refused as today: 413 payload_too_large (public and admin), KMS's
// ValidationException; past the server's read limit, 413 before any routing.
inline constexpr size_t kAdminBodyLimit = 64 * 1024;
// XKS: 64 KiB covers every size the specification asks for, in base64 (api/xks/xks_request.h).
inline constexpr size_t kXksBodyLimit = 64 * 1024;
// A Recipient attestation document is at most 256 KiB, in base64.
inline constexpr size_t kKmsBodyLimit = 400 * 1024;
// The server's read limit by default (ServerOptions::body_limit, config limits.max_body_bytes):
// no route reads more (routes.cc checks it at compile time).
inline constexpr size_t kServerBodyLimit = 400 * 1024;
// POST /v1/release: base64 of a 262,144-byte document plus the JSON around it.
inline constexpr size_t kReleaseBodyLimit = 360 * 1024;

struct RouteEntry {
  std::string_view method;
  // The path. Admin: "{x}" matches one segment, "{x}:verb" one ending in ":verb". KMS: "/".
  // XKS: after the configured prefix, "{id}" an externalKeyId.
  std::string_view pattern;
  // KMS only: the operation, as in X-Amz-Target: TrentService.<operation>.
  std::string_view kms_operation;
  Surface surface;
  broker::RoleSet allowed;  // a caller needs one of these roles (public: none)
  size_t body_limit;        // the largest body the handler reads; 0: it reads none
  // `keybroker admin <cli_words> [<cli_arg>]` calls this route (admin routes only). cli_arg is
  // the positional argument, usually the path's "{x}"; empty when the command takes none.
  std::string_view cli_words;
  std::string_view cli_arg;
  std::string_view summary;  // one line, for help
  // Exactly the one of the entry's surface is set.
  PublicHandler on_public = nullptr;
  AdminHandler on_admin = nullptr;
  KmsOperation on_kms = nullptr;
  XksOperation on_xks = nullptr;
};

// Every route, in the order the router tries them.
std::span<const RouteEntry> RouteTable();

// The admin route that `keybroker admin <words>` calls, or nullptr.
const RouteEntry* FindCliCommand(std::string_view words);
// The KMS route of `operation`, or nullptr.
const RouteEntry* FindKmsOperation(std::string_view operation);

// `pattern` with its one "{x}" replaced by `segment` (already percent-encoded); `pattern` as is
// when it has none.
std::string FillPattern(std::string_view pattern, std::string_view segment);

}  // namespace kb::api
