// libFuzzer target: the JSON body of POST /v1/release (strict decoding before the broker).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/release_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)kb::api::DecodeReleaseRequest(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
