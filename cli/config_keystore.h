#pragma once

// The `keystore:` section of the configuration (config.h, docs/keystores.md).

#include "cli/config.h"
#include "cli/config_fields.h"

namespace kb::cli {

Status ReadKeystore(const ConfigSection& keystore, KeystoreConfig& out);

// The type is sqlite or pkcs11; pkcs11 needs module and token_label; sqlite takes none of the
// pkcs11 settings (a half-configured token is an error, not silently the KEK file).
Status ValidateKeystore(const KeystoreConfig& keystore);

// The systemd credential the PIN comes from when pin_file is empty.
inline constexpr char kPinCredential[] = "keybroker-pkcs11-pin";

}  // namespace kb::cli
