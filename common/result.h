#pragma once

// Result<T>: a value or an Error. No exception crosses a module boundary; fallible functions
// return Result<T> or Status (= Result<void>). Member names follow std::expected so that a later
// switch is mechanical.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kb {

// The error contract of ARCHITECTURE.md: each code is what a client or script sees, in JSON and
// on the command line. api/ maps codes to HTTP statuses in exactly one function.
enum class ErrorCode {
  kMalformedRequest,
  kMalformedEvidence,
  kUnsupportedAlgorithm,
  kUnsupportedPublicKey,
  kBadSignature,
  kUntrustedChain,
  kCertificateExpired,
  kStaleEvidence,
  kNonceUnknown,
  kNonceExpired,
  kNonceMismatch,
  kNonceReplayed,
  kPolicyDenied,
  kKeyNotFound,
  kNotFound,  // a named admin resource (reference, policy version); not yet in ARCHITECTURE.md
  kKeyDisabled,
  kUnauthorized,
  kForbidden,
  kConflict,
  kPayloadTooLarge,
  kRateLimited,
  kInvalidCiphertext,  // KMS API only: a CiphertextBlob that is not ours or was altered
  kIncorrectKey,       // KMS API only: a CiphertextBlob of another key than the one named
  kWrongKeyPurpose,    // a kms key asked of /v1/release, or a release key of the KMS API
  kInternal,
};

// The wire name of a code, e.g. "untrusted_chain".
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!has_value());
    return std::get<1>(data_);
  }
  Error&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(data_));
  }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return error_;
  }
  Error&& error() && {
    assert(!ok_);
    return std::move(error_);
  }

 private:
  Error error_{ErrorCode::kInternal, {}};
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() { return Status(); }

}  // namespace kb
