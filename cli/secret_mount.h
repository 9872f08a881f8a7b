#pragma once

// Secret mounts: how container platforms deliver secrets (Kubernetes and docker swarm: a
// read-only tmpfs, a Kubernetes volume of mode 1777 with kek.bin -> ..data/kek.bin; podman: a
// file of mode 0444). Such a file is readable by others and may be a link, which the state-file
// checks refuse elsewhere.
//
// "Read-only" is what this process's mount namespace says, and that alone proves nothing:
//   - under systemd's ProtectSystem=strict every mount is read-only to the service while the same
//     file, seen from the host, is readable (or writable) by every user its mode allows;
//   - a read-only bind mount of a host directory (docker compose secrets, `-v DIR:/run/...:ro`)
//     leaves the file on the host's disk with its host mode, for the host's users to read.
// So a mount counts as a secret mount only when it is read-only AND in memory (tmpfs or ramfs,
// made for this container by the platform, not a host directory), AND the operator has said
// that the broker runs alone in its own container, where "others" are nobody: the environment
// variable KEYBROKER_CONTAINER=1, which deploy/Containerfile sets. A host deployment never sets
// it and keeps the owner-only rule; so does a secret bind-mounted from a host disk.

#include <string>

namespace kb::cli {

inline constexpr char kContainerVariable[] = "KEYBROKER_CONTAINER";

// Whether KEYBROKER_CONTAINER is "1".
bool RunsInOwnContainer();

// Whether `path` (or the open file `fd`) lies on a tmpfs or ramfs mount that is read-only in
// this mount namespace.
bool OnReadOnlyMemoryMount(const std::string& path);
bool OnReadOnlyMemoryMount(int fd);

}  // namespace kb::cli
