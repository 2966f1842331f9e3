#include "broker/mqtt5_session_settings.hpp"

#include "broker/message_properties.hpp"

namespace mqtt::broker {

ClientSettings read_client_settings(const Properties& connect_properties) {
  ClientSettings settings;
  const Properties& p = connect_properties;
  settings.session_expiry_interval = find_u32(p, PropertyId::session_expiry_interval).value_or(0);
  settings.receive_maximum = find_u16(p, PropertyId::receive_maximum).value_or(65535);
  settings.maximum_packet_size = find_u32(p, PropertyId::maximum_packet_size);
  settings.topic_alias_maximum = find_u16(p, PropertyId::topic_alias_maximum).value_or(0);
  settings.request_response_information = find_u8(p, PropertyId::request_response_information).value_or(0) == 1;
  settings.request_problem_information = find_u8(p, PropertyId::request_problem_information).value_or(1) == 1;
  settings.authentication_method = find_string(p, PropertyId::authentication_method);
  return settings;
}

WillSettings read_will_settings(const Properties& will_properties) {
  WillSettings settings;
  settings.delay_interval = find_u32(will_properties, PropertyId::will_delay_interval).value_or(0);
  settings.expiry_interval = find_u32(will_properties, PropertyId::message_expiry_interval);
  settings.forwarded = forwarded_properties(will_properties);
  return settings;
}

Properties connack_properties(const ServerDeclaration& declaration) {
  Properties properties;
  const auto add = [&](PropertyId id, auto value) { add_property(properties, id, value); };
  if (declaration.session_expiry_interval) add(PropertyId::session_expiry_interval, *declaration.session_expiry_interval);
  if (declaration.receive_maximum < 65535) add(PropertyId::receive_maximum, declaration.receive_maximum);
  if (declaration.maximum_qos < 2) add(PropertyId::maximum_qos, declaration.maximum_qos);
  if (!declaration.retain_available) add(PropertyId::retain_available, std::uint8_t{0});
  if (declaration.maximum_packet_size != 0) add(PropertyId::maximum_packet_size, declaration.maximum_packet_size);
  if (declaration.assigned_client_identifier) {
    add(PropertyId::assigned_client_identifier, *declaration.assigned_client_identifier);
  }
  if (declaration.topic_alias_maximum != 0) add(PropertyId::topic_alias_maximum, declaration.topic_alias_maximum);
  if (!declaration.wildcard_subscription_available) add(PropertyId::wildcard_subscription_available, std::uint8_t{0});
  if (!declaration.subscription_identifier_available) {
    add(PropertyId::subscription_identifier_available, std::uint8_t{0});
  }
  if (!declaration.shared_subscription_available) add(PropertyId::shared_subscription_available, std::uint8_t{0});
  if (declaration.server_keep_alive) add(PropertyId::server_keep_alive, *declaration.server_keep_alive);
  if (declaration.response_information) add(PropertyId::response_information, *declaration.response_information);
  return properties;
}

}  // namespace mqtt::broker
