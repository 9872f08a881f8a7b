#pragma once

// Reading reference measurements from what admins have: our YAML, and the JSON that AWS's build
// tools print as they are.
//
//   nitro-cli build-enclave / describe-eif:
//     {"Measurements": {"HashAlgorithm": "Sha384 { ... }", "PCR0": hex, "PCR1": hex,
//                       "PCR2": hex, ["PCR8": hex]}}                    → nitro-enclave
//   nitro-tpm-pcr-compute:
//     {"Measurements": {"HashAlgorithm": "SHA384", "PCR4": hex, "PCR7": hex, "PCR12": hex}}
//                                                                        → nitro-tpm
// The platform follows from the values: PCR0 is the enclave image, which nitro-cli always
// prints and nitro-tpm-pcr-compute never does. Every result passes ValidateReference.

#include <string>
#include <string_view>

#include "common/result.h"
#include "policy/reference.h"

namespace kb::policy {

// name, platform, pcrs, source (optional). Unknown keys and bad values name their line.
Result<Reference> ParseReferenceYaml(std::string_view yaml);

// One of the two AWS JSON shapes above. `name` names the reference (the JSON has none).
Result<Reference> ParseMeasurementsJson(std::string_view json, const std::string& name,
                                        const std::string& source);

// JSON (first non-blank character '{') named `json_name`, or YAML, which names itself.
Result<Reference> ImportReference(std::string_view text, const std::string& json_name);

}  // namespace kb::policy
