// One client of a TLS or WebSocket listener: its handshakes (TLS, then the HTTP upgrade with the mqtt subprotocol),
// then a relay that copies MQTT bytes between the client's stream and one end of a local socket pair whose other
// end the broker serves like any plain connection. An end on either side is passed on to the other: the client's
// close (close_notify, WebSocket close frame, FIN, reset) reaches the broker as the end of its stream, and the
// broker's close reaches the client as a WebSocket close frame or a TLS close_notify followed by FIN.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "broker/broker.hpp"

namespace boost::asio::ssl {
class context;
}

namespace mqtt::broker {

class TransportListener;

class TransportRelay {
 public:
  virtual ~TransportRelay() = default;
  virtual void abort() = 0;  // ends both sides now (the broker's stop)
};

struct RelaySettings {
  ListenerTransport transport = ListenerTransport::mqtts;
  std::string websocket_path = "/mqtt";
  std::size_t websocket_message_limit = 0;  // BrokerOptions::websocket_message_limit
  std::chrono::milliseconds handshake_deadline{10'000};
};

// Handshakes with `client` and relays it to the broker; the relay keeps itself alive while it runs. `tls` must be
// set for mqtts and wss. The listener is told when the relay ends (forget) unless it is gone.
std::shared_ptr<TransportRelay> start_relay(std::shared_ptr<Broker::Core> core, boost::asio::ip::tcp::socket client,
                                            const RelaySettings& settings, boost::asio::ssl::context* tls,
                                            std::weak_ptr<TransportListener> listener);

}  // namespace mqtt::broker
