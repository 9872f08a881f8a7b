#include "common/clock.h"

namespace kb {

// The only read of the wall clock in the project.
Time SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace kb
