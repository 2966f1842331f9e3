#include "runner/step_packets.hpp"

namespace mqtt::runner {

namespace {

template <typename Value>
void add(Properties& properties, PropertyId id, const std::optional<Value>& value) {
  if (value) properties.push_back(Property{id, *value});
}

Bytes to_bytes(const std::string& text) { return Bytes(text.begin(), text.end()); }

template <typename Value>
std::optional<Value> either(const std::optional<Value>& first, const std::optional<Value>& second) {
  return first ? first : second;
}

std::optional<std::uint8_t> flag(const std::optional<bool>& value) {
  if (!value) return std::nullopt;
  return static_cast<std::uint8_t>(*value ? 1 : 0);
}

}  // namespace

Properties user_properties(const std::vector<StringPair>& pairs, const SubstituteText& text) {
  Properties properties;
  for (const auto& [name, value] : pairs) {
    properties.push_back(Property{PropertyId::user_property, StringPair{text(name), text(value)}});
  }
  return properties;
}

Properties connect_properties(const ConnectPropertiesTemplate& step, const ConnectPropertiesTemplate& defaults,
                              const SubstituteText& text) {
  Properties properties;
  add(properties, PropertyId::session_expiry_interval, either(step.session_expiry, defaults.session_expiry));
  add(properties, PropertyId::receive_maximum, either(step.receive_maximum, defaults.receive_maximum));
  add(properties, PropertyId::maximum_packet_size, either(step.maximum_packet_size, defaults.maximum_packet_size));
  add(properties, PropertyId::topic_alias_maximum, either(step.topic_alias_maximum, defaults.topic_alias_maximum));
  add(properties, PropertyId::request_response_information,
      flag(either(step.request_response_information, defaults.request_response_information)));
  add(properties, PropertyId::request_problem_information,
      flag(either(step.request_problem_information, defaults.request_problem_information)));
  if (const auto method = either(step.authentication_method, defaults.authentication_method)) {
    properties.push_back(Property{PropertyId::authentication_method, text(*method)});
  }
  const auto users = user_properties(step.user_properties.empty() ? defaults.user_properties : step.user_properties, text);
  properties.insert(properties.end(), users.begin(), users.end());
  return properties;
}

Properties message_properties(const MessagePropertiesTemplate& message, const SubstituteText& text) {
  Properties properties;
  add(properties, PropertyId::payload_format_indicator, message.payload_format);
  add(properties, PropertyId::message_expiry_interval, message.message_expiry);
  if (message.content_type) properties.push_back(Property{PropertyId::content_type, text(*message.content_type)});
  if (message.response_topic) {
    properties.push_back(Property{PropertyId::response_topic, text(*message.response_topic)});
  }
  if (message.correlation_data) {
    properties.push_back(Property{PropertyId::correlation_data, to_bytes(text(*message.correlation_data))});
  } else if (message.correlation_bytes) {
    properties.push_back(Property{PropertyId::correlation_data, *message.correlation_bytes});
  }
  const auto users = user_properties(message.user_properties, text);
  properties.insert(properties.end(), users.begin(), users.end());
  return properties;
}

Properties will_properties(const WillTemplate& will, const SubstituteText& text) {
  Properties properties;
  add(properties, PropertyId::will_delay_interval, will.delay);
  const auto message = message_properties(will.properties, text);
  properties.insert(properties.end(), message.begin(), message.end());
  return properties;
}

Properties subscribe_properties(const Step& step, const SubstituteText& text) {
  Properties properties;
  add(properties, PropertyId::subscription_identifier, step.subscription_identifier);
  const auto users = user_properties(step.user_properties, text);
  properties.insert(properties.end(), users.begin(), users.end());
  return properties;
}

Properties disconnect_properties(const Step& step, const SubstituteText& text) {
  Properties properties;
  add(properties, PropertyId::session_expiry_interval, step.session_expiry);
  const auto users = user_properties(step.user_properties, text);
  properties.insert(properties.end(), users.begin(), users.end());
  return properties;
}

Connect connect_packet(const Step& step, const ClientDefaults& defaults, ProtocolVersion version,
                       std::string client_id, const SubstituteText& text) {
  Connect packet;
  packet.version = version;
  packet.clean_session = step.clean_session.value_or(defaults.clean_session.value_or(true));
  packet.keep_alive = step.keep_alive.value_or(defaults.keep_alive.value_or(60));
  packet.client_id = std::move(client_id);
  if (step.will) {
    Will will;
    will.topic = text(step.will->topic);
    will.payload = to_bytes(text(step.will->payload));
    will.qos = step.will->qos;
    will.retain = step.will->retain;
    if (version == ProtocolVersion::v5) will.properties = will_properties(*step.will, text);
    packet.will = std::move(will);
  }
  if (step.username) packet.username = text(*step.username);
  if (step.password) packet.password = to_bytes(text(*step.password));
  if (version == ProtocolVersion::v5) {
    packet.properties = connect_properties(step.connect_properties, defaults.connect_properties, text);
  }
  return packet;
}

Publish publish_packet(const Step& step, ProtocolVersion version, const SubstituteText& text) {
  Publish packet;
  packet.version = version;
  packet.qos = step.qos;
  packet.retain = step.retain;
  packet.topic = text(step.topic);
  if (version == ProtocolVersion::v5) {
    add(packet.properties, PropertyId::topic_alias, step.topic_alias);
    const auto message = message_properties(step.message_properties, text);
    packet.properties.insert(packet.properties.end(), message.begin(), message.end());
  }
  return packet;
}

std::vector<Subscription> subscriptions_of(const Step& step, const SubstituteText& text) {
  std::vector<Subscription> subscriptions;
  for (const auto& filter : step.filters) {
    subscriptions.push_back(Subscription{text(filter.filter), filter.qos, filter.no_local, filter.retain_as_published,
                                         filter.retain_handling});
  }
  return subscriptions;
}

PacketType awaited_packet(WaitFor wait_for) {
  switch (wait_for) {
    case WaitFor::connack: return PacketType::connack;
    case WaitFor::publish: return PacketType::publish;
    case WaitFor::suback: return PacketType::suback;
    case WaitFor::unsuback: return PacketType::unsuback;
    case WaitFor::puback: return PacketType::puback;
    case WaitFor::pubrec: return PacketType::pubrec;
    case WaitFor::pubrel: return PacketType::pubrel;
    case WaitFor::pubcomp: return PacketType::pubcomp;
    case WaitFor::pingresp: return PacketType::pingresp;
    case WaitFor::auth: return PacketType::auth;
    case WaitFor::close: break;
  }
  return PacketType::pingresp;
}

}  // namespace mqtt::runner
