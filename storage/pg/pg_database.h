#pragma once

// A PostgreSQL database shared by every replica of the broker: a pool of libpq connections,
// migrated to the current schema at open (under an advisory lock, so replicas starting together
// migrate once). A connection whose server went away is dropped when it is handed back or found
// dead when leased, and a new one is opened on demand: the broker reconnects by itself once
// PostgreSQL is back.
//
// Every transaction that writes takes the same transaction-scoped advisory lock first
// (kWriteLock): writes are serialized across replicas as SQLite serializes them on one host,
// which keeps the audit chain linear and leaves no lock-order deadlock between a release batch
// and an admin change. Reads take no lock.
//
// Thread safety: thread-safe; a leased connection belongs to its holder.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/durability.h"
#include "storage/pg/pg_connection.h"

namespace kb::storage {

class AuditSink;  // audit_sink.h

struct PgOptions {
  std::string url;       // a libpq URI, postgresql://...
  std::string password;  // empty: from the URL, PGPASSFILE or ~/.pgpass, or none
  int connections = 16;  // at most this many open at once
  Durability durability = Durability::kFull;  // kNormal: synchronous_commit off
};

// True for a `database:` setting that names PostgreSQL rather than a SQLite file.
bool IsPostgresUrl(std::string_view database);
// The URL for logs and messages (a SQLite path as it is): itself when no password is in it (as
// libpq reads it, percent- encoding included), else only its user, host, port and database; a URL
// that does not parse is not shown at all.
std::string RedactPostgresUrl(std::string_view url);
// kMalformedRequest for a URL that does not parse, or that reaches a server on another host
// without sslmode=verify-full or verify-ca (the password and every row would go to whoever
// answers in its place). Local hosts: none, a socket directory, localhost, 127.0.0.1, ::1.
Status CheckPostgresUrl(const std::string& url);

class PgDatabase {
  struct PrivateTag {};

 public:
  // The advisory lock of every writing transaction (pg_advisory_xact_lock).
  static constexpr int64_t kWriteLock = 0x6b62'7772'6974'6501;  // "kbwrite\1"
  static constexpr int64_t kMigrationLock = 0x6b62'6d69'6772'6101;

  // A connection on loan: handed back (or dropped, when broken) when destroyed.
  class Lease {
   public:
    Lease(PgDatabase* db, std::unique_ptr<PgConnection> conn) : db_(db), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    PgDatabase* db_;
    std::unique_ptr<PgConnection> conn_;
  };

  // Connects and migrates to the newest schema. Refuses a schema newer than this program.
  static Result<std::unique_ptr<PgDatabase>> Open(PgOptions options);
  // Without migrating, for inspection (`keybroker audit verify`): refuses a database whose
  // schema is not the current one, and writes nothing.
  static Result<std::unique_ptr<PgDatabase>> OpenCurrent(PgOptions options);
  // Migrates only up to `schema_version` (tests of migrations).
  static Result<std::unique_ptr<PgDatabase>> OpenAtVersion(PgOptions options, int schema_version);

  PgDatabase(PrivateTag, PgOptions options) : options_(std::move(options)) {}
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;

  // A connection: an idle one, or a new one while fewer than `connections` are open. Waits up
  // to 10 s for one to come back; kInternal when none does or PostgreSQL cannot be reached.
  Result<Lease> Acquire();

  // One `SELECT 1` on a leased connection: whether PostgreSQL answers (/readyz).
  Status Ping();

  int schema_version() const { return schema_version_; }
  // What `Open` was given, without the password.
  std::string redacted_url() const { return RedactPostgresUrl(options_.url); }

  // The sink that every audit row written through this database also goes to, or nullptr.
  // REQUIRES: `sink` outlives the database; set before use.
  void set_audit_sink(AuditSink* sink) { audit_sink_ = sink; }
  AuditSink* audit_sink() const { return audit_sink_; }

 private:
  Result<std::unique_ptr<PgConnection>> Connect();
  Status Migrate(int target_version);
  void GiveBack(std::unique_ptr<PgConnection> conn);

  const PgOptions options_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  int open_ = 0;                                     // guarded by mu_: idle and leased
  int schema_version_ = 0;
  AuditSink* audit_sink_ = nullptr;
};

}  // namespace kb::storage
