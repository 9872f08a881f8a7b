#pragma once

// Reading the KEK from its file. The file must hold exactly 32 bytes, belong to root or the
// broker's user, and be readable and writable by its owner only: a KEK that other users can
// read protects nothing, and one they can write (or own) is theirs (every key created
// afterwards is wrapped under a KEK they chose).
//
// One exception, for a Kubernetes (or swarm) secret volume: kek.bin -> ..data/kek.bin, mode 0644
// or 0440, on a read-only tmpfs. A file that is a symbolic link, or that group or others can
// read, is accepted only from such a secret mount, that is when all of these hold:
//   - the broker was told it runs alone in its own container (KEYBROKER_CONTAINER=1, set by
//     deploy/Containerfile; cli/secret_mount.h): on a host, a mount that is read-only to the
//     broker (systemd's ProtectSystem=strict) may still be readable by every user outside;
//   - the file (the links' final target) is on a read-only tmpfs (not a bind mount of a host
//     directory, where the file keeps its host mode), belongs to root or the broker's user, and
//     neither group nor others can write it: nobody can change it after the platform made it,
//     and only root could make it;
//   - every directory walked to reach it, following each link, belongs to root or the broker's
//     user and either nobody else can write it, or it is a read-only tmpfs, or it is sticky
//     (/tmp) and the entry is root's or the broker's: otherwise whoever can write it could plant
//     a link, or swap a directory, to point the broker at a file whose bytes they know.
// Readable by others then means readable inside the container's own mount namespace, which
// holds the broker alone.

#include <string>

#include "broker/keys/kek.h"
#include "common/result.h"

namespace kb::cli {

// kInternal (exit 2) for I/O problems, wrong size, or permissions wider than 0600 outside a secret
// mount (the message says which condition failed and how to fix it).
Result<broker::Kek> LoadKekFile(const std::string& path);

// The bytes of a secret file under the same rules (the KEK, the PKCS#11 PIN): "PATH: <what> ..."
// for a refusal; at most `max_size` bytes.
Result<SecretBytes> ReadSecretFile(const std::string& path, const std::string& what,
                                   size_t max_size);

}  // namespace kb::cli
