#include "broker/release_core.h"

#include <boost/json/serialize.hpp>
#include <string>

#include "broker/evidence/claims_json.h"
#include "crypto/digest.h"

namespace kb::broker {
namespace {

// A Recipient signed a little ahead of our clock is clock skew, not an attack.
constexpr std::chrono::seconds kRecipientClockSkew{60};

Bytes ClaimsDigest(const EvidenceClaims& claims) {
  Sha256Digest d = Sha256(AsBytes(boost::json::serialize(ClaimsToJson(claims))));
  return Bytes(d.begin(), d.end());
}

}  // namespace

Result<ReleaseCore::Attested> ReleaseCore::Attest(EvidenceType type, ByteSpan document,
                                                  Freshness freshness, Time now) {
  auto verified = deps_.verifiers.Verify(type, document, now);
  if (!verified) return std::move(verified).error();
  const EvidenceClaims& claims = verified->claims();
  Status fresh = CheckFresh(claims, freshness, now);
  Bytes nonce = claims.nonce.value_or(Bytes());
  Bytes digest = ClaimsDigest(claims);
  return Attested{std::move(*verified), std::move(fresh), std::move(nonce), std::move(digest)};
}

Status ReleaseCore::CheckFresh(const EvidenceClaims& claims, Freshness freshness, Time now) {
  bool has_nonce = claims.nonce && !claims.nonce->empty();  // an empty one says nothing
  if (freshness == Freshness::kChallenge &&
      (!has_nonce || claims.nonce->size() != storage::kNonceSize)) {
    return Error{ErrorCode::kNonceUnknown, "evidence carries no nonce issued here"};
  }
  if (freshness == Freshness::kRecipient && claims.platform == Platform::kTpm2Quote && !has_nonce) {
    return Error{ErrorCode::kNonceUnknown, "a TPM quote needs a nonce from POST /v1/challenge"};
  }
  if (freshness == Freshness::kRecipient && claims.platform != Platform::kTpm2Quote) {
    auto age = now - claims.timestamp;  // not truncated: 300.5 s is more than 300 s
    if (age > deps_.recipient_max_age || age < -kRecipientClockSkew) {
      auto seconds = std::chrono::duration_cast<std::chrono::seconds>(age);
      return Error{ErrorCode::kStaleEvidence,
                   "the document was signed " + std::to_string(seconds.count()) +
                       " s ago; a Recipient must be at most " +
                       std::to_string(deps_.recipient_max_age.count()) + " s old"};
    }
  }
  if (!has_nonce) return Ok();
  if (claims.nonce->size() != storage::kNonceSize) {
    return Error{ErrorCode::kNonceUnknown, "the evidence carries a nonce not issued here"};
  }
  return deps_.nonces.CheckNonce(*claims.nonce, now);
}

Result<UnsealedKey> ReleaseCore::UnsealPermitted(const ReleasePermit& permit) {
  // A kms key never leaves the broker, whatever a policy says: its material is the root of every
  // KMS ciphertext of the key, so a workload holding it could decrypt or forge all of them. The
  // purpose is checked on the row that is unsealed, before unsealing.
  return deps_.keys.UnsealCurrent(permit.key_id(), storage::KeyPurpose::kRelease);
}

Result<Bytes> ReleaseCore::Seal(const ReleasePermit& permit, WrapFormat format,
                                const SecretBytes& secret) const {
  if (!permit.recipient()) {
    return Error{ErrorCode::kUnsupportedPublicKey, "evidence carries no public key"};
  }
  return deps_.wrapper.Wrap(format, *permit.recipient(), secret);
}

}  // namespace kb::broker
