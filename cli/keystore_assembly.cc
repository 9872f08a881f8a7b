#include "cli/keystore_assembly.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "api/https_server.h"
#include "broker/keys/sealed_keystore.h"
#include "broker/keys/token_key.h"
#include "broker/keys/token_keystore.h"
#include "cli/config_keystore.h"
#include "cli/kek_file.h"

namespace kb::cli {
namespace {

constexpr size_t kMaxPin = 256;

// The token's losses and returns, in the broker's log (as serve writes it).
void LogLine(const std::string& line) { std::cerr << "keybroker: " << line << std::endl; }

Error InKeystore(const Error& error) { return Error{error.code, "keystore: " + error.message}; }

// One session for each thread that may use the token at once.
size_t SessionCount(const Config& config) {
  if (config.keystore.sessions > 0) return size_t(config.keystore.sessions);
  int workers =
      config.workers > 0 ? config.workers : int(std::max(1u, std::thread::hardware_concurrency()));
  return size_t(workers + api::ServerOptions().api_handler_threads);
}

Status OpenSealed(const Config& config, const Random& random, OpenedKeystore& out) {
  auto kek = LoadKekFile(config.kek_file);
  if (!kek) return Error{kek.error().code, "kek_file: " + kek.error().message};
  out.kek = std::make_unique<broker::Kek>(std::move(*kek));
  out.keystore = std::make_unique<broker::SealedKeystore>(*out.kek, random);
  out.health = {"sqlite", "", ""};
  return Ok();
}

}  // namespace

Result<SecretBytes> ReadTokenPin(const KeystoreConfig& keystore) {
  std::string path = keystore.pin_file;
  if (path.empty()) {
    const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
    if (credentials == nullptr || *credentials == '\0') {
      return Error{ErrorCode::kInternal,
                   "keystore.pin_file is empty and there is no systemd credential " +
                       std::string(kPinCredential) +
                       " ($CREDENTIALS_DIRECTORY is unset): set pin_file to a file of mode 0600 "
                       "holding the token's user PIN"};
    }
    path = std::string(credentials) + "/" + kPinCredential;
  }
  auto pin = ReadSecretFile(path, "the PIN file", kMaxPin);
  if (!pin) return InKeystore(pin.error());
  size_t size = pin->size();
  while (size > 0 && (pin->span()[size - 1] == '\n' || pin->span()[size - 1] == '\r')) --size;
  pin->Truncate(size);
  if (pin->empty()) return Error{ErrorCode::kInternal, "keystore: " + path + ": the PIN is empty"};
  return pin;
}

Status OpenConfiguredKeystore(const Config& config, const Random& random, OpenedKeystore& out) {
  if (config.keystore.type != "pkcs11") return OpenSealed(config, random, out);
  auto pin = ReadTokenPin(config.keystore);
  if (!pin) return std::move(pin).error();
  auto token = pkcs11::Token::Open({config.keystore.module, config.keystore.token_label,
                                    std::move(*pin), SessionCount(config), LogLine});
  if (!token) return InKeystore(token.error());
  out.token = std::move(*token);
  if (config.keystore.require_in_token_wrap) {  // refused before anything is made in the token
    return Error{ErrorCode::kInternal,
                 "keystore.require_in_token_wrap: release keys would be "
                 "wrapped in " +
                     broker::TokenKeystore::ReleaseWrap(*out.token)};
  }
  auto kek = broker::OpenTokenKek(*out.token, /*create=*/true);
  if (!kek) return InKeystore(kek.error());
  out.kek = std::make_unique<broker::Kek>(std::move(*kek));
  auto keystore = broker::TokenKeystore::Open(*out.token, *out.kek, random);
  if (!keystore) return InKeystore(keystore.error());
  std::string release_wrap = (*keystore)->release_wrap();
  out.health = {"pkcs11", out.token->label() + " (" + out.token->description() + ")", release_wrap};
  out.keystore = std::move(*keystore);
  return Ok();
}

}  // namespace kb::cli
