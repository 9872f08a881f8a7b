#include "broker/evidence/nitro_verifier.h"

#include "broker/evidence/cose_sign1.h"
#include "broker/evidence/nitro_document.h"

namespace kb::broker {

Result<VerifiedEvidence> NitroVerifier::Verify(ByteSpan document, Time now,
                                               std::optional<Platform> expected_platform) const {
  auto cose = ParseCoseSign1(document);
  if (!cose) return std::move(cose).error();
  auto doc = ParseNitroPayload(cose->payload);
  if (!doc) return std::move(doc).error();
  if (expected_platform && *expected_platform != doc->platform) {
    return Error{ErrorCode::kMalformedEvidence,
                 "document is " + std::string(PlatformName(doc->platform)) + ", not " +
                     std::string(PlatformName(*expected_platform))};
  }

  std::vector<ByteSpan> path;
  path.reserve(doc->cabundle.size() + 1);
  for (const Bytes& der : doc->cabundle) path.emplace_back(der);
  path.emplace_back(doc->certificate);
  auto chain = chain_verifier_.Verify(path, doc->timestamp, now);
  if (!chain) return std::move(chain).error();

  // The signature is checked on every call; only certificate links are cached.
  if (auto s = VerifyEs384(*cose, chain->leaf->public_key.get()); !s) return std::move(s).error();

  EvidenceClaims claims;
  claims.platform = doc->platform;
  claims.module_id = std::move(doc->module_id);
  claims.timestamp = doc->timestamp;
  claims.digest = std::move(doc->digest);
  claims.pcrs = std::move(doc->pcrs);
  claims.public_key = std::move(doc->public_key);
  claims.user_data = std::move(doc->user_data);
  claims.nonce = std::move(doc->nonce);
  claims.chain = std::move(chain->certificates);
  return VerifiedEvidence(std::move(claims));
}

}  // namespace kb::broker
