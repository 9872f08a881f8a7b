// Release load generator: drives a running broker over TLS with keep-alive.
//
//   phase 0  the single-core P-384 verify rate of this machine (EVP, one thread, ~1 s), measured
//            again after phase 2; the table uses the mean
//   phase 1  N challenges and N dev-attested documents, signed ahead so that client-side
//            signing is not timed; `--instances` simulated enclaves, each with one leaf
//            certificate, share the documents (N instances: every release from a new enclave)
//   phase 2  C connections post the N releases concurrently; latency per release
//
// It reads the server's CPU time from /proc/<pid>/stat before and after phase 2, and its peak
// RSS (VmHWM), and prints one table row. Every release must answer 200: a failure fails the run.

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "bench/load_common.h"
#include "cli/dev_attest_command.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "crypto/ossl.h"
#include "dev/cert_builder.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace po = boost::program_options;
using kb::OsslPtr;
using steady = std::chrono::steady_clock;
using kb::bench::Connection;
using kb::bench::Counter;
using kb::bench::CpuSeconds;
using kb::bench::PeakRssMiB;
using kb::bench::Percentile;

double P384VerifyRate() {
  OsslPtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp384r1"));
  unsigned char digest[48] = {1};
  unsigned char sig[128];
  size_t sig_len = sizeof sig;
  OsslPtr<EVP_PKEY_CTX> sign(EVP_PKEY_CTX_new(key.get(), nullptr));
  EVP_PKEY_sign_init(sign.get());
  EVP_PKEY_sign(sign.get(), sig, &sig_len, digest, sizeof digest);
  OsslPtr<EVP_PKEY_CTX> verify(EVP_PKEY_CTX_new(key.get(), nullptr));
  EVP_PKEY_verify_init(verify.get());
  int count = 0;
  auto start = steady::now();
  while (steady::now() - start < std::chrono::seconds(1)) {
    for (int i = 0; i < 50; ++i) {
      if (EVP_PKEY_verify(verify.get(), sig, sig_len, digest, sizeof digest) != 1) std::abort();
    }
    count += 50;
  }
  return count / std::chrono::duration<double>(steady::now() - start).count();
}

// Creates ready_file, then waits (at most 300 s) until go_file exists; true at once if unset.
bool WaitForGo(const std::string& ready_file, const std::string& go_file) {
  if (go_file.empty()) return true;
  if (!ready_file.empty()) std::ofstream(ready_file) << "ready\n";
  for (int i = 0; i < 30000; ++i) {
    if (std::filesystem::exists(go_file)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("release_load");
  options.add_options()("host", po::value<std::string>()->default_value("127.0.0.1"))(
      "port", po::value<std::string>()->required())("ca", po::value<std::string>()->required())(
      "dev-ca", po::value<std::string>()->required())("key-id",
                                                      po::value<std::string>()->required())(
      "pcr", po::value<std::vector<std::string>>()->default_value({}, ""))(
      "n", po::value<int>()->default_value(2000))("c", po::value<int>()->default_value(32))(
      "instances", po::value<int>()->default_value(64))("server-pid", po::value<int>()->required())(
      "label", po::value<std::string>()->default_value("default"))(
      "ready-file", po::value<std::string>()->default_value(""))(
      "go-file", po::value<std::string>()->default_value(""));
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, options), vm);
  po::notify(vm);
  const int n = vm["n"].as<int>(), c = vm["c"].as<int>();
  const int instances = std::max(1, std::min(vm["instances"].as<int>(), n));
  const int pid = vm["server-pid"].as<int>();
  kb::SystemClock clock;

  // The VM's speed drifts by tens of percent over a minute: the verify rate is measured before
  // phase 1 and again after phase 2, and the mean is the yardstick.
  double verify_rate_before = P384VerifyRate();

  // Phase 1: challenges and documents.
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.load_verify_file(vm["ca"].as<std::string>());
  tls.set_verify_mode(asio::ssl::verify_peer);
  auto attester = kb::cli::LoadOrCreateCa(vm["dev-ca"].as<std::string>(), clock.Now());
  auto fields =
      kb::cli::DevDocumentFields("nitro-enclave", vm["pcr"].as<std::vector<std::string>>());
  if (!attester || !fields) {
    std::cerr << "release_load: development CA or PCRs unusable\n";
    return 2;
  }
  auto instance_key = kb::broker::GenerateKey(kb::broker::KeyType::kRsa2048).value();
  fields->public_key = kb::PublicKeyDer(instance_key.get()).value();
  std::vector<kb::broker::BuiltCert> leaves;
  for (int i = 0; i < instances; ++i) {
    leaves.push_back(
        std::move(attester->IssueLeaf("i-bench" + std::to_string(i), clock.Now())).value());
  }
  std::vector<std::string> bodies;
  {
    Connection conn(tls, vm["host"].as<std::string>(), vm["port"].as<std::string>());
    for (int i = 0; i < n; ++i) {
      auto [status, answer] = conn.Post("/v1/challenge", "");
      if (status != 200) {
        std::cerr << "release_load: challenge answered " << status << ": " << answer << "\n";
        return 1;
      }
      kb::broker::NitroDocument doc = *fields;
      doc.module_id = "i-bench" + std::to_string(i % instances);
      doc.nonce = kb::HexDecode(std::string(json::parse(answer).at("nonce").as_string()));
      auto signed_doc = attester->Attest(doc, leaves[size_t(i % instances)], clock.Now());
      if (!signed_doc) return 1;
      bodies.push_back(json::serialize(json::object{
          {"key_id", vm["key-id"].as<std::string>()},
          {"evidence",
           json::object{{"type", "nitro-enclave"}, {"document", kb::Base64Encode(*signed_doc)}}}}));
    }
  }

  // Several loaders against several replicas (bench/replicas.sh) start their releases together:
  // each says it is ready, then waits for the go.
  if (!WaitForGo(vm["ready-file"].as<std::string>(), vm["go-file"].as<std::string>())) {
    std::cerr << "release_load: no go file after 300 s; the driving script must create "
              << vm["go-file"].as<std::string>() << "\n";
    return 1;
  }

  // Phase 2: the releases.
  double cpu_before = kb::bench::CpuSeconds(pid);
  kb::bench::LoadResult load = kb::bench::RunLoad(
      tls, vm["host"].as<std::string>(), vm["port"].as<std::string>(), n, c,
      [&](Connection& conn, int i) { return conn.Post("/v1/release", bodies[size_t(i)]); });
  double seconds = load.seconds;
  double cpu = kb::bench::CpuSeconds(pid) - cpu_before;
  const std::vector<double>& latencies_ms = load.latencies_ms;
  if (load.failures > 0) {
    std::cerr << "release_load: " << load.failures
              << " releases failed; first: " << load.first_error << "\n";
    return 1;
  }
  double decisions_per_commit = 0;
  {
    Connection conn(tls, vm["host"].as<std::string>(), vm["port"].as<std::string>());
    auto [status, metrics] = conn.Send(http::verb::get, "/metrics", "");
    double commits = Counter(metrics, "keybroker_ledger_commits_total");
    if (status == 200 && commits > 0) {
      decisions_per_commit = Counter(metrics, "keybroker_ledger_decisions_total") / commits;
    }
  }
  double rate = n / seconds;
  double verify_rate = (verify_rate_before + P384VerifyRate()) / 2;
  std::printf("%-22s %6d %4d %9d %10.0f %8.1f %8.1f %8.1f %8.1f %11.2f %8.1f %10.0f %7.2f %11.1f\n",
              vm["label"].as<std::string>().c_str(), n, c, instances, rate,
              Percentile(latencies_ms, 0.50), Percentile(latencies_ms, 0.95),
              Percentile(latencies_ms, 0.99), Percentile(latencies_ms, 1.0), cpu / n * verify_rate,
              PeakRssMiB(pid), verify_rate, rate / verify_rate, decisions_per_commit);
  return 0;
}
