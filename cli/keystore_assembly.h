#pragma once

// The configured keystore (config `keystore:`, docs/keystores.md): the KEK file and the sealed
// keystore, or a PKCS#11 token with the KEK inside it and the token keystore.

#include <memory>
#include <string>

#include "api/router.h"
#include "broker/keys/kek.h"
#include "broker/keys/keystore.h"
#include "cli/config.h"
#include "crypto/pkcs11/token.h"
#include "crypto/random.h"

namespace kb::cli {

struct OpenedKeystore {
  // Declared first: the KEK and the keystore use it, and are destroyed before it.
  std::unique_ptr<pkcs11::Token> token;
  std::unique_ptr<broker::Kek> kek;
  std::unique_ptr<broker::Keystore> keystore;
  api::KeystoreHealth health;
};

// The user PIN: from keystore.pin_file, else from the systemd credential keybroker-pkcs11-pin;
// under the KEK file's rules (owner-only, at most 256 bytes; a trailing newline is dropped).
Result<SecretBytes> ReadTokenPin(const KeystoreConfig& keystore);

// Opens what the configuration names. pkcs11: loads the module, finds the token, logs in, creates
// the KEK in the token when it has none, checks the mechanisms and probes the release wrap;
// errors name the setting ("keystore: ..."). REQUIRES: `random` outlives the keystore.
Status OpenConfiguredKeystore(const Config& config, const Random& random, OpenedKeystore& out);

}  // namespace kb::cli
