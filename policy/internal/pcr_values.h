#pragma once

// PCR maps as admins write them: {index: hex} in YAML, {"PCRn": hex} in the AWS tools' JSON.

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>

#include "common/bytes.h"
#include "common/result.h"

namespace kb::policy::internal {

// One PCR value: hex of either case, with the length the platform's digest has.
Result<Bytes> ParsePcrHex(const std::string& hex, const std::string& platform, uint32_t index);

// A YAML map {0..31: hex}; errors name the line.
Result<std::map<uint32_t, Bytes>> ParsePcrMapYaml(const YAML::Node& node,
                                                  const std::string& platform);

}  // namespace kb::policy::internal
