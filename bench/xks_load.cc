// XKS load generator: drives a running broker's XKS proxy API over TLS with keep-alive, as AWS
// KMS does (SigV4 over host and x-amz-date, service kms-xks-proxy).
//
//   phase 0  the single-core rate of a bare AES-256-GCM seal of 32 bytes plus one HMAC-SHA-256
//            (what one call costs at the least: its crypto and its signature), measured again
//            after phase 2; the table uses the mean
//   phase 1  one Encrypt, whose answer every Decrypt reuses; N requests signed ahead, alternately
//            Encrypt and Decrypt of a 32-byte data key, so that client-side signing is not timed
//   phase 2  C connections post the N calls concurrently; latency per call
//
// It reads the server's CPU time and peak RSS from /proc/<pid> and prints one table row. Every
// call must answer 200: a failure fails the run.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "api/kms/sigv4.h"
#include "bench/load_common.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "crypto/aes_gcm.h"

namespace {

namespace json = boost::json;
namespace po = boost::program_options;
using kb::bench::Connection;
using Headers = std::vector<std::pair<std::string, std::string>>;
using steady = std::chrono::steady_clock;

struct Call {
  std::string target, body;
  Headers headers;
};

// AES-256-GCM of a 32-byte data key with a short AAD, and one HMAC-SHA-256 over a request's
// worth of bytes, per second on one core.
double BareCryptoRate() {
  uint8_t key[32] = {7}, nonce[12] = {1}, plaintext[32] = {2}, out[48];
  const std::string request(400, 'r');
  unsigned char mac[32];
  unsigned int mac_len = 0;
  int count = 0;
  auto start = steady::now();
  while (steady::now() - start < std::chrono::seconds(1)) {
    for (int i = 0; i < 100; ++i) {
      nonce[0] = uint8_t(i);
      if (!kb::AesGcmSeal(key, nonce, kb::AsBytes("aad"), plaintext, out)) std::abort();
      HMAC(EVP_sha256(), key, sizeof key, reinterpret_cast<const uint8_t*>(request.data()),
           request.size(), mac, &mac_len);
    }
    count += 100;
  }
  return count / std::chrono::duration<double>(steady::now() - start).count();
}

// "20261129T120000Z" for now.
std::string AmzDate(const kb::Clock& clock) {
  std::string t = kb::FormatRfc3339(clock.Now());  // 2026-11-29T12:00:00.000Z
  return t.substr(0, 4) + t.substr(5, 2) + t.substr(8, 2) + "T" + t.substr(11, 2) +
         t.substr(14, 2) + t.substr(17, 2) + "Z";
}

Call Signed(const std::string& host, const std::string& target, const std::string& body,
            const std::string& id, const std::string& secret, const std::string& region,
            const std::string& amz_date) {
  Headers headers = {{"host", host}, {"x-amz-date", amz_date}};
  kb::api::kms::Credential credential{
      id, amz_date.substr(0, 8), region, "kms-xks-proxy", {"host", "x-amz-date"}, ""};
  std::string signature = kb::api::kms::Sign({"POST", target, "", headers, body}, credential,
                                             kb::AsBytes(secret), amz_date);
  return {target,
          body,
          {{"x-amz-date", amz_date},
           {"authorization", "AWS4-HMAC-SHA256 Credential=" + id + "/" + amz_date.substr(0, 8) +
                                 "/" + region +
                                 "/kms-xks-proxy/aws4_request, SignedHeaders=host;x-amz-date, "
                                 "Signature=" +
                                 signature}}};
}

std::string Metadata(int i, const char* operation) {
  return R"("requestMetadata": {"kmsRequestId": "bench-)" + std::to_string(i) +
         R"(", "kmsOperation": ")" + operation +
         R"(", "awsPrincipalArn": "arn:aws:iam::111122223333:role/bench", )"
         R"("kmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/bench"})";
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("xks_load");
  options.add_options()("host", po::value<std::string>()->default_value("127.0.0.1"))(
      "port", po::value<std::string>()->required())("ca", po::value<std::string>()->required())(
      "access-key-id", po::value<std::string>()->required())("secret",
                                                             po::value<std::string>()->required())(
      "region", po::value<std::string>()->default_value("us-east-1"))(
      "base", po::value<std::string>()->required())("key-id", po::value<std::string>()->required())(
      "n", po::value<int>()->default_value(20000))("c", po::value<int>()->default_value(32))(
      "server-pid", po::value<int>()->required())("label",
                                                  po::value<std::string>()->default_value("xks"));
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, options), vm);
  po::notify(vm);
  const int n = vm["n"].as<int>(), c = vm["c"].as<int>(), pid = vm["server-pid"].as<int>();
  const std::string host = vm["host"].as<std::string>(), port = vm["port"].as<std::string>();
  const std::string id = vm["access-key-id"].as<std::string>(),
                    secret = vm["secret"].as<std::string>(),
                    region = vm["region"].as<std::string>();
  const std::string keys = vm["base"].as<std::string>() + "/keys/" + vm["key-id"].as<std::string>();
  kb::SystemClock clock;
  double bare_before = BareCryptoRate();

  kb::bench::asio::ssl::context tls(kb::bench::asio::ssl::context::tls_client);
  tls.load_verify_file(vm["ca"].as<std::string>());
  tls.set_verify_mode(kb::bench::asio::ssl::verify_peer);
  const std::string amz_date = AmzDate(clock);
  const std::string encrypt_fields =
      R"(, "plaintext": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", )"
      R"("encryptionAlgorithm": "AES_GCM", "additionalAuthenticatedData": "YnVja2V0PWI=", )"
      R"("ciphertextDataIntegrityValueAlgorithm": "SHA_256"})";
  json::object sealed;
  {
    Connection conn(tls, host, port);
    Call first = Signed(host, keys + "/encrypt", "{" + Metadata(0, "Encrypt") + encrypt_fields, id,
                        secret, region, amz_date);
    auto [status, answer] =
        conn.Send(kb::bench::http::verb::post, first.target, first.body, first.headers);
    if (status != 200) {
      std::cerr << "xks_load: encrypt answered " << status << ": " << answer << "\n";
      return 1;
    }
    sealed = json::parse(answer).as_object();
  }
  std::vector<Call> calls;
  for (int i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      calls.push_back(Signed(host, keys + "/encrypt", "{" + Metadata(i, "Encrypt") + encrypt_fields,
                             id, secret, region, amz_date));
      continue;
    }
    json::object body = json::parse("{" + Metadata(i, "Decrypt") + "}").as_object();
    body["encryptionAlgorithm"] = "AES_GCM";
    body["additionalAuthenticatedData"] = "YnVja2V0PWI=";
    for (const char* f :
         {"ciphertext", "initializationVector", "authenticationTag", "ciphertextMetadata"}) {
      body[f] = sealed.at(f);
    }
    calls.push_back(
        Signed(host, keys + "/decrypt", json::serialize(body), id, secret, region, amz_date));
  }

  double cpu_before = kb::bench::CpuSeconds(pid);
  kb::bench::LoadResult load =
      kb::bench::RunLoad(tls, host, port, n, c, [&](Connection& conn, int i) {
        return conn.Send(kb::bench::http::verb::post, calls[size_t(i)].target,
                         calls[size_t(i)].body, calls[size_t(i)].headers);
      });
  double seconds = load.seconds;
  double cpu = kb::bench::CpuSeconds(pid) - cpu_before;
  const std::vector<double>& latencies_ms = load.latencies_ms;
  if (load.failures > 0) {
    std::cerr << "xks_load: " << load.failures << " calls failed; first: " << load.first_error
              << "\n";
    return 1;
  }
  double per_commit = 0;
  {
    Connection conn(tls, host, port);
    auto [status, metrics] = conn.Send(kb::bench::http::verb::get, "/metrics", "");
    double commits = kb::bench::Counter(metrics, "keybroker_ledger_commits_total");
    if (status == 200 && commits > 0) {
      per_commit = kb::bench::Counter(metrics, "keybroker_ledger_decisions_total") / commits;
    }
  }
  double rate = n / seconds;
  double bare = (bare_before + BareCryptoRate()) / 2;
  std::printf("%-22s %6d %4d %9.0f %8.1f %8.1f %8.1f %8.1f %9.1f %8.1f %10.0f %7.3f %11.1f\n",
              vm["label"].as<std::string>().c_str(), n, c, rate,
              kb::bench::Percentile(latencies_ms, 0.50), kb::bench::Percentile(latencies_ms, 0.95),
              kb::bench::Percentile(latencies_ms, 0.99), kb::bench::Percentile(latencies_ms, 1.0),
              cpu / n * 1e6, kb::bench::PeakRssMiB(pid), bare, rate / bare, per_commit);
  return 0;
}
