#include "storage/pg/pg_connection.h"

#include <poll.h>

#include <cstring>

namespace kb::storage {
namespace {

// Type OIDs of pg_type (catalog/pg_type_d.h, stable across releases).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;

std::string BigEndian(uint64_t v, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[n - 1 - i] = char(uint8_t(v >> (8 * i)));
  return out;
}

uint64_t FromBigEndian(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | uint8_t(p[i]);
  return v;
}

// libpq prints server notices ("relation already exists, skipping") to stderr by default.
void IgnoreNotice(void*, const char*) {}

// The length of the valid UTF-8 sequence at the start of `s` (1 to 4), or 0 when it is not one
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF) or is NUL.
size_t Utf8SequenceAt(std::string_view s) {
  auto b = [&](size_t i) { return uint8_t(s[i]); };
  uint8_t lead = b(0);
  if (lead == 0) return 0;
  if (lead < 0x80) return 1;
  size_t n = lead >= 0xC2 && lead <= 0xDF   ? 2
             : lead >= 0xE0 && lead <= 0xEF ? 3
             : lead >= 0xF0 && lead <= 0xF4 ? 4
                                            : 0;
  if (n == 0 || s.size() < n) return 0;
  uint8_t low = 0x80, high = 0xBF;  // the second byte's range
  if (lead == 0xE0) low = 0xA0;
  if (lead == 0xED) high = 0x9F;
  if (lead == 0xF0) low = 0x90;
  if (lead == 0xF4) high = 0x8F;
  if (b(1) < low || b(1) > high) return 0;
  for (size_t i = 2; i < n; ++i) {
    if (b(i) < 0x80 || b(i) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

bool IsPgText(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8SequenceAt(text.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string PgSafeText(std::string_view text) {
  if (IsPgText(text)) return std::string(text);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8SequenceAt(text.substr(i));
    if (n > 0) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    uint8_t byte = uint8_t(text[i++]);
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

void PgParams::Push(Oid type, std::string bytes, bool null) {
  types_.push_back(type);
  lengths_.push_back(int(bytes.size()));
  formats_.push_back(1);
  nulls_.push_back(null);
  values_.push_back(std::move(bytes));
}

PgParams& PgParams::Add(std::string_view text) {
  texts_fit_ = texts_fit_ && IsPgText(text);
  Push(kTextOid, std::string(text));
  return *this;
}

PgParams& PgParams::Add(int64_t value) {
  Push(kInt8Oid, BigEndian(uint64_t(value), 8));
  return *this;
}

PgParams& PgParams::Add(ByteSpan bytes) {
  Push(kByteaOid, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  return *this;
}

PgParams& PgParams::Add(std::optional<Time> time) {
  if (time) return Add(*time);
  Push(kInt8Oid, std::string(), /*null=*/true);
  return *this;
}

std::vector<const char*> PgParams::values() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) {
    out.push_back(nulls_[i] ? nullptr : values_[i].data());
  }
  return out;
}

uint64_t PgResult::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return (n == nullptr || *n == '\0') ? 0 : std::strtoull(n, nullptr, 10);
}

std::string PgResult::Text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     size_t(PQgetlength(result_.get(), row, column)));
}

int64_t PgResult::Int(int row, int column) const {
  const char* p = PQgetvalue(result_.get(), row, column);
  size_t n = size_t(PQgetlength(result_.get(), row, column));
  Oid type = PQftype(result_.get(), column);
  size_t want = type == kInt8Oid ? 8 : type == kInt4Oid ? 4 : type == kInt2Oid ? 2 : 1;
  if (n != want || (type != kInt8Oid && type != kInt4Oid && type != kInt2Oid && type != kBoolOid)) {
    return 0;  // NULL or not an integer column: the stores read only integer columns here
  }
  uint64_t v = FromBigEndian(p, n);
  if (n < 8 && type != kBoolOid && (v >> (8 * n - 1)) != 0) v |= ~uint64_t(0) << (8 * n);
  return int64_t(v);
}

Bytes PgResult::Blob(int row, int column) const {
  const auto* p = reinterpret_cast<const uint8_t*>(PQgetvalue(result_.get(), row, column));
  return Bytes(p, p + PQgetlength(result_.get(), row, column));
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& url,
                                                            const std::string& password) {
  std::vector<const char*> keys = {"dbname", "application_name", "connect_timeout"};
  std::vector<const char*> values = {url.c_str(), "keybroker", "5"};
  if (!password.empty()) {
    keys.push_back("password");
    values.push_back(password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parse_error != nullptr) PQfreemem(parse_error);  // it quotes the URL: never passed on
  if (parsed == nullptr) {
    return Error{ErrorCode::kInternal,
                 "postgresql: the database URL does not parse (not shown: it may hold a "
                 "password); check it with psql"};
  }
  PQconninfoFree(parsed);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return Error{ErrorCode::kInternal, "postgresql: out of memory"};
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQfinish(conn);
    return Error{ErrorCode::kInternal, "postgresql: cannot connect: " + why};
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::Alive() {
  if (!healthy()) return false;
  pollfd readable{PQsocket(conn_), POLLIN, 0};
  return poll(&readable, 1, 0) == 0;
}

Error PgConnection::Failure(std::string_view context, const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  sqlstate_ = state ? state : "";
  std::string why = result ? PQresultErrorMessage(result) : "";
  if (why.empty()) why = PQerrorMessage(conn_);
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return Error{ErrorCode::kInternal, "postgresql: " + std::string(context) + ": " + why};
}

Result<PgResult> PgConnection::Exec(std::string_view sql, const PgParams& params,
                                    std::string_view context) {
  // Bytes a client sent that TEXT cannot hold (NUL, invalid UTF-8) match no stored value and
  // cannot be stored: a malformed request, not a database failure.
  if (!params.texts_fit()) {
    sqlstate_.clear();
    return Error{ErrorCode::kMalformedRequest,
                 std::string(context) + ": a text value holds NUL or is not valid UTF-8"};
  }
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "kb" + std::to_string(prepared_.size() + 1);
    std::string text(sql);
    std::unique_ptr<PGresult, PgResultDeleter> prepared(
        PQprepare(conn_, name.c_str(), text.c_str(), params.size(), params.types()));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return Failure(context, prepared.get());
    }
    it = prepared_.emplace(std::move(text), std::move(name)).first;
  }
  std::vector<const char*> values = params.values();
  PGresult* raw = PQexecPrepared(conn_, it->second.c_str(), params.size(), values.data(),
                                 params.lengths(), params.formats(), /*resultFormat=*/1);
  PgResult result(raw);
  ExecStatusType status = PQresultStatus(raw);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Failure(context, raw);
  sqlstate_.clear();
  return result;
}

Result<uint64_t> PgConnection::Command(std::string_view sql, const PgParams& params,
                                       std::string_view context) {
  auto result = Exec(sql, params, context);
  if (!result) return std::move(result).error();
  return result->affected();
}

Status PgConnection::Run(const char* sql, std::string_view context) {
  std::unique_ptr<PGresult, PgResultDeleter> result(PQexec(conn_, sql));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Failure(context, result.get());
  }
  sqlstate_.clear();
  return Ok();
}

}  // namespace kb::storage
