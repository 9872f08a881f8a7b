#pragma once

#include <string>

#include "common/bytes.h"

namespace kb::testing {

// tests/vectors/<name>.
std::string VectorPath(const std::string& name);
// The bytes of tests/vectors/<name>; aborts if unreadable.
Bytes ReadVector(const std::string& name);
// A fresh empty directory under the system temp dir, removed by the caller if it wants.
std::string MakeTempDir();

}  // namespace kb::testing
