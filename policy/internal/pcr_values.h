#pragma once

// PCR maps as admins write them: {index: hex} in YAML, {"PCRn": hex} in the AWS tools' JSON.

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>

#include "common/bytes.h"
#include "common/result.h"
#include "policy/platform.h"

namespace kb::policy::internal {

// One PCR value: hex of either case, with the length the platform's digest has.
Result<Bytes> ParsePcrHex(const std::string& hex, Platform platform, uint32_t index);

// kMalformedRequest when `index` is not a PCR of `platform` (PcrCount), else Ok.
Status CheckPcrIndex(Platform platform, uint32_t index);

// A YAML map {index: hex} with indices the platform has (0..15 on nitro-enclave, 0..23 on TPM
// platforms); errors name the line.
Result<std::map<uint32_t, Bytes>> ParsePcrMapYaml(const YAML::Node& node, Platform platform);

// Whether `pcrs` bind what runs on `platform`: PCR0 (the enclave image) or PCR8 (its signing
// certificate) on nitro-enclave, PCR7 (Secure Boot) or PCR12 (the kernel command line) on
// nitro-tpm; other platforms need nothing. A value of all zeros does not count: it is what an
// unmeasured register holds (PCR8 of an unsigned image), so binding it admits every image that
// left the register alone. The one exception is a zero PCR0 under `allow_debug`, a policy that
// opts into debug enclaves (which measure zeros) and is development-only.
bool BindsWhatRuns(Platform platform, const std::map<uint32_t, Bytes>& pcrs,
                   bool allow_debug = false);

// "PCR0 (the enclave image) or PCR8 (its signing certificate)" and the like, for messages.
std::string WhatMustBeBound(Platform platform);
// "; all zeros bind nothing: ..." when `pcrs` bind those PCRs only with zeros, else "".
std::string ZeroBindingNote(Platform platform, const std::map<uint32_t, Bytes>& pcrs);

}  // namespace kb::policy::internal
