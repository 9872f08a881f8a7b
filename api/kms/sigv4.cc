#include "api/kms/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

#include "common/encoding.h"
#include "crypto/ct.h"
#include "crypto/digest.h"

namespace kb::api::kms {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kKmsSigned[] = {"host", "x-amz-date", "x-amz-target", "content-type"};
constexpr std::string_view kXksSigned[] = {"host", "x-amz-date"};
constexpr auto kMaxSkew = std::chrono::minutes(5);

Error Malformed(std::string message) {
  return Error{ErrorCode::kMalformedRequest, std::move(message)};
}

using Mac = std::array<uint8_t, 32>;

Mac Hmac(ByteSpan key, std::string_view data) {
  Mac out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const uint8_t*>(data.data()),
       data.size(), out.data(), &len);
  return out;
}

std::string Trim(std::string_view v) {
  // Trims and collapses runs of spaces inside, as SigV4's canonical header values require.
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UriDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out += char(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Parameters sorted by encoded name, then value; each encoded strictly.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    params.emplace_back(PercentEncode(UriDecode(name)), PercentEncode(UriDecode(value)));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

std::optional<std::string> HeaderValues(const Headers& headers, std::string_view name) {
  std::optional<std::string> out;
  for (const auto& [n, v] : headers) {
    if (n != name) continue;
    out = out ? *out + "," + Trim(v) : Trim(v);
  }
  return out;
}

std::string PayloadHash(const SignedRequest& request) {
  return HexEncode(Sha256(AsBytes(request.body)));
}

std::string CanonicalRequest(const SignedRequest& request, const Credential& credential) {
  std::string out = std::string(request.method) + "\n" + PercentEncode(request.path, "/") + "\n" +
                    CanonicalQuery(request.query) + "\n";
  std::string names;
  for (const auto& name : credential.signed_headers) {
    out += name + ":" + HeaderValues(request.headers, name).value_or("") + "\n";
    names += (names.empty() ? "" : ";") + name;
  }
  return out + "\n" + names + "\n" + PayloadHash(request);
}

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (true) {
    size_t at = text.find(sep);
    out.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text = text.substr(at + 1);
  }
}

// "20261127T232042Z" → the instant; nullopt if malformed.
std::optional<Time> ParseAmzDate(std::string_view d) {
  if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') return std::nullopt;
  std::string rfc3339 = std::string(d.substr(0, 4)) + "-" + std::string(d.substr(4, 2)) + "-" +
                        std::string(d.substr(6, 2)) + "T" + std::string(d.substr(9, 2)) + ":" +
                        std::string(d.substr(11, 2)) + ":" + std::string(d.substr(13, 2)) + "Z";
  return ParseRfc3339(rfc3339);
}

Status CheckHeaders(const SignedRequest& request, const Credential& credential, const Scope& scope,
                    std::string* amz_date) {
  const auto& signed_headers = credential.signed_headers;
  if (!std::is_sorted(signed_headers.begin(), signed_headers.end())) {
    return Malformed("SignedHeaders must be sorted");
  }
  for (const auto& name : signed_headers) {
    if (!HeaderValues(request.headers, name)) {
      return Malformed("signed header " + name + " is missing");
    }
  }
  // What the signature must cover so that a captured request cannot be replayed, within the
  // skew window, elsewhere or as something else (Scope), or under other credentials.
  auto is_signed = [&](std::string_view name) {
    return std::binary_search(signed_headers.begin(), signed_headers.end(), name);
  };
  for (std::string_view required : scope.required_signed_headers) {
    if (!is_signed(required)) {
      return Error{ErrorCode::kForbidden,
                   "the " + std::string(required) + " header must be signed (SignedHeaders)"};
    }
  }
  for (std::string_view if_sent : {"x-amz-content-sha256", "x-amz-security-token"}) {
    if (HeaderValues(request.headers, if_sent) && !is_signed(if_sent)) {
      return Error{ErrorCode::kForbidden,
                   "the " + std::string(if_sent) + " header was sent, so it must be signed"};
    }
  }
  *amz_date = HeaderValues(request.headers, "x-amz-date").value_or("");
  return Ok();
}

}  // namespace

Result<Credential> ParseAuthorization(std::string_view header) {
  if (!header.starts_with(kAlgorithm) || header.size() == kAlgorithm.size() ||
      header[kAlgorithm.size()] != ' ') {
    return Malformed("Authorization must be AWS4-HMAC-SHA256");
  }
  Credential c;
  bool have_credential = false, have_headers = false, have_signature = false;
  for (const std::string& raw : Split(header.substr(kAlgorithm.size() + 1), ',')) {
    std::string part = Trim(raw);
    size_t eq = part.find('=');
    if (eq == std::string::npos) return Malformed("malformed Authorization component");
    std::string name = part.substr(0, eq), value = part.substr(eq + 1);
    if (name == "Credential" && !have_credential) {
      auto scope = Split(value, '/');
      if (scope.size() != 5 || scope[4] != "aws4_request" || scope[0].empty() ||
          scope[1].size() != 8) {
        return Malformed("Credential must be KEYID/YYYYMMDD/REGION/SERVICE/aws4_request");
      }
      c.access_key_id = scope[0], c.date = scope[1], c.region = scope[2], c.service = scope[3];
      have_credential = true;
    } else if (name == "SignedHeaders" && !have_headers) {
      c.signed_headers = Split(value, ';');
      have_headers = true;
    } else if (name == "Signature" && !have_signature) {
      c.signature = value;
      have_signature = true;
    } else {
      return Malformed("unexpected Authorization component " + name);
    }
  }
  if (!have_credential || !have_headers || !have_signature) {
    return Malformed("Authorization needs Credential, SignedHeaders and Signature");
  }
  if (c.signature.size() != 64 || !HexDecode(c.signature)) {
    return Malformed("Signature must be 64 hex digits");
  }
  return c;
}

std::string Sign(const SignedRequest& request, const Credential& credential, ByteSpan secret,
                 std::string_view amz_date) {
  std::string scope =
      credential.date + "/" + credential.region + "/" + credential.service + "/aws4_request";
  std::string to_sign = std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + scope +
                        "\n" + HexEncode(Sha256(AsBytes(CanonicalRequest(request, credential))));
  Bytes first_key = {'A', 'W', 'S', '4'};
  first_key.insert(first_key.end(), secret.begin(), secret.end());
  Mac key = Hmac(first_key, credential.date);
  OPENSSL_cleanse(first_key.data(), first_key.size());
  key = Hmac(key, credential.region);
  key = Hmac(key, credential.service);
  key = Hmac(key, "aws4_request");
  std::string signature = HexEncode(Hmac(key, to_sign));
  OPENSSL_cleanse(key.data(), key.size());
  return signature;
}

Scope KmsScope(std::string_view region) { return {region, "kms", kKmsSigned}; }
Scope XksScope(std::string_view region) { return {region, "kms-xks-proxy", kXksSigned}; }

Result<Verified> Verify(const SignedRequest& request, std::string_view region, Time now,
                        const SecretLookup& lookup) {
  return Verify(request, KmsScope(region), now, lookup);
}

Result<Verified> Verify(const SignedRequest& request, const Scope& scope, Time now,
                        const SecretLookup& lookup) {
  auto authorization = HeaderValues(request.headers, "authorization");
  if (!authorization) return Malformed("the request is not signed (no Authorization header)");
  auto credential = ParseAuthorization(*authorization);
  if (!credential) return std::move(credential).error();
  std::string amz_date;
  if (auto s = CheckHeaders(request, *credential, scope, &amz_date); !s) {
    return std::move(s).error();
  }
  if (HeaderValues(request.headers, "x-amz-security-token")) {
    return Error{ErrorCode::kUnauthorized,
                 "temporary credentials (X-Amz-Security-Token) are not supported; use an access "
                 "key issued by keybroker"};
  }
  auto forbidden = [](std::string message) {
    return Error{ErrorCode::kForbidden, std::move(message)};
  };
  if (credential->service != scope.service || credential->region != scope.region) {
    return forbidden("the credential scope must be <date>/" + std::string(scope.region) + "/" +
                     std::string(scope.service) + "/aws4_request");
  }
  auto signed_at = ParseAmzDate(amz_date);
  if (!signed_at || amz_date.substr(0, 8) != credential->date) {
    return forbidden("x-amz-date is malformed or does not match the credential date");
  }
  if (*signed_at > now + kMaxSkew || *signed_at < now - kMaxSkew) {
    return forbidden("Signature expired: x-amz-date is more than 5 minutes from the server time " +
                     FormatRfc3339(now));
  }
  if (auto sent = HeaderValues(request.headers, "x-amz-content-sha256");
      sent && *sent != PayloadHash(request)) {
    return forbidden("x-amz-content-sha256 is not the SHA-256 of the body");
  }
  // Everything that needs no secret is checked first: a forged request costs no key lookup.
  auto secret = lookup(credential->access_key_id);
  if (!secret) {
    if (secret.error().code == ErrorCode::kInternal) return std::move(secret).error();
    return Error{ErrorCode::kUnauthorized, "the access key id is unknown or revoked"};
  }
  std::string expected = Sign(request, *credential, secret->span(), amz_date);
  if (!CtEqual(AsBytes(expected), AsBytes(credential->signature))) {
    return forbidden(
        "The request signature we calculated does not match the signature you provided");
  }
  return Verified{credential->access_key_id};
}

}  // namespace kb::api::kms
