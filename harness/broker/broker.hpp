// The embedded MQTT 5.0 / 3.1.1 / 3.1 broker: the harness's default target, and (with defects switched on) the
// proof that the checker catches real mistakes. One io_context thread serves every connection; all broker
// state lives on that thread, so nothing is locked.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/defect.hpp"
#include "broker/variation.hpp"
#include "codec/packet.hpp"

namespace boost::asio {
class io_context;
}

namespace mqtt::broker {

// What the broker declares in a 5.0 CONNACK and then holds clients to (absent from 3.1.1 connections).
struct Mqtt5Capabilities {
  bool retain_available = true;                   // false: Retain Available 0; retained PUBLISH -> DISCONNECT 0x9A
  bool wildcard_subscription_available = true;    // false: SUBSCRIBE with a wildcard -> DISCONNECT 0xA2
  bool subscription_identifier_available = true;  // false: SUBSCRIBE with an identifier -> DISCONNECT 0xA1
  bool shared_subscription_available = true;      // false: SUBSCRIBE to $share/... -> DISCONNECT 0x9E
  std::uint16_t topic_alias_maximum = 10;         // highest Topic Alias accepted from a client; 0: none
  std::uint16_t receive_maximum = 65535;          // unacknowledged QoS 2 PUBLISHes a client may have; declared below 65535
  std::optional<std::uint16_t> server_keep_alive;  // declared, and used instead of the client's keep alive
  std::optional<std::uint32_t> maximum_session_expiry_interval;  // longer requests are cut to it and told so
  // true: an empty client id gets a new one, returned as Assigned Client Identifier; false: CONNACK 0x85
  // (both permitted by 3.1.3.1, MQTT-3.1.3-6 to -8)
  bool assign_client_identifiers = true;
};

// How a listener's clients reach the broker. TLS and WebSocket end in the listener (broker/transport_listener.*);
// the protocol code behind it reads the same MQTT byte stream as on a plain listener.
enum class ListenerTransport : std::uint8_t { mqtt, mqtts, ws, wss };
std::string_view to_string(ListenerTransport transport);  // "mqtt", "mqtts", "ws", "wss"

struct Listener {
  ListenerTransport transport = ListenerTransport::mqtt;
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the system picks a free port
  std::string websocket_path = "/mqtt";  // ws, wss: the only path upgraded (the query is ignored)
};

// The server side of mqtts and wss listeners.
struct BrokerTls {
  std::string certificate_file;  // PEM, may hold the chain
  std::string key_file;
  std::optional<std::string> key_password;
  // Set: every TLS client must present a certificate signed by one of these CAs (mutual TLS).
  std::string client_ca_file;
};

struct BrokerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the system picks a free port; read it back with port()
  // When not empty, these listeners replace address:port (one plain listener); ports() lists their ports in order.
  std::vector<Listener> listeners;
  BrokerTls tls;  // needed by mqtts and wss listeners
  // ws, wss: at most this many bytes of MQTT stream per WebSocket message (0: whatever was read, so several
  // packets often share one message); a small limit splits every packet over messages, which clients must take.
  std::size_t websocket_message_limit = 0;
  DefectSet defects;
  VariationSet variations;  // legal behaviours chosen instead of the defaults (see variation.hpp)
  // SUBACK grants min(requested, maximum_qos, a grant-max-qos variation); below 2 a 5.0 CONNACK also declares it as
  // Maximum QoS and a 5.0 PUBLISH above it gets DISCONNECT 0x9B.
  QoS maximum_qos = QoS::exactly_once;
  // When set, CONNECT must carry a user name (else CONNACK 0x05) whose password matches (else 0x04).
  std::optional<std::map<std::string, std::string>> credentials;
  std::size_t session_queue_limit = 1000;      // queued messages per session; newer ones are dropped beyond it
  std::size_t in_flight_limit = 32;            // outgoing QoS 1/2 messages awaiting acknowledgement per session
  std::size_t write_buffer_limit = 4u << 20;   // bytes waiting to be written per connection; QoS 0 dropped beyond
  // Largest packet accepted: 3.1.1 clients are held to it as a remaining length (larger closes the connection), 5.0
  // clients as a whole packet size, declared in CONNACK (larger gets DISCONNECT 0x95).
  std::uint32_t maximum_packet_size = 1u << 20;
  std::chrono::milliseconds connect_timeout{10'000};  // time allowed between accept and CONNECT
  Mqtt5Capabilities mqtt5;
  std::uint64_t seed = 20261206;  // the shared-random variation's generator
};

// Counters for tests and the CLI; read on the broker's thread or after it stopped.
struct BrokerStatistics {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t sessions = 0;
  std::uint64_t retained_messages = 0;
  std::uint64_t messages_dropped = 0;  // queue or write-buffer limits reached, or too large for the client
  std::uint64_t messages_expired = 0;  // Message Expiry Interval passed before delivery started (5.0)
};

class TransportListener;  // broker/transport_listener.hpp

// Runs on a caller-owned io_context: start() binds and listens before returning (throws std::system_error when
// it cannot), the caller runs the io_context. stop() closes the listener and every connection (wills are not
// published on shutdown); call it on the io_context's thread or from any thread while it runs (it is dispatched).
class Broker {
 public:
  explicit Broker(BrokerOptions options = {});
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Also throws std::runtime_error with one line when the TLS certificate or key cannot be used.
  void start(boost::asio::io_context& io_context);
  std::uint16_t port() const;                 // the first listener's
  std::vector<std::uint16_t> ports() const;   // every listener's, in the order of BrokerOptions::listeners
  void stop();
  BrokerStatistics statistics() const;

  struct Core;

 private:
  std::shared_ptr<Core> core_;
  std::vector<std::shared_ptr<TransportListener>> transport_listeners_;
  std::vector<std::uint16_t> ports_;
};

// A broker with its own io_context and thread: construct it, read port(), connect; the destructor stops it.
class EmbeddedBroker {
 public:
  explicit EmbeddedBroker(BrokerOptions options = {});  // returns once the socket is listening
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  std::uint16_t port() const { return port_; }
  std::vector<std::uint16_t> ports() const { return broker_->ports(); }
  void stop();  // idempotent; waits for the thread
  BrokerStatistics statistics();  // thread-safe snapshot

 private:
  std::unique_ptr<boost::asio::io_context> io_context_;
  std::unique_ptr<Broker> broker_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

}  // namespace mqtt::broker
