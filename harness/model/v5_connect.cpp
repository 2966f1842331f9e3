#include "model/v5_connect.hpp"

#include "model/property_values.hpp"
#include "model/v5_auth.hpp"

namespace mqtt::model::detail {
namespace {

// An accepted CONNECT with a will binds the server to the capabilities it declares in the same CONNACK: a will
// above its Maximum QoS [MQTT-3.2.2-12], or with Will Retain 1 when it has no retained messages [MQTT-3.2.2-13],
// had to be refused. A QoS 0 will cannot exceed any Maximum QoS, so it exercises nothing.
void check_will_against_capabilities(ModelState& model, const Connection& conn,
                                     const std::vector<std::uint64_t>& evidence) {
  const auto& will = conn.connect.will;
  if (!will) return;
  const auto& declared = conn.v5;
  if (will->qos != QoS::at_most_once) {
    model.exercise(v5("MQTT-3.2.2-12"));
    if (level_of(will->qos) > declared.maximum_qos) {
      model.violation(v5("MQTT-3.2.2-12"),
                      "the server accepted " + client_label(conn) + " whose will has QoS " +
                          std::to_string(level_of(will->qos)) + ", above the Maximum QoS " +
                          std::to_string(declared.maximum_qos) + " its CONNACK declares",
                      evidence);
    }
  }
  if (will->retain) {
    model.exercise(v5("MQTT-3.2.2-13"));
    if (!declared.retain_available) {
      model.violation(v5("MQTT-3.2.2-13"),
                      "the server accepted " + client_label(conn) +
                          " whose will has Will Retain 1, although its CONNACK declares Retain Available 0",
                      evidence);
    }
  }
}

}  // namespace

void read_v5_connect(Connection& conn, const Connect& connect) {
  auto& declared = conn.v5;
  const auto& properties = connect.properties;
  declared.session_expiry = integer_property(properties, PropertyId::session_expiry_interval).value_or(0);
  declared.client_receive_maximum =
      static_cast<std::uint16_t>(integer_property(properties, PropertyId::receive_maximum).value_or(65535));
  declared.client_maximum_packet_size = integer_property(properties, PropertyId::maximum_packet_size);
  declared.client_topic_alias_maximum =
      static_cast<std::uint16_t>(integer_property(properties, PropertyId::topic_alias_maximum).value_or(0));
  declared.request_response_information =
      integer_property(properties, PropertyId::request_response_information).value_or(0) == 1;
  declared.request_problem_information =
      integer_property(properties, PropertyId::request_problem_information).value_or(1) == 1;
  declared.authentication_method = has_property(properties, PropertyId::authentication_method);
  if (connect.will) {
    declared.will_delay = integer_property(connect.will->properties, PropertyId::will_delay_interval).value_or(0);
  }
}

std::string on_v5_connack(ModelState& model, Connection& conn, const Connack& connack, const Event& event) {
  auto& declared = conn.v5;
  const auto& properties = connack.properties;
  const std::vector<std::uint64_t> evidence{conn.connect_sequence, event.sequence};
  // A Session Expiry Interval in CONNACK is the one the server uses instead of the client's.
  if (const auto expiry = integer_property(properties, PropertyId::session_expiry_interval)) {
    declared.session_expiry = *expiry;
  }
  declared.maximum_qos = static_cast<std::uint8_t>(integer_property(properties, PropertyId::maximum_qos).value_or(2));
  declared.retain_available = integer_property(properties, PropertyId::retain_available).value_or(1) == 1;
  declared.server_topic_alias_maximum =
      static_cast<std::uint16_t>(integer_property(properties, PropertyId::topic_alias_maximum).value_or(0));
  check_will_against_capabilities(model, conn, evidence);
  model.exercise(v5("MQTT-3.2.2-22"));
  if (const auto server_keep_alive = integer_property(properties, PropertyId::server_keep_alive)) {
    conn.keep_alive = static_cast<std::uint16_t>(*server_keep_alive);
  }
  model.exercise(v5("MQTT-3.1.2-28"));
  if (!declared.request_response_information && has_property(properties, PropertyId::response_information)) {
    model.violation(v5("MQTT-3.1.2-28"),
                    "CONNACK for " + client_label(conn) +
                        " carries Response Information although the CONNECT did not request it",
                    evidence);
  }
  judge_authentication_connack(model, conn, connack, event);
  model.exercise(v5("MQTT-4.12.0-6"));
  if (!declared.authentication_method && has_property(properties, PropertyId::authentication_method)) {
    model.violation(v5("MQTT-4.12.0-6"),
                    "CONNACK for " + client_label(conn) +
                        " carries an Authentication Method although the CONNECT named none",
                    evidence);
  }
  if (!conn.connect.client_id.empty()) return conn.connect.client_id;
  model.exercise(v5("MQTT-3.2.2-16"));
  model.exercise(v5("MQTT-3.1.3-7"));
  if (const auto* assigned = string_property(properties, PropertyId::assigned_client_identifier)) {
    // The id is the server's own making and unique: no session the history shows alive uses it.
    model.exercise(v5("MQTT-3.1.3-6"));
    const auto session = model.sessions.find(*assigned);
    if (session != model.sessions.end() && session->second.generation_alive && session->second.connection != 0) {
      model.violation(v5("MQTT-3.1.3-6"),
                      "the server assigned " + client_label(conn) + " the client id " + quoted(*assigned) +
                          ", which the live session of connection " +
                          std::to_string(session->second.connection) + " already uses",
                      {model.connections[session->second.connection].connack_sequence, event.sequence});
      // Judged as its own session: the duplicate id is this fault, not a takeover of the other client.
      return "\x01generated:" + std::to_string(conn.id);
    }
    return *assigned;
  }
  model.violation(v5("MQTT-3.2.2-16"),
                  "the server accepted the empty client id of connection " + std::to_string(conn.id) +
                      " without an Assigned Client Identifier in its CONNACK",
                  evidence);
  return "\x01generated:" + std::to_string(conn.id);
}

bool will_refusal_invited(ModelState& model, const Connection& conn, std::uint8_t code) {
  const auto& will = conn.connect.will;
  if (conn.version != ProtocolVersion::v5 || !will) return false;
  if (code == 0x9B && will->qos != QoS::at_most_once) {
    model.exercise(v5("MQTT-3.2.2-12"));
    return true;
  }
  if (code == 0x9A && will->retain) {
    model.exercise(v5("MQTT-3.2.2-13"));
    return true;
  }
  return false;
}

std::uint8_t identifier_rejected_code(ProtocolVersion version) {
  return version == ProtocolVersion::v5 ? 0x85 : 0x02;
}

bool credentials_refusal_code(ProtocolVersion version, std::uint8_t code) {
  if (version == ProtocolVersion::v5) return code == 0x86 || code == 0x87 || code == 0x8C;
  return code == 4 || code == 5;
}

}  // namespace mqtt::model::detail
