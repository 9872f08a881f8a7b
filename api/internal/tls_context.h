#pragma once

// The server's TLS context: TLS 1.2/1.3, ECDHE with AEAD suites only, no renegotiation, no
// compression; optionally client certificates from an admin CA. Built at start-up and again on
// every certificate reload (SIGHUP). Internal to api/: only https_server.cc includes Asio's ssl.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/result.h"

namespace kb::api::internal {

struct TlsFiles {
  std::string certificate_file;    // PEM chain
  std::string private_key_file;    // PEM
  std::string client_ca_file;      // PEM; empty: no client certificates
  std::string xks_client_ca_file;  // PEM; trusted besides client_ca_file (xks_client_check.h)
};

// kInternal naming the file or setting that failed.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(const TlsFiles& files);

}  // namespace kb::api::internal
