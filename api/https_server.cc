#include "api/https_server.h"

#include <algorithm>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <thread>
#include <vector>

#include "api/internal/session.h"
#include "api/internal/tls_context.h"
#include "api/internal/xks_client_check.h"

namespace kb::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr std::chrono::milliseconds kShutdownPoll{20};

}  // namespace

struct HttpsServer::Impl {
  Impl(const ServerOptions& o, Services& s, const Clock& c, std::shared_ptr<asio::ssl::context> t)
      : options(o),
        tls(std::move(t)),
        context{options, s, c, registry, stopping},
        io(o.threads),
        acceptor(asio::make_strand(io)),
        signals(io, SIGINT, SIGTERM, SIGHUP),
        shutdown_timer(io),
        handlers(size_t(std::max(1, o.handler_threads))),
        api_handlers(size_t(std::max(1, o.api_handler_threads))) {
    context.handlers = &handlers;
    context.api_handlers = &api_handlers;
  }

  void Log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  std::shared_ptr<asio::ssl::context> CurrentTls() {
    std::lock_guard lock(tls_mu);
    return tls;
  }

  void Accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || stopping) return;
      if (!ec) {
        if (registry.size() >= size_t(options.max_connections)) {
          socket.close(ec);  // over the limit: refused before any TLS work
          if (context.services.metrics != nullptr)
            context.services.metrics->RecordRefusedConnection();
        } else {
          std::make_shared<internal::Session>(std::move(socket), CurrentTls(), context)->Start();
        }
      }
      Accept();
    });
  }

  void WaitForSignal() {
    signals.async_wait([this](beast::error_code ec, int signal) {
      if (ec) return;
      if (signal != SIGHUP) return asio::post(acceptor.get_executor(), [this] { BeginShutdown(); });
      auto reloaded = Reload();
      Log(reloaded ? "SIGHUP: TLS certificate and key reloaded"
                   : "SIGHUP: reload failed, keeping the current certificate: " +
                         reloaded.error().message);
      WaitForSignal();
    });
  }

  Status Reload() {
    auto fresh =
        internal::MakeServerTlsContext({options.certificate_file, options.private_key_file,
                                        options.client_ca_file, options.xks_client_ca_file});
    if (!fresh) return std::move(fresh).error();
    std::lock_guard lock(tls_mu);
    tls = std::move(*fresh);
    return Ok();
  }

  // Runs on the acceptor's strand: stop accepting, tell every session, then wait until they have
  // ended or shutdown_timeout has passed.
  void BeginShutdown() {
    if (stopping.exchange(true)) return;
    Log("stopping: " + std::to_string(registry.size()) + " open connection(s)");
    beast::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    registry.StopAll();
    polls_left = int(options.shutdown_timeout / kShutdownPoll);
    PollShutdown();
  }

  void PollShutdown() {
    if (registry.size() == 0 || polls_left-- <= 0) {
      if (registry.size() > 0) {
        Log("stopping: " + std::to_string(registry.size()) + " connection(s) cut at the deadline");
      }
      return io.stop();
    }
    shutdown_timer.expires_after(kShutdownPoll);
    shutdown_timer.async_wait([this](beast::error_code ec) {
      if (!ec) PollShutdown();
    });
  }

  // Declared before `io`: sessions still queued in `io` when it is destroyed refer to these.
  ServerOptions options;
  std::mutex tls_mu;
  std::shared_ptr<asio::ssl::context> tls;
  internal::SessionRegistry registry;
  std::atomic<bool> stopping{false};
  internal::SessionContext context;
  int polls_left = 0;
  uint16_t port = 0;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer shutdown_timer;
  // After `io`: destroyed first, while the sessions its queued jobs hold can still close.
  asio::thread_pool handlers;
  asio::thread_pool api_handlers;
};

Result<std::unique_ptr<HttpsServer>> HttpsServer::Create(const ServerOptions& options,
                                                         Services& services, const Clock& clock) {
  auto tls = internal::MakeServerTlsContext({options.certificate_file, options.private_key_file,
                                             options.client_ca_file, options.xks_client_ca_file});
  if (!tls) return std::move(tls).error();
  std::shared_ptr<const internal::XksClientCheck> xks_client;
  if (!options.xks_client_ca_file.empty()) {
    auto check =
        internal::XksClientCheck::Load(options.xks_client_ca_file, options.xks_client_subject);
    if (!check) return std::move(check).error();
    xks_client = std::move(*check);
  }
  auto impl = std::make_unique<Impl>(options, services, clock, std::move(*tls));
  impl->context.xks_client = std::move(xks_client);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return Error{ErrorCode::kInternal, "listen address: " + ec.message()};
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{ErrorCode::kInternal, "listen on " + options.address + ": " + ec.message()};
  impl->port = impl->acceptor.local_endpoint().port();
  return std::make_unique<HttpsServer>(PrivateTag{}, std::move(impl));
}

HttpsServer::HttpsServer(PrivateTag, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsServer::~HttpsServer() = default;

uint16_t HttpsServer::port() const { return impl_->port; }

size_t HttpsServer::connections() const { return impl_->registry.size(); }

void HttpsServer::Run() {
  impl_->WaitForSignal();
  impl_->Accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->options.threads; ++i)
    threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& t : threads) t.join();
  impl_->handlers.join();  // requests still being answered finish (their answers go nowhere)
  impl_->api_handlers.join();
}

void HttpsServer::Stop() {
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] { impl->BeginShutdown(); });
}

Status HttpsServer::ReloadCertificates() { return impl_->Reload(); }

}  // namespace kb::api
