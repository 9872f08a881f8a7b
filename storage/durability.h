#pragma once

namespace kb::storage {

// How durable a commit is when it returns. kFull (the default, and what production uses) syncs
// the WAL on every commit: an acknowledged release or change survives power loss. kNormal syncs
// only at checkpoints: a crash of the process loses nothing, a power loss may lose the last
// commits. Offered for measurement (bench/release.sh) and for deployments that accept it.
enum class Durability { kFull, kNormal };

}  // namespace kb::storage
