// Internal to the broker: the shared state (sessions, retained store, shared subscriptions, who is online) and one
// client connection. Everything here runs on the broker's single io_context thread.
//
// Where each concern lives: broker.cpp (listener, start and stop), delivery.cpp (routing, retained store, queues,
// flow control), session_lifetime.cpp (session expiry, will delay, ending a session, shared-subscription hand-over),
// connection.cpp (reading, framing, writing, closing), connect_handling.cpp (CONNECT, CONNACK, takeover, resume),
// publish_handling.cpp (PUBLISH both ways and its acknowledgements), subscribe_handling.cpp (SUBSCRIBE and
// UNSUBSCRIBE), mqtt5_session_settings.cpp (what a 5.0 CONNECT asks for and what the CONNACK answers).
#pragma once

#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/broker.hpp"
#include "broker/framer.hpp"
#include "broker/mqtt5_session_settings.hpp"
#include "broker/problem_information.hpp"
#include "broker/session.hpp"
#include "broker/shared_subscriptions.hpp"
#include "codec/packet.hpp"

namespace mqtt::broker {

class Connection;

// How long the variations that hold something back (a SUBACK, an UNSUBACK, forwarding, the close of a
// taken-over connection) wait: long enough that a client sees the other order every time.
inline constexpr std::chrono::milliseconds variation_hold{50};

// How long a connection that the server ends with a DISCONNECT waits for that packet to be written before the
// socket closes anyway (a client that reads nothing must not keep it open).
inline constexpr std::chrono::milliseconds disconnect_linger{1000};

struct Broker::Core : std::enable_shared_from_this<Broker::Core> {
  explicit Core(BrokerOptions broker_options)
      : options(std::move(broker_options)), shared(options.seed) {}

  bool has(Defect defect) const { return options.defects.contains(defect); }
  bool varies(Variation variation) const { return options.variations.contains(variation); }
  // The highest QoS a SUBACK grants: the configured maximum, lowered by a grant-max-qos variation, and for 5.0
  // connections by the Maximum QoS the CONNACK declared.
  QoS maximum_grant(ProtocolVersion version = ProtocolVersion::v3_1_1) const;
  // The Maximum QoS a 5.0 CONNACK declares (2: none declared).
  QoS declared_maximum_qos() const;
  // Retain Available as declared in a 5.0 CONNACK and enforced on PUBLISH (the will-retain defect declares 0).
  bool declares_retain_available() const;
  // The Receive Maximum a 5.0 CONNACK declares (65535: none declared).
  std::uint16_t declared_receive_maximum() const;
  // A 5.0 Session Expiry Interval after the server's cap (maximum_session_expiry_interval, session-expiry-capped).
  std::uint32_t capped_session_expiry(std::uint32_t requested) const;

  boost::asio::awaitable<void> accept_loop();
  // Serves one client connection (accepted here, or handed over by a TLS or WebSocket listener's relay).
  void serve(boost::asio::ip::tcp::socket socket);
  void shutdown();

  // ---- delivery.cpp
  // Routes an application message to every matching session (and one member of each matching shared
  // subscription) and updates the retained store. Returns whether any subscription matched.
  bool publish(const std::shared_ptr<const Message>& message);
  // Gives one shared-subscription delivery to a member of its group other than `from_client_id` (online members
  // first), at that member's grant; nothing when there is none.
  void hand_to_another_member(const std::string& from_client_id, Delivery delivery);
  // Whether any subscription (shared or not) matches the topic.
  bool has_subscriber(const std::string& topic) const;
  // Only the retained-store half of publish (the drop-qos1-delivery defect forwards nothing but keeps this).
  void store_retained(const std::shared_ptr<const Message>& message);
  // Hands one delivery to a session: sent now when its client is online, the flow allows and a slot is free;
  // queued otherwise.
  void deliver(Session& session, Delivery delivery);
  // Re-sends what waits from an earlier connection, then moves queued deliveries into flight, while the session's
  // client is online and the in-flight limit and the client's Receive Maximum allow.
  void pump(Session& session);
  // Retained messages matching a new subscription, sent with RETAIN=1 at min(message QoS, granted QoS).
  void send_retained(Session& session, const std::string& filter, const SubscriptionOptions& options);

  // ---- session_lifetime.cpp
  // The session's connection closed: it ends now (expiry 0) or waits for its Session Expiry Interval; QoS 1
  // messages of shared subscriptions move to another member unless shared-redispatch-on-session-end.
  void session_went_offline(Session& session, ProtocolVersion version);
  // A client resumed the session: its expiry and any pending will are cancelled [MQTT-3.1.3-9].
  void session_resumed(Session& session);
  // Ends a session: publishes its pending will, leaves its shared subscriptions (their QoS 1 messages go to
  // another member) and forgets it.
  void end_session(const std::string& client_id);
  // Publishes a will now; its Message Expiry Interval starts here.
  void publish_will(const std::shared_ptr<Message>& will);
  // Keeps the will until its Will Delay Interval passes or the session ends, whichever comes first.
  void delay_will(Session& session, std::shared_ptr<Message> will, std::uint32_t delay_seconds);
  // Runs `action` on the broker's thread at `when` (unless the broker is stopping by then).
  void at(Clock::time_point when, std::function<void()> action);

  Connection* online_connection(const std::string& client_id) const;
  // A fresh session under this client id, replacing any stored one.
  Session& open_session(const std::string& client_id, std::uint32_t expiry_interval);
  // A client identifier no session or connection uses, for a client that sent an empty one.
  std::string assign_client_identifier(ProtocolVersion version);
  SharedDistribution shared_distribution() const;

  BrokerOptions options;
  boost::asio::io_context* io_context = nullptr;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  std::uint16_t port = 0;
  bool stopping = false;
  std::map<std::string, std::unique_ptr<Session>> sessions;
  std::map<std::string, std::shared_ptr<const Message>> retained;
  SharedSubscriptions shared;
  std::unordered_map<std::string, Connection*> online;  // client id -> the connection that owns it now
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;
  std::uint64_t generated_client_ids = 0;
  std::uint64_t session_serials = 0;
  BrokerStatistics statistics;

 private:
  // One delivery routed on arrival and written later (puback-before-deliver).
  struct HeldForward {
    Clock::time_point due;
    std::string client_id;
    std::uint64_t session_serial = 0;
    Delivery delivery;
  };

  bool route(const std::shared_ptr<const Message>& message, Session& session);  // false: nothing matched
  void route_shared(const std::shared_ptr<const Message>& message, const std::string& shared_filter);
  void hand_to(Session& session, Delivery delivery);  // deliver now, or later under puback-before-deliver
  void deliver_now(Session& session, Delivery delivery);
  void forward_due();
  // Moves a session's shared-subscription messages to other members (QoS 1; QoS 2 only by a defect).
  void redispatch_shared(Session& session, bool session_ending);

  std::deque<HeldForward> held_forwards_;
  std::optional<boost::asio::steady_timer> forward_timer_;
  // Timers set by at(), cancelled on shutdown so that stopping never waits for a session expiry or a will delay.
  std::map<std::uint64_t, std::shared_ptr<boost::asio::steady_timer>> timers_;
  std::uint64_t timer_serials_ = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Why a connection ends; decides whether the will is published.
  enum class CloseReason : std::uint8_t { network, protocol_error, keepalive, taken_over, client_disconnect,
                                          rejected, shutdown };

  Connection(std::shared_ptr<Broker::Core> core, boost::asio::ip::tcp::socket socket);

  void start();
  void close(CloseReason reason);
  // 5.0: sends DISCONNECT with this reason code, then closes; 3.1.1 and 3.1 have no server DISCONNECT and just
  // close. Either way the MQTT life of the connection ends now.
  void disconnect(std::uint8_t reason_code, CloseReason reason);
  // no-takeover defect: the connection stays open but no longer owns a session.
  void orphan() { session_ = nullptr; }
  // takeover-connack-first variation: the session leaves this connection now (ending it if it does not outlive
  // its connection), the connection reads nothing more and closes (publishing its will) after variation_hold.
  // `resumed`: the new connection continues the session, so a delayed will is discarded [MQTT-3.1.3-9].
  void hand_over(bool resumed);

  ProtocolVersion version() const { return version_; }
  bool is_v5() const { return version_ == ProtocolVersion::v5; }
  // Flow control: a QoS 1/2 PUBLISH may go out now without exceeding the client's Receive Maximum [MQTT-3.3.4-9].
  bool has_send_quota() const;
  // A PUBLISH of this delivery fits the client's Maximum Packet Size [MQTT-3.1.2-24].
  bool fits(const Delivery& delivery) const;
  void send_publish(const Delivery& delivery, std::optional<std::uint16_t> packet_id, bool dup);
  void send_pubrel(std::uint16_t packet_id);

 private:
  boost::asio::awaitable<void> read_loop();
  void handle_frame(const Frame& frame);
  void handle_framing_error(const FramingError& error);
  void handle_packet(Packet packet);

  // connect_handling.cpp
  void handle_first_packet(const Frame& frame);
  void handle_connect(Connect connect);
  // Checks a 5.0 CONNECT against the capabilities; refuses it (and returns false) when it asks for more.
  bool admit_v5(const Connect& connect);
  bool check_credentials(const Connect& connect);
  void take_over_from(Connection& older, bool resumes);
  void open_or_resume_session(const Connect& connect, std::uint32_t expiry, bool& session_present);
  void resume_in_flight();
  void reject(std::uint8_t return_code);

  // enhanced_authentication.cpp: the broker's own Authentication Method (docs/broker.md)
  // Starts the exchange for a CONNECT naming our method (the CONNECT waits in pending_connect_); false otherwise.
  bool begin_authentication(Connect& connect);
  // A packet while the exchange of the CONNECT is under way: only the client's AUTH is expected.
  void handle_authentication_frame(const Frame& frame);
  // AUTH on an accepted connection: re-authentication, or a protocol error.
  void handle_auth(const Auth& auth);
  std::string declared_authentication_method() const;
  // refused-publications-acted-on defect: a PUBLISH read after a refused CONNECT is routed all the same.
  void route_after_refusal(const Frame& frame);

  // publish_handling.cpp
  void handle_publish(Publish publish);
  bool resolve_topic_alias(Publish& publish);  // false: the connection was ended
  // A 5.0 PUBACK or PUBREC of 0x80 or above: true when a defect keeps the refused message (nothing else to do).
  bool refusal_kept_by_defect(std::uint16_t packet_id);
  void handle_puback(const Puback& puback);
  void handle_pubrec(const Pubrec& pubrec);
  void handle_pubrel(const Pubrel& pubrel);
  void handle_pubcomp(const Pubcomp& pubcomp);
  // PUBACK, PUBREC, PUBREL or PUBCOMP with a reason code (5.0), in the short form unless long-form-acknowledgements.
  void send_acknowledgement(PacketType type, std::uint16_t packet_id, std::uint8_t reason_code);
  Publish build_publish(const Delivery& delivery, std::optional<std::uint16_t> packet_id, bool dup) const;
  void handle_disconnect(const Disconnect& disconnect);

  // subscribe_handling.cpp
  void handle_subscribe(const Subscribe& subscribe);
  void handle_unsubscribe(const Unsubscribe& unsubscribe);
  // Properties of SUBACK and UNSUBACK: the problem information for `codes` (reason-string-unrequested: a Reason
  // String whatever the client asked for).
  Properties acknowledgement_properties(std::span<const std::uint8_t> codes) const;
  // 5.0: a Reason String when `codes` report more than plain success, where the client's Request Problem
  // Information allows it (always on CONNACK and DISCONNECT [MQTT-3.1.2-29]); send() trims it to size.
  void add_problem_information(Properties& properties, PacketType type, std::span<const std::uint8_t> codes) const;
  // What the Maximum Packet Size trimming defects keep.
  TrimmingFaults trimming_faults() const;
  TrimmingFaults authentication_trimming_faults() const;
  // The server's AUTH 0x18 asking for the client's answer, explained where the client allows it.
  Auth authentication_challenge() const;

  void send(const Packet& packet);
  void send_bytes(Bytes bytes);
  void write_next();
  void close_socket();
  void arm_keepalive();
  // Answers a variation holds back (SUBACK, UNSUBACK): written variation_hold later, in the order held.
  void hold(Packet packet);
  void send_held_answers();

  std::shared_ptr<Broker::Core> core_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer keepalive_timer_;  // also times the close of a handed-over or disconnected connection
  boost::asio::steady_timer answer_timer_;
  std::deque<std::pair<Clock::time_point, Packet>> held_answers_;
  Clock::time_point last_activity_;
  std::chrono::milliseconds activity_limit_{0};  // connect timeout, then 1.5 x keep alive; 0 = none
  Framer framer_;
  ProtocolVersion version_ = ProtocolVersion::v3_1_1;
  bool connected_ = false;   // CONNECT accepted
  bool rejecting_ = false;   // CONNACK with an error sent: read nothing more
  bool closed_ = false;      // the MQTT life of the connection is over: nothing more is read or sent
  bool socket_closed_ = false;
  bool linger_ = false;      // closed_, but a final DISCONNECT is still being written
  bool handed_over_ = false;  // taken over (takeover-connack-first): read nothing more, close soon
  bool close_after_flush_ = false;
  Session* session_ = nullptr;
  std::string client_id_;
  std::optional<Will> will_;
  std::deque<Bytes> outbox_;
  std::vector<Bytes> writing_;
  std::size_t pending_bytes_ = 0;

  // MQTT 5.0, for this network connection only
  ClientSettings client_;                 // what the CONNECT asked for
  std::uint32_t connect_session_expiry_ = 0;  // the Session Expiry Interval in force after CONNECT
  std::map<std::uint16_t, std::string> inbound_aliases_;  // the client's Topic Aliases [MQTT-3.3.2-7]
  std::unordered_map<std::string, std::uint16_t> outbound_aliases_;  // ours (assign-topic-aliases)
  std::uint16_t outbound_alias_limit_ = 0;
  std::set<std::uint16_t> unacknowledged_publishes_;  // QoS 1/2 PUBLISH sent here, no PUBACK/PUBCOMP yet
  std::set<std::uint16_t> incoming_qos2_;             // QoS 2 received here, no PUBREL yet (our Receive Maximum)
  // The ids of the last QoS 1 exchange we acknowledged and the last QoS 2 exchange we completed here: only the
  // reused-qos1-id-dropped / reused-qos2-id-dropped defects read them.
  std::optional<std::uint16_t> last_acknowledged_qos1_id_;
  std::optional<std::uint16_t> last_completed_qos2_id_;
  // Enhanced authentication: the CONNECT waiting for the client's answer, whether the method was agreed, and
  // whether a re-authentication awaits the client's answer.
  std::optional<Connect> pending_connect_;
  bool authenticated_ = false;
  bool reauthenticating_ = false;
  bool reading_after_refusal_ = false;  // the refused-publications-acted-on defect
};

}  // namespace mqtt::broker
