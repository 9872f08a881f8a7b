#pragma once

// Several store calls that must take effect together, such as a new policy version with its
// author's approval and audit row, or a key change with its audit row: all commit or none does.
// Store methods called inside `work` join its transaction (Transaction nests as SAVEPOINTs).

#include <functional>

#include "common/result.h"
#include "storage/database.h"

namespace kb::storage {

class UnitOfWork {
 public:
  virtual ~UnitOfWork() = default;
  // Runs `work` in one transaction; commits if it succeeds, rolls everything back if not.
  virtual Status Run(const std::function<Status()>& work) = 0;
};

class SqliteUnitOfWork final : public UnitOfWork {
 public:
  explicit SqliteUnitOfWork(Database& db) : db_(db) {}
  Status Run(const std::function<Status()>& work) override {
    auto lock = db_.lock();
    auto tx = Transaction::Begin(db_);
    if (!tx) return std::move(tx).error();
    if (auto s = work(); !s) return s;
    return tx->Commit();
  }

 private:
  Database& db_;
};

}  // namespace kb::storage
