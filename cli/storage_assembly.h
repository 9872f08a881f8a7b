#pragma once

// The database the configuration names and every store over it: SQLite (a file path, the
// default) or PostgreSQL (`database: postgresql://...`, for replicas; docs/ha.md). The rest of
// the broker sees only the storage interfaces.

#include <string>

#include "cli/config.h"
#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"

namespace kb::cli {

struct Broker;  // broker_assembly.h

// The name of the systemd credential holding the PostgreSQL password.
inline constexpr char kDatabasePasswordCredential[] = "keybroker-database-password";

// The PostgreSQL password: the file `database_password_file` names (mode 0600, as the KEK file),
// else the systemd credential keybroker-database-password when there is one, else none (the URL,
// PGPASSFILE or another method of libpq's). Trailing newlines are not part of it.
Result<SecretBytes> ReadDatabasePassword(const Config& config);

// Opens the database (creating or migrating its schema), the audit sink and the keyed audit log
// (a plain chain converted at `now`), and makes every store of `b`. REQUIRES: b.store is open.
Status OpenConfiguredStorage(const Config& config, Time now, Broker& b);

// "sqlite PATH" or "postgresql URL" (the URL without its password), for logs.
std::string DescribeDatabase(const Config& config);

}  // namespace kb::cli
