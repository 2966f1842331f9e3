#include "model/v5_flow.hpp"

#include <string>

#include "codec/encoder.hpp"
#include "model/policing.hpp"
#include "model/property_values.hpp"
#include "model/v5_packet_size.hpp"

namespace mqtt::model::detail {

bool may_exceed_client_maximum(const ModelState& model, const Connection& conn, std::size_t message) {
  const auto limit = conn.v5.client_maximum_packet_size;
  if (conn.version != ProtocolVersion::v5 || !limit) return false;
  // What a server may add to the publisher's bytes: the topic again (the publisher used an alias), a longer
  // remaining-length field, a packet id, its own topic alias, subscription identifiers, a message expiry.
  constexpr std::size_t server_additions = 64;
  const auto& published = model.messages[message];
  return published.published_size + published.topic.size() + server_additions > *limit;
}

void check_v5_server_packet(ModelState& model, Connection& conn, const Packet& packet, const Event& event) {
  const auto type = type_of(packet);
  if (conn.v5.server_disconnected) {
    model.violation(v5("MQTT-3.14.4-1"),
                    "the server sent " + type_name(type) + " to " + client_label(conn) +
                        " after its own DISCONNECT",
                    {conn.v5.server_disconnect_sequence, event.sequence});
  }
  check_server_packet_size(model, conn, packet, event);  // model/v5_packet_size.cpp
  if (!conn.v5.request_problem_information && type != PacketType::publish && type != PacketType::connack &&
      type != PacketType::disconnect) {
    model.exercise(v5("MQTT-3.1.2-29"));
    const auto* properties = properties_of(packet);
    if (properties != nullptr && (has_property(*properties, PropertyId::reason_string) ||
                                  has_property(*properties, PropertyId::user_property))) {
      model.violation(v5("MQTT-3.1.2-29"),
                      "the server sent " + client_label(conn) + " a " + type_name(type) +
                          " with a Reason String or User Property although its CONNECT set Request Problem "
                          "Information 0",
                      {conn.connect_sequence, event.sequence});
    }
  }
}

std::optional<Publish> resolve_server_alias(ModelState& model, Connection& conn, const Publish& publish,
                                            const Event& event) {
  const auto alias = integer_property(publish.properties, PropertyId::topic_alias);
  model.exercise(v5(conn.v5.client_topic_alias_maximum == 0 ? "MQTT-3.1.2-27" : "MQTT-3.1.2-26"));
  if (!alias) return publish;
  const auto maximum = conn.v5.client_topic_alias_maximum;
  if (*alias > maximum) {
    model.violation(v5(maximum == 0 ? "MQTT-3.1.2-27" : "MQTT-3.1.2-26"),
                    "the server sent " + client_label(conn) + " topic alias " + std::to_string(*alias) +
                        (maximum == 0 ? " although its CONNECT allowed no topic alias"
                                      : " above the Topic Alias Maximum of " + std::to_string(maximum) +
                                            " it declared"),
                    {conn.connect_sequence, event.sequence});
  }
  auto resolved = publish;
  const auto key = static_cast<std::uint16_t>(*alias);
  if (!publish.topic.empty()) {
    conn.v5.server_aliases[key] = publish.topic;
    return resolved;
  }
  const auto known = conn.v5.server_aliases.find(key);
  if (known == conn.v5.server_aliases.end()) return std::nullopt;
  resolved.topic = known->second;
  return resolved;
}

void check_receive_maximum(ModelState& model, const Connection& conn, const Publish& publish, const Event& event) {
  if (publish.qos == QoS::at_most_once) return;
  model.exercise(v5("MQTT-3.3.4-9"));
  // Every QoS 1/2 PUBLISH in flight uses one unit of the quota until PUBACK, PUBCOMP or a PUBREC of 0x80 or above.
  const auto in_flight = conn.server_flights.size();
  if (in_flight <= conn.v5.client_receive_maximum) return;
  std::vector<std::uint64_t> evidence{conn.connect_sequence, event.sequence};
  model.violation(v5("MQTT-3.3.4-9"),
                  "the server had " + std::to_string(in_flight) + " unacknowledged QoS 1/2 PUBLISH packets to " +
                      client_label(conn) + ", above the Receive Maximum of " +
                      std::to_string(conn.v5.client_receive_maximum) + " it declared",
                  evidence);
}

std::optional<Publish> admit_client_publish(ModelState& model, Connection& conn, const Publish& publish,
                                            const Event& event) {
  if (level_of(publish.qos) > conn.v5.maximum_qos) {
    client_violation(model, conn, event, v5("MQTT-3.2.2-11"),
                     "it published at QoS " + std::to_string(level_of(publish.qos)) +
                         " above the Maximum QoS " + std::to_string(conn.v5.maximum_qos) + " of the CONNACK");
    return std::nullopt;
  }
  if (publish.retain && !conn.v5.retain_available) {
    client_violation(model, conn, event, v5("MQTT-3.2.2-14"),
                     "it published with RETAIN 1 although the CONNACK said Retain Available 0");
    return std::nullopt;
  }
  const auto alias = integer_property(publish.properties, PropertyId::topic_alias);
  if (!alias) return publish;
  const auto maximum = conn.v5.server_topic_alias_maximum;
  if (maximum == 0 || *alias > maximum) {
    client_violation(model, conn, event, v5(maximum == 0 ? "MQTT-3.2.2-18" : "MQTT-3.3.2-9"),
                     "it used topic alias " + std::to_string(*alias) +
                         (maximum == 0 ? " although the CONNACK allowed none"
                                       : " above the Topic Alias Maximum " + std::to_string(maximum)));
    return std::nullopt;
  }
  const auto key = static_cast<std::uint16_t>(*alias);
  auto resolved = publish;
  if (!publish.topic.empty()) {
    conn.v5.client_aliases[key] = publish.topic;
  } else {
    const auto known = conn.v5.client_aliases.find(key);
    if (known == conn.v5.client_aliases.end()) {
      // Mappings never outlive a connection [MQTT-3.3.2-7]: a server that kept one would act on this PUBLISH.
      auto& duty = client_violation(model, conn, event, v5("MQTT-4.13.1-1"),
                                    "it used topic alias " + std::to_string(*alias) +
                                        " that it never set on this connection");
      judged_also(duty, {v5("MQTT-3.3.2-7")});
      return std::nullopt;
    }
    resolved.topic = known->second;
  }
  model.exercise(v5("MQTT-3.3.2-12"));
  conn.v5.last_aliased_publish_sequence = event.sequence;
  return resolved;
}

}  // namespace mqtt::model::detail
