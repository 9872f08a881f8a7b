#pragma once

namespace kb::cli {

inline constexpr char kVersion[] = KB_VERSION;

}  // namespace kb::cli
