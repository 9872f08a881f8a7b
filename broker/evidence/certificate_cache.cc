#include "broker/evidence/certificate_cache.h"

#include <algorithm>
#include <cstring>

namespace kb::broker {

size_t CertificateCache::KeyHash::operator()(const Key& key) const {
  // The key is a cryptographic hash already: any 8 of its bytes are uniformly distributed.
  size_t h;
  std::memcpy(&h, key.data(), sizeof h);
  return h;
}

CertificateCache::Key CertificateCache::MakeKey(const Sha256Digest& subject,
                                                const Sha256Digest& issuer) {
  Key key;
  std::copy(subject.begin(), subject.end(), key.begin());
  std::copy(issuer.begin(), issuer.end(), key.begin() + subject.size());
  return key;
}

std::shared_ptr<const CertificateLink> CertificateCache::Find(const Sha256Digest& subject,
                                                              const Sha256Digest& issuer) const {
  if (capacity_ == 0) return nullptr;
  Key key = MakeKey(subject, issuer);
  std::lock_guard lock(mu_);
  auto it = links_.find(key);
  if (it == links_.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second;
}

void CertificateCache::Insert(const Sha256Digest& subject, const Sha256Digest& issuer,
                              std::shared_ptr<const CertificateLink> link) {
  if (capacity_ == 0) return;
  Key key = MakeKey(subject, issuer);
  std::lock_guard lock(mu_);
  if (!links_.emplace(key, std::move(link)).second) return;  // another thread was first
  insertion_order_.push_back(key);
  while (links_.size() > capacity_) {
    links_.erase(insertion_order_.front());
    insertion_order_.pop_front();
  }
}

size_t CertificateCache::size() const {
  std::lock_guard lock(mu_);
  return links_.size();
}

}  // namespace kb::broker
