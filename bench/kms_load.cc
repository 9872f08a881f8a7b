// KMS load generator: drives a running broker's KMS-compatible API (POST / with X-Amz-Target:
// TrentService.<Operation>, SigV4 with service kms) over TLS with keep-alive, as the AWS SDK does.
//
//   phase 1  one Encrypt, whose CiphertextBlob every Decrypt reuses; N requests signed ahead,
//            alternately Encrypt and Decrypt of a 32-byte data key with an EncryptionContext,
//            so that client-side signing is not timed
//   phase 2  C connections post the N calls concurrently; latency per call
//
// It reads the server's CPU time and peak RSS from /proc/<pid> and prints one table row. Every
// call must answer 200: a failure fails the run. bench/pkcs11.sh runs it against a broker of
// each keystore and divides the rates.

#include <time.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "api/kms/sigv4.h"
#include "bench/load_common.h"
#include "common/encoding.h"

namespace {

namespace json = boost::json;
namespace po = boost::program_options;
using kb::bench::Connection;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kContentType[] = "application/x-amz-json-1.1";

struct Call {
  std::string body;
  Headers headers;
};

struct Signer {
  std::string host, id, secret, region, amz_date;

  // Signed over the SDK's headers: content-type, host, x-amz-date, x-amz-target.
  Call Sign(const std::string& operation, const std::string& body) const {
    const std::string target = "TrentService." + operation;
    Headers headers = {{"content-type", kContentType},
                       {"host", host},
                       {"x-amz-date", amz_date},
                       {"x-amz-target", target}};
    const std::string date = amz_date.substr(0, 8);
    kb::api::kms::Credential credential{
        id, date, region, "kms", {"content-type", "host", "x-amz-date", "x-amz-target"}, ""};
    std::string signature = kb::api::kms::Sign({"POST", "/", "", headers, body}, credential,
                                               kb::AsBytes(secret), amz_date);
    return {body,
            {{"content-type", kContentType},
             {"x-amz-date", amz_date},
             {"x-amz-target", target},
             {"authorization", "AWS4-HMAC-SHA256 Credential=" + id + "/" + date + "/" + region +
                                   "/kms/aws4_request, SignedHeaders=content-type;host;"
                                   "x-amz-date;x-amz-target, Signature=" +
                                   signature}}};
  }
};

// "20261129T120000Z" for now, in UTC.
std::string AmzDateNow() {
  time_t now = time(nullptr);
  struct tm utc {};
  gmtime_r(&now, &utc);
  char out[20];
  strftime(out, sizeof out, "%Y%m%dT%H%M%SZ", &utc);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("kms_load");
  options.add_options()("host", po::value<std::string>()->default_value("127.0.0.1"))(
      "port", po::value<std::string>()->required())("ca", po::value<std::string>()->required())(
      "access-key-id", po::value<std::string>()->required())("secret",
                                                             po::value<std::string>()->required())(
      "region", po::value<std::string>()->default_value("us-east-1"))(
      "key-id", po::value<std::string>()->required())("n", po::value<int>()->default_value(20000))(
      "c", po::value<int>()->default_value(32))("server-pid", po::value<int>()->required())(
      "label", po::value<std::string>()->default_value("kms"));
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, options), vm);
  po::notify(vm);
  const int n = vm["n"].as<int>(), c = vm["c"].as<int>(), pid = vm["server-pid"].as<int>();
  const std::string host = vm["host"].as<std::string>(), port = vm["port"].as<std::string>();
  const Signer signer{host, vm["access-key-id"].as<std::string>(), vm["secret"].as<std::string>(),
                      vm["region"].as<std::string>(), AmzDateNow()};

  kb::bench::asio::ssl::context tls(kb::bench::asio::ssl::context::tls_client);
  tls.load_verify_file(vm["ca"].as<std::string>());
  tls.set_verify_mode(kb::bench::asio::ssl::verify_peer);
  const json::object context{{"tenant", "bench"}};
  json::object encrypt{{"KeyId", vm["key-id"].as<std::string>()},
                       {"Plaintext", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
                       {"EncryptionContext", context}};
  const Call encrypt_call = signer.Sign("Encrypt", json::serialize(encrypt));
  std::string blob;
  {
    Connection conn(tls, host, port);
    auto [status, answer] =
        conn.Send(kb::bench::http::verb::post, "/", encrypt_call.body, encrypt_call.headers);
    if (status != 200) {
      std::cerr << "kms_load: Encrypt answered " << status << ": " << answer << "\n";
      return 1;
    }
    blob = std::string(json::parse(answer).at("CiphertextBlob").as_string());
  }
  const Call decrypt_call =
      signer.Sign("Decrypt", json::serialize(json::object{{"CiphertextBlob", blob},
                                                          {"KeyId", vm["key-id"].as<std::string>()},
                                                          {"EncryptionContext", context}}));

  double cpu_before = kb::bench::CpuSeconds(pid);
  kb::bench::LoadResult load =
      kb::bench::RunLoad(tls, host, port, n, c, [&](Connection& conn, int i) {
        const Call& call = i % 2 == 0 ? encrypt_call : decrypt_call;
        return conn.Send(kb::bench::http::verb::post, "/", call.body, call.headers);
      });
  double cpu = kb::bench::CpuSeconds(pid) - cpu_before;
  if (load.failures > 0) {
    std::cerr << "kms_load: " << load.failures << " calls failed; first: " << load.first_error
              << "\n";
    return 1;
  }
  const std::vector<double>& latencies_ms = load.latencies_ms;
  std::printf("%-22s %6d %4d %9.0f %8.1f %8.1f %8.1f %8.1f %11.1f %8.1f\n",
              vm["label"].as<std::string>().c_str(), n, c, n / load.seconds,
              kb::bench::Percentile(latencies_ms, 0.50), kb::bench::Percentile(latencies_ms, 0.95),
              kb::bench::Percentile(latencies_ms, 0.99), kb::bench::Percentile(latencies_ms, 1.0),
              cpu / n * 1e6, kb::bench::PeakRssMiB(pid));
  return 0;
}
