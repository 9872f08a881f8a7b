#pragma once

// What the load generators share (release_load.cc, xks_load.cc): a keep-alive TLS connection
// that verifies the server, and the server's CPU time, peak RSS and counters.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kb::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// One TLS connection with keep-alive, verifying the server against a CA file.
class Connection {
 public:
  Connection(asio::ssl::context& tls, const std::string& host, const std::string& port)
      : host_(host), stream_(io_, tls) {
    asio::ip::tcp::resolver resolver(io_);
    beast::get_lowest_layer(stream_).connect(resolver.resolve(host, port));
    stream_.set_verify_callback(asio::ssl::host_name_verification(host));
    stream_.handshake(asio::ssl::stream_base::client);
  }
  std::pair<int, std::string> Post(const std::string& target, const std::string& body) {
    return Send(http::verb::post, target, body);
  }
  // `headers` besides Host and Content-Type (a SigV4 signature's).
  std::pair<int, std::string> Send(
      http::verb method, const std::string& target, const std::string& body,
      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> req(method, target, 11);
    req.set(http::field::host, host_);
    req.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    return {res.result_int(), std::move(res.body())};
  }

 private:
  asio::io_context io_;
  std::string host_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

// The value of an unlabelled counter in a Prometheus text exposition; 0 if absent.
inline double Counter(const std::string& exposition, const std::string& name) {
  size_t at = exposition.find("\n" + name + " ");
  return at == std::string::npos ? 0 : std::stod(exposition.substr(at + name.size() + 2));
}

// utime + stime of `pid`, in seconds.
inline double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

// VmHWM of `pid` in MiB.
inline double PeakRssMiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

inline double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

// What C connections posting N requests concurrently measured.
struct LoadResult {
  std::vector<double> latencies_ms;  // per request
  double seconds = 0;
  int failures = 0;  // answers other than 200, and connections that failed
  std::string first_error;
};

// C threads, each with its own connection, send requests 0..N-1 between them:
// `send(connection, i)` returns the status and body of request i.
template <typename Send>
LoadResult RunLoad(asio::ssl::context& tls, const std::string& host, const std::string& port, int n,
                   int c, const Send& send) {
  LoadResult out;
  out.latencies_ms.resize(static_cast<size_t>(n));
  std::atomic<int> next{0}, failures{0};
  std::mutex error_mu;
  auto failed = [&](std::string what) {
    ++failures;
    std::lock_guard<std::mutex> lock(error_mu);
    if (out.first_error.empty()) out.first_error = std::move(what);
  };
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < c; ++t) {
    threads.emplace_back([&] {
      try {
        Connection conn(tls, host, port);
        for (int i; (i = next.fetch_add(1)) < n;) {
          auto t0 = std::chrono::steady_clock::now();
          auto [status, answer] = send(conn, i);
          out.latencies_ms[size_t(i)] =
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                  .count();
          if (status != 200) failed(std::to_string(status) + " " + answer);
        }
      } catch (const std::exception& e) {
        failed(e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.failures = failures;
  return out;
}

}  // namespace kb::bench
