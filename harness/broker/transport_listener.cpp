#include "broker/transport_listener.hpp"

#include <fstream>
#include <stdexcept>

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "broker/core.hpp"
#include "broker/transport_relay.hpp"

namespace mqtt::broker {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

std::string_view to_string(ListenerTransport transport) {
  switch (transport) {
    case ListenerTransport::mqtt: return "mqtt";
    case ListenerTransport::mqtts: return "mqtts";
    case ListenerTransport::ws: return "ws";
    case ListenerTransport::wss: return "wss";
  }
  return "mqtt";
}

namespace {

bool uses_tls(ListenerTransport transport) {
  return transport == ListenerTransport::mqtts || transport == ListenerTransport::wss;
}

void require_readable(const std::string& what, const std::string& file) {
  if (file.empty()) throw std::runtime_error(what + " is needed for mqtts and wss listeners");
  if (!std::ifstream(file)) throw std::runtime_error(what + " " + file + ": cannot read it");
}

// The server context of the broker's TLS listeners: TLS 1.2 and 1.3, the certificate and key, and, with a client
// CA, the demand for a client certificate signed by it.
std::shared_ptr<asio::ssl::context> server_context(const BrokerTls& tls) {
  require_readable("--cert", tls.certificate_file);
  require_readable("--key", tls.key_file);
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_mode(context->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  error_code error;
  context->use_certificate_chain_file(tls.certificate_file, error);
  if (error) throw std::runtime_error("--cert " + tls.certificate_file + ": no usable certificate in it (" + error.message() + ")");
  const std::string password = tls.key_password.value_or("");
  context->set_password_callback([password](std::size_t, asio::ssl::context::password_purpose) { return password; });
  context->use_private_key_file(tls.key_file, asio::ssl::context::pem, error);
  if (error) throw std::runtime_error("--key " + tls.key_file + ": cannot load it (" + error.message() + ")");
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    throw std::runtime_error("--key " + tls.key_file + ": it is not the key of --cert " + tls.certificate_file);
  }
  if (!tls.client_ca_file.empty()) {
    require_readable("--client-ca", tls.client_ca_file);
    context->load_verify_file(tls.client_ca_file, error);
    if (error) throw std::runtime_error("--client-ca " + tls.client_ca_file + ": no usable certificate in it (" + error.message() + ")");
    context->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    SSL_CTX_set_client_CA_list(context->native_handle(), SSL_load_client_CA_file(tls.client_ca_file.c_str()));
  }
  return context;
}

}  // namespace

std::shared_ptr<TransportListener> TransportListener::start(std::shared_ptr<Broker::Core> core,
                                                            const Listener& listener) {
  auto started = std::make_shared<TransportListener>(std::move(core), listener);
  asio::co_spawn(*started->core_->io_context, [started] { return started->accept_loop(); }, asio::detached);
  return started;
}

TransportListener::TransportListener(std::shared_ptr<Broker::Core> core, Listener listener)
    : core_(std::move(core)), listener_(std::move(listener)), acceptor_(*core_->io_context) {
  if (uses_tls(listener_.transport)) tls_ = server_context(core_->options.tls);
  const tcp::endpoint endpoint(asio::ip::make_address(listener_.address), listener_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
}

TransportListener::~TransportListener() = default;

asio::awaitable<void> TransportListener::accept_loop() {
  auto self = shared_from_this();
  RelaySettings settings;
  settings.transport = listener_.transport;
  settings.websocket_path = listener_.websocket_path;
  settings.websocket_message_limit = core_->options.websocket_message_limit;
  settings.handshake_deadline = core_->options.connect_timeout;
  while (!stopped_) {
    error_code error;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, error));
    if (stopped_ || core_->stopping) co_return;
    if (error) {
      if (error == asio::error::operation_aborted) co_return;
      // Out of descriptors or similar: back off briefly rather than spin.
      asio::steady_timer pause(*core_->io_context, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
      continue;
    }
    auto relay = start_relay(core_, std::move(socket), settings, tls_.get(), weak_from_this());
    if (relay) relays_.emplace(relay.get(), relay);
  }
}

void TransportListener::stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  auto relays = std::move(relays_);
  relays_.clear();
  for (auto& [pointer, weak] : relays) {
    if (auto relay = weak.lock()) relay->abort();
  }
}

}  // namespace mqtt::broker
