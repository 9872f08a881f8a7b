#include "cli/config_keystore.h"

namespace kb::cli {
namespace {

Error Bad(const std::string& message) {
  return Error{ErrorCode::kMalformedRequest, "keystore." + message};
}

}  // namespace

Status ReadKeystore(const ConfigSection& keystore, KeystoreConfig& out) {
  if (auto s = keystore.CheckKeys(
          {"type", "module", "token_label", "pin_file", "require_in_token_wrap", "sessions"});
      !s) {
    return s;
  }
  std::string require;
  for (Status s :
       {keystore.String("type", out.type), keystore.String("module", out.module),
        keystore.String("token_label", out.token_label), keystore.String("pin_file", out.pin_file),
        keystore.String("require_in_token_wrap", require),
        keystore.Int("sessions", out.sessions)}) {
    if (!s) return s;
  }
  if (!require.empty() && require != "true" && require != "false") {
    return keystore.ErrorAt("require_in_token_wrap",
                            "expected true or false, got '" + require + "'");
  }
  out.require_in_token_wrap = require == "true";
  return Ok();
}

Status ValidateKeystore(const KeystoreConfig& keystore) {
  if (keystore.type == "sqlite") {
    if (!keystore.module.empty() || !keystore.token_label.empty() || !keystore.pin_file.empty() ||
        keystore.require_in_token_wrap || keystore.sessions != 0) {
      return Bad(
          "module, token_label, pin_file, require_in_token_wrap and sessions are for "
          "type pkcs11");
    }
    return Ok();
  }
  if (keystore.type != "pkcs11") return Bad("type must be sqlite or pkcs11");
  if (keystore.module.empty() || keystore.module[0] != '/') {
    // Absolute: a bare name would go through dlopen's search path (LD_LIBRARY_PATH, …).
    return Bad("module must be the absolute path of the PKCS#11 module file");
  }
  if (keystore.token_label.empty() || keystore.token_label.size() > 32) {
    return Bad("token_label must be the token's label (1 to 32 characters)");
  }
  if (keystore.sessions < 0 || keystore.sessions > 1024) return Bad("sessions must be 0..1024");
  return Ok();
}

}  // namespace kb::cli
