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

#include "codec/packet.hpp"
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
};
std::string_view to_string(StepKind kind);

// What a `wait` step waits for on one client's connection.
enum class WaitFor : std::uint8_t { close, connack, publish, suback, unsuback, puback, pubrec, pubrel, pubcomp, pingresp };
std::string_view to_string(WaitFor wait_for);

struct WillTemplate {
  std::string topic;
  std::string payload;  // text; placeholders allowed
  QoS qos = QoS::at_most_once;
  bool retain = false;
};

struct FilterTemplate {
  std::string filter;
  QoS qos = QoS::at_most_once;
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

  // subscribe (filters with QoS) and unsubscribe (filters only; qos unused)
  std::vector<FilterTemplate> filters;

  // publish
  std::string topic;
  QoS qos = QoS::at_most_once;
  bool retain = false;
  std::optional<std::string> payload;  // text with placeholders
  std::optional<Bytes> payload_bytes;  // from payload_hex
  int count = 1;

  // send: a packet in the history's JSON format (strings may hold placeholders) or exact bytes
  std::optional<nlohmann::json> packet;
  std::optional<Bytes> bytes;

  // wait
  WaitFor wait_for = WaitFor::close;

  // settle
  int quiet_ms = default_quiet_ms;

  // note
  std::string note;
};

struct ClientDefaults {
  std::optional<bool> clean_session;
  std::optional<std::uint16_t> keep_alive;
  bool auto_ack = true;
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
