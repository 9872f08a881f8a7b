#pragma once

// Transactions, backend-neutral. A unit of work runs a function in one transaction and hands it
// the transaction as a `Tx&`; every store write takes that `Tx&`, so the writes that must commit
// together say so in their signatures, and a write can only happen inside a unit of work. Reads
// take no transaction: they see what has committed.
//
// A backend implements both classes (storage/sqlite_unit_of_work.h for SQLite); its stores
// accept only its own Tx, and refuse (kInternal) a transaction of another backend or database.

#include <functional>

#include "common/result.h"

namespace kb::storage {

// An open transaction. Only a UnitOfWork creates one, and it lives for one Run.
class Tx {
 public:
  virtual ~Tx() = default;
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

 protected:
  Tx() = default;
};

class UnitOfWork {
 public:
  virtual ~UnitOfWork() = default;
  // Runs `work` in one transaction; commits if it succeeds, rolls everything back if not.
  // Units of work do not nest: a store write inside `work` takes the `Tx&` it was given.
  virtual Status Run(const std::function<Status(Tx&)>& work) = 0;
};

}  // namespace kb::storage
