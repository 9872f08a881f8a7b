#include "storage/internal/statement.h"

namespace kb::storage::internal {

Statement& Statement::Bind(int index, std::string_view text) {
  ok_ &= sqlite3_bind_text(stmt_.get(), index, text.data(), int(text.size()), SQLITE_TRANSIENT) ==
         SQLITE_OK;
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  ok_ &= sqlite3_bind_int64(stmt_.get(), index, value) == SQLITE_OK;
  return *this;
}

Statement& Statement::Bind(int index, ByteSpan blob) {
  // sqlite3_bind_blob binds SQL NULL for a null pointer, which an empty span may carry.
  int rc = blob.empty() ? sqlite3_bind_zeroblob(stmt_.get(), index, 0)
                        : sqlite3_bind_blob(stmt_.get(), index, blob.data(), int(blob.size()),
                                            SQLITE_TRANSIENT);
  ok_ &= rc == SQLITE_OK;
  return *this;
}

Statement& Statement::BindNull(int index) {
  ok_ &= sqlite3_bind_null(stmt_.get(), index) == SQLITE_OK;
  return *this;
}

int Statement::Step() {
  if (!ok_) return SQLITE_MISUSE;
  int rc = sqlite3_step(stmt_.get());
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) ok_ = false;
  return rc;
}

std::string Statement::Text(int column) const {
  auto text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
  return text ? std::string(text, size_t(sqlite3_column_bytes(stmt_.get(), column))) : "";
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

Bytes Statement::Blob(int column) const {
  auto data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_.get(), column));
  return data ? Bytes(data, data + sqlite3_column_bytes(stmt_.get(), column)) : Bytes{};
}

}  // namespace kb::storage::internal
