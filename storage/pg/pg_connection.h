#pragma once

// One libpq connection, and the typed parameters and results of its statements. Every value
// travels in binary form (no quoting, no text parsing): TEXT as its bytes, BIGINT as 8 bytes big
// endian, BYTEA as its bytes. Each statement text is prepared once per connection and executed
// by name afterwards. Parameters are $1, $2, ... in the order they are added.
//
// Thread safety: none. A connection belongs to one thread at a time; PgDatabase (pg_database.h)
// leases them out.

#include <libpq-fe.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"

namespace kb::storage {

class AuditSink;  // audit_sink.h

// Statement parameters, $1 first.
class PgParams {
 public:
  PgParams& Add(std::string_view text);
  PgParams& Add(const char* text) { return Add(std::string_view(text)); }
  PgParams& Add(const std::string& text) { return Add(std::string_view(text)); }
  PgParams& Add(int64_t value);
  PgParams& Add(ByteSpan bytes);
  PgParams& Add(Time time) { return Add(int64_t(time.time_since_epoch().count())); }
  // SQL NULL for nullopt (a BIGINT).
  PgParams& Add(std::optional<Time> time);

  int size() const { return int(types_.size()); }
  // False when a text value is not fit for TEXT (IsPgText): Exec refuses the statement.
  bool texts_fit() const { return texts_fit_; }
  const Oid* types() const { return types_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }
  // Pointers into the owned values; valid until the next Add.
  std::vector<const char*> values() const;

 private:
  void Push(Oid type, std::string bytes, bool null = false);
  std::vector<Oid> types_;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  bool texts_fit_ = true;
};

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

// The rows of a statement, columns 0-based, in binary form.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}
  int rows() const { return PQntuples(result_.get()); }
  // Rows a data-modifying statement touched (UPDATE, DELETE, INSERT).
  uint64_t affected() const;
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string Text(int row, int column) const;
  // BIGINT, INTEGER, SMALLINT or BOOLEAN.
  int64_t Int(int row, int column) const;
  Bytes Blob(int row, int column) const;
  Time TimeAt(int row, int column) const {
    return Time(std::chrono::milliseconds(Int(row, column)));
  }
  std::optional<Time> OptionalTimeAt(int row, int column) const {
    return IsNull(row, column) ? std::nullopt : std::optional<Time>(TimeAt(row, column));
  }

 private:
  std::unique_ptr<PGresult, PgResultDeleter> result_;
};

// Whether PostgreSQL's TEXT can hold `text`: valid UTF-8 without NUL. (SQLite's TEXT holds any
// bytes; a value a client sent may be neither.)
bool IsPgText(std::string_view text);
// `text` with every byte that makes it unfit for TEXT (NUL, or not part of valid UTF-8) written
// as \xHH; `text` itself when it is fit.
std::string PgSafeText(std::string_view text);

// SQLSTATE classes the stores tell apart.
inline constexpr char kPgUniqueViolation[] = "23505";
inline constexpr char kPgForeignKeyViolation[] = "23503";
inline constexpr char kPgCheckViolation[] = "23514";

class PgConnection {
 public:
  // Connects with libpq: `url` is a libpq connection URI, `password` (may be empty) is passed as
  // its own parameter so that it never appears in a connection string or a log.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& url,
                                                       const std::string& password);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement (prepared on first use). kInternal with PostgreSQL's message, prefixed
  // by `context`; sqlstate() then says which error it was.
  Result<PgResult> Exec(std::string_view sql, const PgParams& params, std::string_view context);
  Result<PgResult> Exec(std::string_view sql, std::string_view context) {
    return Exec(sql, PgParams(), context);
  }
  // Exec for a statement without rows: how many rows it touched.
  Result<uint64_t> Command(std::string_view sql, const PgParams& params, std::string_view context);
  // Runs SQL without parameters, possibly several statements (schema, BEGIN, COMMIT).
  Status Run(const char* sql, std::string_view context);

  // The SQLSTATE of the last failed statement ("" when it did not come from the server).
  const std::string& sqlstate() const { return sqlstate_; }
  // False once the server is gone: the connection is then dropped, not reused.
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  // Whether an idle connection is still up, without blocking: a server that restarted or
  // terminated its backend has sent it a last error and closed it, and an idle connection is
  // sent nothing else, so anything waiting to be read means it is gone.
  bool Alive();
  bool in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

  // The audit sink's lines of the open transaction (audit_sink.h): staged by the audit log,
  // written and synced by the unit of work before COMMIT, dropped on rollback.
  std::vector<std::string>& staged_sink_lines() { return staged_; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  Error Failure(std::string_view context, const PGresult* result);

  PGconn* conn_;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
  std::string sqlstate_;
  std::vector<std::string> staged_;
};

}  // namespace kb::storage
