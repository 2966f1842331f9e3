#include "model/v5_auth.hpp"

#include "model/policing.hpp"
#include "model/property_values.hpp"

namespace mqtt::model::detail {

namespace {

constexpr std::uint8_t continue_authentication = 0x18;
constexpr std::uint8_t reauthenticate = 0x19;

const std::string* connect_method(const Connection& conn) {
  return string_property(conn.connect.properties, PropertyId::authentication_method);
}

std::string named(const std::string* method) { return method == nullptr ? "none" : quoted(*method); }

std::string hex_byte(std::uint8_t value) {
  constexpr std::string_view digits = "0123456789ABCDEF";
  return std::string("0x") + digits[value >> 4] + digits[value & 0x0F];
}

}  // namespace

void judge_server_auth(ModelState& model, Connection& conn, const Auth& auth, const Event& event) {
  const auto* method = connect_method(conn);
  if (method == nullptr) return;  // no method named: MQTT-4.12.0-6 (v5_disconnect.cpp)
  // Decoded, so its reason code is one of AUTH's (the codec names MQTT-3.15.2-1 for any other).
  model.exercise(v5("MQTT-3.15.2-1"));
  conn.v5.server_auth_sequence = event.sequence;
  const std::vector<std::uint64_t> evidence{conn.connect_sequence, event.sequence};
  model.exercise(v5("MQTT-4.12.0-5"));
  const auto* carried = string_property(auth.properties, PropertyId::authentication_method);
  if (carried == nullptr || *carried != *method) {
    model.violation(v5("MQTT-4.12.0-5"),
                    "the server's AUTH to " + client_label(conn) + " names Authentication Method " + named(carried) +
                        ", not " + quoted(*method) + " of the CONNECT",
                    evidence);
  }
  if (auth.reason_code == 0x00) conn.v5.reauthentication_sequence = 0;  // re-authentication succeeded
  // Before the CONNACK an AUTH can only ask for more data: 0x00 would be success without a CONNACK, and 0x19 is
  // the client's to start re-authentication.
  if (conn.connack_seen) return;
  model.exercise(v5("MQTT-4.12.0-2"));
  if (auth.reason_code != continue_authentication) {
    model.violation(v5("MQTT-4.12.0-2"),
                    "the server's AUTH to " + client_label(conn) + " before the CONNACK has reason code " +
                        hex_byte(auth.reason_code) + ", not 0x18 (Continue authentication)",
                    evidence);
  }
}

void note_client_auth(Connection& conn, const Auth& auth, const Event& event) {
  if (conn.connack_seen && auth.reason_code == reauthenticate) conn.v5.reauthentication_sequence = event.sequence;
}

void judge_reauthentication_disconnect(ModelState& model, Connection& conn) {
  if (conn.v5.reauthentication_sequence == 0) return;
  model.exercise(v5("MQTT-4.12.1-2"));
  conn.v5.reauthentication_failed = true;
}

void judge_authentication_connack(ModelState& model, const Connection& conn, const Connack& connack,
                                  const Event& event) {
  const auto* method = connect_method(conn);
  if (method == nullptr) return;
  const std::vector<std::uint64_t> evidence{conn.connect_sequence, event.sequence};
  const auto* carried = string_property(connack.properties, PropertyId::authentication_method);
  if (conn.v5.server_auth_sequence != 0 || carried != nullptr) {
    // The server took the method up: its successful CONNACK names it too.
    model.exercise(v5("MQTT-4.12.0-5"));
    if (carried == nullptr || *carried != *method) {
      model.violation(v5("MQTT-4.12.0-5"),
                      "the successful CONNACK for " + client_label(conn) + " names Authentication Method " +
                          named(carried) + ", not " + quoted(*method) + " of the CONNECT",
                      evidence);
    }
    return;
  }
  // Neither an AUTH nor the method in the CONNACK: the server went on without the method, which it may only do by
  // refusing the CONNECT and closing.
  model.exercise(v5("MQTT-4.12.0-1"));
  model.violation(v5("MQTT-4.12.0-1"),
                  "the server accepted " + client_label(conn) + " whose CONNECT named Authentication Method " +
                      quoted(*method) + " without taking the method up (no AUTH, no method in the CONNACK)",
                  evidence);
}

bool authentication_refusal_invited(const Connection& conn) {
  return conn.version == ProtocolVersion::v5 && connect_method(conn) != nullptr;
}

void judge_authentication_refusal(ModelState& model, const Connection& conn, CloseDuty& duty) {
  if (connect_method(conn) == nullptr) return;
  if (conn.v5.server_auth_sequence == 0) {
    // Any refusal code is allowed (0x8C and 0x87 are suggested); the close is the refusal's own duty.
    model.exercise(v5("MQTT-4.12.0-1"));
    return;
  }
  // A refusal at a step of the exchange: the close it owes is this rule's.
  model.exercise(v5("MQTT-4.12.0-4"));
  judged_also(duty, {duty.finding.statement});
  duty.finding.statement = v5("MQTT-4.12.0-4");
  std::erase(duty.judged_with, v5("MQTT-4.12.0-4"));
}

}  // namespace mqtt::model::detail
