#pragma once

// Reading the KEK from its file. The file must hold exactly 32 bytes and be readable and
// writable by its owner only: a KEK that other users can read protects nothing, and one they can
// write is theirs (every key created afterwards is wrapped under a KEK they chose).

#include <string>

#include "broker/keys/kek.h"
#include "common/result.h"

namespace kb::cli {

// kInternal (exit 2) for I/O problems, wrong size, or permissions wider than 0600.
Result<broker::Kek> LoadKekFile(const std::string& path);

}  // namespace kb::cli
