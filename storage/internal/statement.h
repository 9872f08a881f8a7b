#pragma once

// Binding and reading prepared-statement values. Parameters are 1-based as in SQLite.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "common/time.h"
#include "storage/database.h"
#include "storage/internal/sqlite_ptr.h"

namespace kb::storage::internal {

class Statement {
 public:
  explicit Statement(PreparedStatement stmt) : stmt_(std::move(stmt)) {}

  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, ByteSpan blob);
  Statement& Bind(int index, Time time) { return Bind(index, time.time_since_epoch().count()); }
  // SQL NULL for nullopt.
  Statement& Bind(int index, std::optional<Time> time) {
    return time ? Bind(index, *time) : BindNull(index);
  }
  Statement& BindNull(int index);

  // SQLITE_ROW, SQLITE_DONE, or an error code (also remembered for ok()).
  int Step();
  // True while no bind or step failed.
  bool ok() const { return ok_; }

  std::string Text(int column) const;
  int64_t Int(int column) const;
  Bytes Blob(int column) const;
  Time TimeAt(int column) const { return Time(std::chrono::milliseconds(Int(column))); }
  bool IsNull(int column) const;
  std::optional<Time> OptionalTimeAt(int column) const {
    return IsNull(column) ? std::nullopt : std::optional<Time>(TimeAt(column));
  }

 private:
  PreparedStatement stmt_;
  bool ok_ = true;
};

}  // namespace kb::storage::internal
