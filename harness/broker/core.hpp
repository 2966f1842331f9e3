// Internal to the broker: the shared state (sessions, retained store, who is online) and one client
// connection. Everything here runs on the broker's single io_context thread.
#pragma once

#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/broker.hpp"
#include "broker/framer.hpp"
#include "broker/session.hpp"
#include "codec/packet.hpp"

namespace mqtt::broker {

class Connection;

// How long the variations that hold something back (a SUBACK, an UNSUBACK, forwarding, the close of a
// taken-over connection) wait: long enough that a client sees the other order every time.
inline constexpr std::chrono::milliseconds variation_hold{50};

struct Broker::Core : std::enable_shared_from_this<Broker::Core> {
  explicit Core(BrokerOptions broker_options) : options(std::move(broker_options)) {}

  bool has(Defect defect) const { return options.defects.contains(defect); }
  bool varies(Variation variation) const { return options.variations.contains(variation); }
  // The highest QoS a SUBACK grants: the configured maximum, lowered by a grant-max-qos variation.
  QoS maximum_grant() const;

  boost::asio::awaitable<void> accept_loop();
  // Serves one client connection (accepted here, or handed over by a TLS or WebSocket listener's relay).
  void serve(boost::asio::ip::tcp::socket socket);
  void shutdown();

  // Routes an application message to every matching session and updates the retained store.
  void publish(const std::shared_ptr<const Message>& message);
  // Only the retained-store half of publish (the drop-qos1-delivery defect forwards nothing but keeps this).
  void store_retained(const std::shared_ptr<const Message>& message);
  // Hands one delivery to a session: sent now when its client is online and a slot is free, queued otherwise.
  void deliver(Session& session, Delivery delivery);
  // Moves queued deliveries into flight while the session's client is online and slots are free.
  void pump(Session& session);
  // Retained messages matching a new subscription, sent with RETAIN=1 at min(message QoS, granted QoS).
  void send_retained(Session& session, const std::string& filter, QoS granted);

  Connection* online_connection(const std::string& client_id) const;
  // A fresh session under this client id, replacing any stored one.
  Session& open_session(const std::string& client_id, bool clean);

  BrokerOptions options;
  boost::asio::io_context* io_context = nullptr;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  std::uint16_t port = 0;
  bool stopping = false;
  std::map<std::string, std::unique_ptr<Session>> sessions;
  std::map<std::string, std::shared_ptr<const Message>> retained;
  std::unordered_map<std::string, Connection*> online;  // client id -> the connection that owns it now
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;
  std::uint64_t generated_client_ids = 0;
  std::uint64_t session_serials = 0;
  BrokerStatistics statistics;

 private:
  // One delivery routed on arrival and written later (puback-before-deliver).
  struct HeldForward {
    std::chrono::steady_clock::time_point due;
    std::string client_id;
    std::uint64_t session_serial = 0;
    Delivery delivery;
  };

  void route(const std::shared_ptr<const Message>& message, Session& session);
  void deliver_now(Session& session, Delivery delivery);
  void forward_due();

  std::deque<HeldForward> held_forwards_;
  std::optional<boost::asio::steady_timer> forward_timer_;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Why a connection ends; decides whether the will is published.
  enum class CloseReason : std::uint8_t { network, protocol_error, keepalive, taken_over, client_disconnect,
                                          rejected, shutdown };

  Connection(std::shared_ptr<Broker::Core> core, boost::asio::ip::tcp::socket socket);

  void start();
  void close(CloseReason reason);
  // no-takeover defect: the connection stays open but no longer owns a session.
  void orphan() { session_ = nullptr; }
  // takeover-connack-first variation: the session leaves this connection now (ending it if it was clean), the
  // connection reads nothing more and closes (publishing its will) after variation_hold.
  void hand_over();

  void send_publish(const Delivery& delivery, std::optional<std::uint16_t> packet_id, bool dup);
  void send_pubrel(std::uint16_t packet_id);

 private:
  boost::asio::awaitable<void> read_loop();
  void handle_frame(const Frame& frame);
  void handle_first_packet(const Frame& frame);
  void handle_connect(Connect connect);
  void handle_packet(Packet packet);
  void handle_publish(Publish publish);
  void handle_subscribe(const Subscribe& subscribe);
  void handle_unsubscribe(const Unsubscribe& unsubscribe);
  void reject(std::uint8_t return_code);

  void send(const Packet& packet);
  void send_bytes(Bytes bytes);
  void write_next();
  void arm_keepalive();
  // Answers a variation holds back (SUBACK, UNSUBACK): written variation_hold later, in the order held.
  void hold(Packet packet);
  void send_held_answers();

  std::shared_ptr<Broker::Core> core_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer keepalive_timer_;  // also times the close of a handed-over connection
  boost::asio::steady_timer answer_timer_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, Packet>> held_answers_;
  std::chrono::steady_clock::time_point last_activity_;
  std::chrono::milliseconds activity_limit_{0};  // connect timeout, then 1.5 x keep alive; 0 = none
  Framer framer_;
  ProtocolVersion version_ = ProtocolVersion::v3_1_1;
  bool connected_ = false;   // CONNECT accepted
  bool rejecting_ = false;   // CONNACK with an error sent: read nothing more
  bool closed_ = false;
  bool handed_over_ = false;  // taken over (takeover-connack-first): read nothing more, close soon
  bool close_after_flush_ = false;
  Session* session_ = nullptr;
  std::string client_id_;
  std::optional<Will> will_;
  std::deque<Bytes> outbox_;
  std::vector<Bytes> writing_;
  std::size_t pending_bytes_ = 0;
};

}  // namespace mqtt::broker
