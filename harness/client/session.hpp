// A well-behaved MQTT client on top of a raw Connection: connects, acknowledges what the server sends,
// numbers its packets, keeps the connection alive, and can be told to go silent. Blocking façade over
// AsyncSession (see client/connection.hpp for the concurrency model); no Boost.Asio here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "client/connection.hpp"
#include "client/server_limits.hpp"

namespace mqtt::client {

struct SessionOptions {
  // Answer incoming QoS 1 PUBLISH with PUBACK, QoS 2 PUBLISH with PUBREC and PUBREL with PUBCOMP.
  bool auto_acknowledge = true;
  // Send PINGREQ when nothing was sent for the CONNECT's keep-alive seconds (never when keep_alive is 0).
  bool keep_alive_pings = true;
  // Silence: no automatic sending at all (no acknowledgements, no pings), whatever the two switches say.
  bool silent = false;
};

// Result of a request that awaits the server's answer (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PUBLISH).
struct RequestResult {
  WaitOutcome outcome = WaitOutcome::timeout;  // packet = the flow completed and `reply` holds the last answer
  std::optional<Packet> reply;                 // CONNACK, SUBACK, UNSUBACK, PUBACK or PUBCOMP (none for QoS 0)
  std::optional<history::CloseReason> close_reason;
  std::uint16_t packet_id = 0;  // id used (0 for CONNECT and QoS 0)
  std::optional<DecodeError> decode_error;  // closed because the broker's bytes did not decode
  // On a timeout: an answer of the awaited type that carried another packet id (so it answered nothing).
  std::optional<Packet> unmatched;
  // Not sent at all: it would break a limit the target declared in its CONNACK (client/server_limits.hpp).
  std::optional<std::string> withheld;
  bool ok() const { return outcome == WaitOutcome::packet && !withheld; }
};

// Why a request failed, naming what arrived instead of the answer: "SUBACK for packet id 7 while 3 was
// awaited", "the broker sent malformed bytes and the connection closed (byte 3, CONNACK: return code 6 is
// reserved (0-5))", "the connection closed (reset) before a CONNACK", "no CONNACK within 5 s". "" when it
// succeeded.
std::string failure_text(const RequestResult& result, PacketType awaited, Duration deadline);

// Copies share the same underlying session.
class Session {
 public:
  // Opens the connection (records open/open_failed); does not send CONNECT yet.
  static std::variant<Session, std::string> open(EventLoop& loop, Recorder& recorder, const TargetUrl& target,
                                                 OpenOptions open_options = {}, SessionOptions options = {});

  Connection& connection() { return connection_; }  // raw access: waits, raw sends, close, abort
  std::uint32_t id() const { return connection_.id(); }

  // Sends `connect` and waits for CONNACK. Username and password from the target URL are filled in when the
  // packet has none. Keep-alive pings follow connect.keep_alive.
  RequestResult connect(Connect connect, Duration deadline);
  // QoS 0: completes once written. QoS 1: awaits PUBACK. QoS 2: awaits PUBREC, sends PUBREL, awaits PUBCOMP.
  // A packet id is allocated when `publish.packet_id` is unset and QoS > 0.
  RequestResult publish(Publish publish, Duration deadline);
  RequestResult subscribe(std::vector<Subscription> subscriptions, Duration deadline, Properties properties = {});
  RequestResult unsubscribe(std::vector<std::string> filters, Duration deadline, Properties properties = {});
  // Sends DISCONNECT (reason code and properties for 5.0) and closes gracefully.
  void disconnect(std::uint8_t reason_code = 0, Properties properties = {});
  // Answers the PUBLISH and PUBREL packets left unanswered while automatic acknowledgement was off: PUBACK or
  // PUBREC with `reason_code` (5.0), PUBCOMP for PUBREL. Returns how many packets it sent.
  std::size_t acknowledge(std::uint8_t reason_code = 0);
  // MQTT 5.0: whether requests are checked against the limits the target's CONNACK declared (default on).
  void set_honour_limits(bool enabled);
  const ServerLimits& server_limits() const;

  // Next PUBLISH received from the server (taken from the connection's queue), or close, or deadline.
  WaitResult next_publish(Duration deadline);

  void set_silent(bool silent);
  void set_auto_acknowledge(bool enabled);
  void set_keep_alive_pings(bool enabled);
  SessionOptions options() const;

  std::shared_ptr<AsyncSession> async() const { return session_; }

 private:
  Session(EventLoop& loop, Connection connection, std::shared_ptr<AsyncSession> session);
  EventLoop* loop_;
  Connection connection_;
  std::shared_ptr<AsyncSession> session_;
};

}  // namespace mqtt::client
