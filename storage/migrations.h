#pragma once

// The schema, as numbered migrations. Migration N takes the schema from version N-1 to N
// (PRAGMA user_version); each runs in its own transaction. Append only: never edit a migration
// that has shipped.

#include <span>

namespace kb::storage {

std::span<const char* const> Migrations();

}  // namespace kb::storage
