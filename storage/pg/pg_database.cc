#include "storage/pg/pg_database.h"

#include <chrono>
#include <map>
#include <optional>

#include "storage/pg/pg_migrations.h"

namespace kb::storage {
namespace {

constexpr auto kAcquireWait = std::chrono::seconds(10);

constexpr char kSchemaTable[] = R"sql(
CREATE TABLE IF NOT EXISTS keybroker_schema (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  version  INTEGER NOT NULL
);
INSERT INTO keybroker_schema (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
)sql";

}  // namespace

bool IsPostgresUrl(std::string_view database) {
  return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

namespace {

// The URL's options as libpq reads them (percent-decoding included), or nullopt when it does not
// parse. libpq's own parse errors quote the URL, so they are never passed on.
std::optional<std::map<std::string, std::string>> ParsedOptions(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return std::nullopt;
  std::map<std::string, std::string> out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') out[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  return out;
}

bool IsLocalHost(std::string_view host) {
  return host.empty() || host.starts_with('/') || host == "localhost" || host == "127.0.0.1" ||
         host == "::1";
}

}  // namespace

std::string RedactPostgresUrl(std::string_view url) {
  if (!IsPostgresUrl(url)) return std::string(url);  // a SQLite path
  auto options = ParsedOptions(std::string(url));
  if (!options) return "(a PostgreSQL URL that does not parse; not shown)";
  if (!options->count("password") && !options->count("sslpassword")) return std::string(url);
  auto get = [&](const char* key) {
    auto it = options->find(key);
    return it == options->end() ? std::string() : it->second;
  };
  std::string shown = "postgresql://" + (get("user").empty() ? "" : get("user") + "@") +
                      get("host") + (get("port").empty() ? "" : ":" + get("port")) + "/" +
                      get("dbname");
  return shown + " (a password is in the URL; the URL is not shown)";
}

Status CheckPostgresUrl(const std::string& url) {
  auto options = ParsedOptions(url);
  if (!options) {
    return Error{ErrorCode::kMalformedRequest,
                 "database: the PostgreSQL URL does not parse (not shown: it may hold a "
                 "password); check it with psql"};
  }
  std::string hosts = (*options)["host"] + "," + (*options)["hostaddr"];
  bool local = true;
  for (size_t start = 0; start <= hosts.size();) {
    size_t comma = hosts.find(',', start);
    if (comma == std::string::npos) comma = hosts.size();
    local = local && IsLocalHost(std::string_view(hosts).substr(start, comma - start));
    start = comma + 1;
  }
  const std::string& sslmode = (*options)["sslmode"];
  if (!local && sslmode != "verify-full" && sslmode != "verify-ca") {
    return Error{ErrorCode::kMalformedRequest,
                 "database: a PostgreSQL server on another host must be reached with "
                 "sslmode=verify-full (and sslrootcert=CA): otherwise whoever can answer in its "
                 "place gets the password and serves the broker its rows"};
  }
  return Ok();
}

PgDatabase::Lease::~Lease() {
  if (db_ != nullptr && conn_ != nullptr) db_->GiveBack(std::move(conn_));
}

Result<std::unique_ptr<PgDatabase>> PgDatabase::Open(PgOptions options) {
  return OpenAtVersion(std::move(options), int(PgMigrations().size()));
}

Result<std::unique_ptr<PgDatabase>> PgDatabase::OpenCurrent(PgOptions options) {
  auto db = std::make_unique<PgDatabase>(PrivateTag{}, std::move(options));
  auto conn = db->Acquire();
  if (!conn) return std::move(conn).error();
  auto version = (*conn)->Exec("SELECT version FROM keybroker_schema WHERE id = 1", "schema");
  if (!version || version->rows() != 1) {
    return Error{ErrorCode::kInternal, "postgresql: not a keybroker database (no schema version)"};
  }
  db->schema_version_ = int(version->Int(0, 0));
  if (db->schema_version_ != int(PgMigrations().size())) {
    return Error{ErrorCode::kInternal, "postgresql: the database's schema is version " +
                                           std::to_string(db->schema_version_) +
                                           ", this program's " +
                                           std::to_string(PgMigrations().size()) +
                                           ": inspect it with the keybroker that serves it"};
  }
  return db;
}

Result<std::unique_ptr<PgDatabase>> PgDatabase::OpenAtVersion(PgOptions options,
                                                              int schema_version) {
  if (options.connections < 1) options.connections = 1;
  auto db = std::make_unique<PgDatabase>(PrivateTag{}, std::move(options));
  if (auto s = db->Migrate(schema_version); !s) return std::move(s).error();
  return db;
}

Result<std::unique_ptr<PgConnection>> PgDatabase::Connect() {
  auto conn = PgConnection::Connect(options_.url, options_.password);
  if (!conn) return conn;
  if (options_.durability == Durability::kNormal) {
    if (auto s = (*conn)->Run("SET synchronous_commit TO off", "set durability"); !s) {
      return std::move(s).error();
    }
  }
  return conn;
}

Result<PgDatabase::Lease> PgDatabase::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  bool ready = returned_.wait_for(lock, kAcquireWait,
                                  [&] { return !idle_.empty() || open_ < options_.connections; });
  if (!ready) {
    return Error{ErrorCode::kInternal,
                 "postgresql: all " + std::to_string(options_.connections) +
                     " connections stayed busy for 10 s (database_connections)"};
  }
  while (!idle_.empty()) {
    std::unique_ptr<PgConnection> conn = std::move(idle_.back());
    idle_.pop_back();
    if (conn->Alive()) return Lease(this, std::move(conn));
    --open_;  // the server closed it (a restart): dropped, and a new one opened below
  }
  ++open_;
  lock.unlock();
  auto conn = Connect();
  if (!conn) {
    lock.lock();
    --open_;
    returned_.notify_one();
    return std::move(conn).error();
  }
  return Lease(this, std::move(*conn));
}

Status PgDatabase::Ping() {
  auto conn = Acquire();
  if (!conn) return std::move(conn).error();
  return (*conn)->Run("SELECT 1", "ping");
}

void PgDatabase::GiveBack(std::unique_ptr<PgConnection> conn) {
  // A broken connection, or one left inside a transaction, is closed rather than reused.
  bool keep = conn->healthy() && !conn->in_transaction();
  std::unique_ptr<PgConnection> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (keep) {
      idle_.push_back(std::move(conn));
    } else {
      dropped = std::move(conn);
      --open_;
    }
  }
  returned_.notify_one();
}

Status PgDatabase::Migrate(int target_version) {
  auto conn = Connect();
  if (!conn) return std::move(conn).error();
  PgConnection& c = **conn;
  // Held for the whole migration; closing the connection releases it on any early return.
  PgParams lock;
  lock.Add(kMigrationLock);
  if (auto r = c.Exec("SELECT pg_advisory_lock($1)", lock, "lock for migration"); !r) {
    return std::move(r).error();
  }
  if (auto s = c.Run(kSchemaTable, "create keybroker_schema"); !s) return s;
  auto version = c.Exec("SELECT version FROM keybroker_schema WHERE id = 1", "read schema version");
  if (!version) return std::move(version).error();
  schema_version_ = int(version->Int(0, 0));
  auto migrations = PgMigrations();
  if (schema_version_ > int(migrations.size())) {
    return Error{ErrorCode::kInternal,
                 "the database's schema (version " + std::to_string(schema_version_) +
                     ") is newer than this program knows (" + std::to_string(migrations.size()) +
                     "): upgrade keybroker"};
  }
  while (schema_version_ < target_version) {
    if (auto s = c.Run("BEGIN", "begin migration"); !s) return s;
    std::string context = "migration " + std::to_string(schema_version_ + 1);
    if (auto s = c.Run(migrations[size_t(schema_version_)], context); !s) return s;
    PgParams next;
    next.Add(int64_t(schema_version_ + 1));
    if (auto r = c.Exec("UPDATE keybroker_schema SET version = $1 WHERE id = 1", next, context);
        !r) {
      return std::move(r).error();
    }
    if (auto s = c.Run("COMMIT", context); !s) return s;
    ++schema_version_;
  }
  if (auto r = c.Exec("SELECT pg_advisory_unlock($1)", lock, "unlock after migration"); !r) {
    return std::move(r).error();
  }
  return Ok();
}

}  // namespace kb::storage
