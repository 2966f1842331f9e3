// Conformance cases as typed values (docs/conformance-cases.md). A case says what to do to a broker and
// which statements that exercises, never what the broker must answer. Strings keep their placeholders
// ({prefix}, {client:NAME}, ...): they are substituted per run, when the case executes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/websocket_framing.hpp"
#include "codec/packet.hpp"
#include "runner/case_applicability.hpp"
#include "runner/source_position.hpp"

namespace mqtt::runner {

enum class StepKind : std::uint8_t {
  connect,
  open,  // TCP only; a later `send` supplies a hand-made CONNECT
  subscribe,
  unsubscribe,
  publish,
  disconnect,
  drop,
  silence,
  send,
  wait,
  settle,
  note,
  pause,  // {"pause_ms": 250}: the scenario's own timeline, e.g. connections started at staggered offsets
  acknowledge,  // 5.0 and 3.1.1: answer the PUBLISH packets received and not yet acknowledged (auto_ack off)
};
std::string_view to_string(StepKind kind);

// What a `wait` step waits for on one client's connection.
enum class WaitFor : std::uint8_t { close, connack, publish, suback, unsuback, puback, pubrec, pubrel, pubcomp, pingresp, auth };
std::string_view to_string(WaitFor wait_for);

// The MQTT 5.0 properties a message carries from its publisher to its subscribers (PUBLISH and will). Unset
// members are absent from the packet. Strings keep their placeholders.
struct MessagePropertiesTemplate {
  std::optional<std::uint32_t> message_expiry;
  std::optional<std::uint8_t> payload_format;
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;  // text; "correlation_data_hex" gives bytes
  std::optional<Bytes> correlation_bytes;
  std::vector<StringPair> user_properties;  // in the order given: the order is part of what is forwarded
  bool empty() const;
};

struct WillTemplate {
  std::string topic;
  std::string payload;  // text; placeholders allowed
  QoS qos = QoS::at_most_once;
  bool retain = false;
  std::optional<std::uint32_t> delay;  // 5.0 Will Delay Interval, seconds
  MessagePropertiesTemplate properties;  // 5.0
};

struct FilterTemplate {
  std::string filter;
  QoS qos = QoS::at_most_once;
  bool no_local = false;             // 5.0 subscription options
  bool retain_as_published = false;  // 5.0
  std::uint8_t retain_handling = 0;  // 5.0: 0, 1 or 2
};

// The MQTT 5.0 CONNECT properties of a connect step; unset members are absent from the CONNECT.
struct ConnectPropertiesTemplate {
  std::optional<std::uint32_t> session_expiry;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint32_t> maximum_packet_size;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<bool> request_problem_information;
  std::optional<bool> request_response_information;
  std::optional<std::string> authentication_method;
  std::vector<StringPair> user_properties;
};

inline constexpr int default_step_timeout_ms = 3000;
inline constexpr int default_quiet_ms = 300;
inline constexpr int default_case_timeout_ms = 10000;

struct Step {
  StepKind kind = StepKind::note;
  std::string client;  // the client acted on; empty for settle and for a note without one
  SourcePosition position;
  std::string text;    // one line for reports: "publish pub topic={prefix}/a qos=1"
  int timeout_ms = default_step_timeout_ms;

  // connect
  std::optional<bool> clean_session;
  std::optional<std::uint16_t> keep_alive;
  std::optional<std::string> client_id;
  std::optional<WillTemplate> will;
  std::optional<std::string> username;
  std::optional<std::string> password;
  ConnectPropertiesTemplate connect_properties;  // 5.0

  // subscribe (filters with QoS) and unsubscribe (filters only; qos unused)
  std::vector<FilterTemplate> filters;
  std::optional<std::uint32_t> subscription_identifier;  // 5.0 subscribe

  // 5.0: user properties of a subscribe, unsubscribe or disconnect step
  std::vector<StringPair> user_properties;

  // 5.0 disconnect: the reason code sent, and a new Session Expiry Interval; acknowledge: the reason code of the
  // PUBACK or PUBREC sent
  std::uint8_t reason_code = 0;
  std::optional<std::uint32_t> session_expiry;

  // publish
  std::string topic;
  QoS qos = QoS::at_most_once;
  bool retain = false;
  std::optional<std::string> payload;  // text with placeholders
  std::optional<Bytes> payload_bytes;  // from payload_hex
  int count = 1;
  std::optional<std::uint16_t> topic_alias;  // 5.0; with an empty topic the PUBLISH uses an established alias
  MessagePropertiesTemplate message_properties;  // 5.0
  // Send even when the target's CONNACK declared limits this PUBLISH breaks (Maximum QoS, Retain Available,
  // Topic Alias Maximum, Maximum Packet Size): the case is about how the broker polices them.
  bool beyond_limits = false;

  // send: a packet in the history's JSON format (strings may hold placeholders) or exact bytes
  std::optional<nlohmann::json> packet;
  std::optional<Bytes> bytes;
  // send over ws:// or wss:// (the case applies_when websocket_transport): how the bytes are framed
  std::optional<client::WebSocketFraming> websocket_frames;

  // wait
  WaitFor wait_for = WaitFor::close;

  // settle
  int quiet_ms = default_quiet_ms;
  bool barrier = true;  // ping every accepted, open, non-silent connection first (see case_execution)

  // note
  std::string note;

  // pause: how long the case lets time pass (the broker is still served and recorded meanwhile)
  int pause_ms = 0;
};

struct ClientDefaults {
  std::optional<bool> clean_session;
  std::optional<std::uint16_t> keep_alive;
  bool auto_ack = true;
  ConnectPropertiesTemplate connect_properties;  // 5.0: applied to every connect of the client
};

// Whether hand-made CONNECT bytes (`send` steps) get the target's user name and password (docs/conformance-cases.md).
enum class CredentialPolicy : std::uint8_t {
  target,      // inserted when the target has credentials, so a broker requiring them judges what the case tests
  as_written,  // sent exactly as written: the case is about credentials or the user name and password flags
};

struct Case {
  std::string id;
  std::string title;
  std::string section;
  std::vector<std::string> statements;
  ProtocolVersion mqtt = ProtocolVersion::v3_1_1;
  std::vector<std::string> requires_declarations;  // "requires": profile declarations the case needs
  // "applies_when": the capability the broker must show in the run's history for the case to apply; without it
  // the case is skipped as not applicable (runner/case_applicability.hpp)
  std::optional<BrokerCapability> applies_when;
  int timeout_ms = default_case_timeout_ms;
  CredentialPolicy credentials = CredentialPolicy::target;
  std::map<std::string, ClientDefaults> clients;  // defaults from "clients"
  std::vector<Step> steps;
  std::string file;         // where it was read from, for messages
  SourcePosition position;     // of the case object
  SourcePosition id_position;  // of its "id" key, for duplicate-id errors
  std::vector<std::string> client_names() const;  // every client a step names, in first-use order
};

// The profile declarations a case may require (see docs/conformance-cases.md).
std::span<const std::string_view> known_requirements();

}  // namespace mqtt::runner
