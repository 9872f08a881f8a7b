#pragma once

// Secret mounts: how container platforms deliver secrets (podman and docker: a read-only file of
// mode 0444; Kubernetes: a read-only tmpfs of mode 1777 with kek.bin -> ..data/kek.bin). Such a
// file is readable by others and may be a link, which the state-file checks refuse elsewhere.
//
// "Read-only" is what this process's mount namespace says, and that alone proves nothing: under
// systemd's ProtectSystem=strict every mount is read-only to the service while the same file,
// seen from the host, is readable (or writable) by every user the mode allows. So a read-only
// mount counts as a secret mount only when the operator has said that the broker runs alone in
// its own container, where "others" are nobody: the environment variable KEYBROKER_CONTAINER=1,
// which deploy/Containerfile sets. A host deployment never sets it and keeps the owner-only rule.

#include <string>

namespace kb::cli {

inline constexpr char kContainerVariable[] = "KEYBROKER_CONTAINER";

// Whether KEYBROKER_CONTAINER is "1".
bool RunsInOwnContainer();

// Whether `path` lies on a mount that is read-only in this mount namespace.
bool OnReadOnlyMount(const std::string& path);

}  // namespace kb::cli
