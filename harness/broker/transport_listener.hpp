// A listener that ends TLS and/or WebSocket (mqtts, ws, wss) in front of the broker. Each accepted client is
// handshaken here and then relayed, as a plain MQTT byte stream, to the broker's ordinary connection code over a
// local socket pair, so the protocol code (connection, session, routing) is the same for every transport.
// Everything runs on the broker's io_context thread.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "broker/broker.hpp"

namespace boost::asio::ssl {
class context;
}

namespace mqtt::broker {

class TransportRelay;  // broker/transport_relay.hpp

class TransportListener : public std::enable_shared_from_this<TransportListener> {
 public:
  // Binds and listens before returning; throws std::system_error when it cannot listen, std::runtime_error (one
  // line naming the file) when the TLS certificate or key cannot be used.
  static std::shared_ptr<TransportListener> start(std::shared_ptr<Broker::Core> core, const Listener& listener);

  TransportListener(std::shared_ptr<Broker::Core> core, Listener listener);
  ~TransportListener();
  std::uint16_t port() const { return port_; }
  // Closes the listening socket and every relay still handshaking or open. Call on the io_context's thread.
  void stop();
  void forget(TransportRelay* relay) { relays_.erase(relay); }

 private:
  boost::asio::awaitable<void> accept_loop();

  std::shared_ptr<Broker::Core> core_;
  Listener listener_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
  std::unordered_map<TransportRelay*, std::weak_ptr<TransportRelay>> relays_;
};

}  // namespace mqtt::broker
