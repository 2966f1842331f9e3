#include "model/v5_packet_size.hpp"

#include <string>

#include "codec/encoder.hpp"
#include "model/property_values.hpp"

namespace mqtt::model::detail {
namespace {

// The statements that make a packet of `type` drop its Reason String and its User Properties to fit.
struct TrimmingStatements {
  const char* reason_string;
  const char* user_property;
};

std::optional<TrimmingStatements> trimming_statements(PacketType type) {
  switch (type) {
    case PacketType::connack:
      return TrimmingStatements{"MQTT-3.2.2-19", "MQTT-3.2.2-20"};
    case PacketType::puback:
      return TrimmingStatements{"MQTT-3.4.2-2", "MQTT-3.4.2-3"};
    case PacketType::pubrec:
      return TrimmingStatements{"MQTT-3.5.2-2", "MQTT-3.5.2-3"};
    case PacketType::pubrel:
      return TrimmingStatements{"MQTT-3.6.2-2", "MQTT-3.6.2-3"};
    case PacketType::pubcomp:
      return TrimmingStatements{"MQTT-3.7.2-2", "MQTT-3.7.2-3"};
    case PacketType::suback:
      return TrimmingStatements{"MQTT-3.9.2-1", "MQTT-3.9.2-2"};
    case PacketType::unsuback:
      return TrimmingStatements{"MQTT-3.11.2-1", "MQTT-3.11.2-2"};
    case PacketType::disconnect:
      return TrimmingStatements{"MQTT-3.14.2-3", "MQTT-3.14.2-4"};
    case PacketType::auth:
      return TrimmingStatements{"MQTT-3.15.2-2", "MQTT-3.15.2-3"};
    default:
      return std::nullopt;  // PUBLISH is discarded whole; PINGRESP has no properties
  }
}

}  // namespace

void check_server_packet_size(ModelState& model, const Connection& conn, const Packet& packet, const Event& event) {
  const auto limit = conn.v5.client_maximum_packet_size;
  if (!limit) return;
  const auto type = type_of(packet);
  const auto trimming = trimming_statements(type);
  // Every packet to this client is judged against the limit: a fitting one keeps the rule, whatever it carries.
  model.exercise(v5("MQTT-3.1.2-24"));
  if (type == PacketType::publish) model.exercise(v5("MQTT-3.1.2-25"));
  if (trimming) {
    model.exercise(v5(trimming->reason_string));
    model.exercise(v5(trimming->user_property));
  }
  const auto size = event.raw.empty() ? encode(packet).size() : event.raw.size();
  if (size <= *limit) return;
  const std::string what = "the server sent " + client_label(conn) + " a " + type_name(type) + " of " +
                           std::to_string(size) + " bytes, above the Maximum Packet Size of " +
                           std::to_string(*limit) + " it declared";
  const std::vector<std::uint64_t> evidence{conn.connect_sequence, event.sequence};
  if (type == PacketType::publish) {
    model.violation(v5("MQTT-3.1.2-25"), what + ": a message too large for the client is discarded, not sent",
                    evidence);
    return;
  }
  const auto* properties = properties_of(packet);
  const bool reason_string = properties != nullptr && has_property(*properties, PropertyId::reason_string);
  const bool user_property = properties != nullptr && has_property(*properties, PropertyId::user_property);
  if (trimming && reason_string) {
    model.violation(v5(trimming->reason_string), what + "; its Reason String should have been left out", evidence);
  }
  if (trimming && user_property) {
    model.violation(v5(trimming->user_property), what + "; its User Properties should have been left out", evidence);
  }
  if (!trimming || (!reason_string && !user_property)) model.violation(v5("MQTT-3.1.2-24"), what, evidence);
}

}  // namespace mqtt::model::detail
