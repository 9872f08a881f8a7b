#pragma once

// The TLS certificate and key `serve` listens with: the configured pair (tls.certificate,
// tls.private_key), or in development, without one, a pair for 127.0.0.1/localhost made once in
// <data_dir>/tls. The pair and the admin client CA are checked before anything is written, so a
// key that does not match its certificate stops the start before the database is touched.

#include <string>

#include "cli/config.h"
#include "common/result.h"
#include "common/time.h"

namespace kb::cli {

struct TlsPair {
  std::string certificate;
  std::string private_key;
  bool development = false;  // the generated pair in <data_dir>/tls
};

// The files `serve` will use (the development pair whether made yet or not).
TlsPair TlsPairFor(const Config& config);

// The certificate file holds a PEM certificate, the key file a PEM private key, and the key is
// the certificate's; admin_client_ca, when set, holds a PEM certificate. A development pair not
// made yet passes (the start makes it). Errors name the setting and the file.
Status CheckTlsFiles(const Config& config);

// TlsPairFor, making the development pair first when it is missing. `log` hears that it was
// made.
Result<TlsPair> EnsureTlsFiles(const Config& config, Time now,
                               void (*log)(const std::string& line));

}  // namespace kb::cli
