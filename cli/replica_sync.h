#pragma once

// What a broker keeps in memory of the shared database, brought up to date while replicas on one
// PostgreSQL database change it through one another: every `period`, the TPM attestation keys
// (the live set that TPM quotes are checked against; AdminService::SyncAttestationKeys).
// Everything else a request needs (policies, references, keys, grants, principals, access keys)
// is read from the database by each request, so a change committed through one replica holds on
// every other from the next request on. A thread of its own, stopped by the destructor.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "broker/admin/admin_service.h"

namespace kb::cli {

class ReplicaSync {
 public:
  // The bound of docs/ha.md: an attestation key approved or revoked through another replica
  // holds here within this period (plus one query).
  static constexpr std::chrono::milliseconds kPeriod{1000};

  // `log` gets a line when a sync fails and when it works again. REQUIRES: `admin` outlives it.
  ReplicaSync(broker::AdminService& admin, std::function<void(const std::string&)> log,
              std::chrono::milliseconds period = kPeriod);
  ~ReplicaSync();
  ReplicaSync(const ReplicaSync&) = delete;
  ReplicaSync& operator=(const ReplicaSync&) = delete;

 private:
  void Loop();

  broker::AdminService& admin_;
  std::function<void(const std::string&)> log_;
  const std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable stop_requested_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace kb::cli
