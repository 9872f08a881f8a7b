#pragma once

// A bounded cache of verified certificate links.
//
// An entry says: the certificate with DER hash S was verified (signature, names, extensions) as
// issued by the certificate with DER hash I. Keys hold both hashes, so an entry only vouches for
// S under that exact issuer: trust still has to flow down from a pinned root through cached or
// freshly verified links. Entries keep the facts that depend on the path or on time (validity,
// CA flag, path length, key usage), and the chain verifier re-checks those at every use.
//
// Thread-safe. Capacity 0 disables caching. When full, the oldest entry is evicted first.

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "broker/evidence/evidence_claims.h"
#include "crypto/digest.h"
#include "crypto/ossl.h"

namespace kb::broker {

struct CertificateLink {
  CertificateInfo info;  // of the subject certificate
  bool is_ca;
  long path_len;       // -1: no pathLenConstraint
  uint32_t key_usage;  // X509_get_key_usage(); UINT32_MAX when the extension is absent
  OsslPtr<EVP_PKEY> public_key;
  // The decoded certificate, kept for CAs only: a later path anchors its verification here
  // instead of decoding it again (d2i_X509 costs about a sixth of a P-384 verify on OpenSSL 3.0).
  OsslPtr<X509> ca_cert;
};

class CertificateCache {
 public:
  explicit CertificateCache(size_t capacity) : capacity_(capacity) {}
  CertificateCache(const CertificateCache&) = delete;
  CertificateCache& operator=(const CertificateCache&) = delete;

  std::shared_ptr<const CertificateLink> Find(const Sha256Digest& subject,
                                              const Sha256Digest& issuer) const;
  void Insert(const Sha256Digest& subject, const Sha256Digest& issuer,
              std::shared_ptr<const CertificateLink> link);

  size_t size() const;
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  using Key = std::array<uint8_t, 64>;
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  static Key MakeKey(const Sha256Digest& subject, const Sha256Digest& issuer);

  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<Key, std::shared_ptr<const CertificateLink>, KeyHash> links_;
  std::deque<Key> insertion_order_;
  mutable std::atomic<uint64_t> hits_{0};
  mutable std::atomic<uint64_t> misses_{0};
};

}  // namespace kb::broker
