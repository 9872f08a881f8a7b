#include "cli/replica_sync.h"

namespace kb::cli {

ReplicaSync::ReplicaSync(broker::AdminService& admin, std::function<void(const std::string&)> log,
                         std::chrono::milliseconds period)
    : admin_(admin), log_(std::move(log)), period_(period), thread_([this] { Loop(); }) {}

ReplicaSync::~ReplicaSync() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
}

void ReplicaSync::Loop() {
  bool failing = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_requested_.wait_for(lock, period_, [this] { return stop_; })) {
    lock.unlock();
    Status synced = admin_.SyncAttestationKeys();
    if (!synced && !failing) {
      log_("replica sync: attestation keys not brought up to date: " + synced.error().message);
    } else if (synced && failing) {
      log_("replica sync: attestation keys up to date again");
    }
    failing = !synced;
    lock.lock();
  }
}

}  // namespace kb::cli
