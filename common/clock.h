#pragma once

// The one source of "now". Code below cli/ receives a `const Clock&` and never reads the wall
// clock itself, so that every time-dependent check can be tested at a chosen instant.

#include "common/time.h"

namespace kb {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

// The wall clock. Constructed only in cli/ (main and the subcommands).
class SystemClock final : public Clock {
 public:
  Time Now() const override;
};

// A clock that always answers the same instant (tests, `--at`).
class FixedClock final : public Clock {
 public:
  explicit FixedClock(Time now) : now_(now) {}
  Time Now() const override { return now_; }

 private:
  Time now_;
};

}  // namespace kb
