#pragma once

#include <span>

namespace kb::storage {

// The PostgreSQL schema's migrations, in order: element i takes the schema from version i to
// i + 1. Numbered as SQLite's (storage/migrations.h), step for step.
std::span<const char* const> PgMigrations();

}  // namespace kb::storage
