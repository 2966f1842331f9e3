#include "client/server_limits.hpp"

#include <algorithm>

#include "codec/encoder.hpp"

namespace mqtt::client {

namespace {

template <typename Value>
std::optional<Value> property_of(const Properties& properties, PropertyId id) {
  for (const auto& property : properties) {
    if (property.id != id) continue;
    if (const auto* value = std::get_if<Value>(&property.value)) return *value;
  }
  return std::nullopt;
}

bool has_wildcard(std::string_view filter) { return filter.find_first_of("+#") != std::string_view::npos; }

}  // namespace

ServerLimits ServerLimits::from(const Connack& connack) {
  ServerLimits limits;
  if (connack.version != ProtocolVersion::v5) return limits;
  const auto& properties = connack.properties;
  if (auto value = property_of<std::uint16_t>(properties, PropertyId::receive_maximum); value && *value > 0) {
    limits.receive_maximum = *value;
  }
  limits.maximum_packet_size = property_of<std::uint32_t>(properties, PropertyId::maximum_packet_size);
  limits.topic_alias_maximum = property_of<std::uint16_t>(properties, PropertyId::topic_alias_maximum).value_or(0);
  if (auto value = property_of<std::uint8_t>(properties, PropertyId::maximum_qos); value && *value <= 1) {
    limits.maximum_qos = static_cast<QoS>(*value);
  }
  limits.retain_available = property_of<std::uint8_t>(properties, PropertyId::retain_available).value_or(1) != 0;
  limits.wildcard_subscription_available =
      property_of<std::uint8_t>(properties, PropertyId::wildcard_subscription_available).value_or(1) != 0;
  limits.subscription_identifier_available =
      property_of<std::uint8_t>(properties, PropertyId::subscription_identifier_available).value_or(1) != 0;
  limits.shared_subscription_available =
      property_of<std::uint8_t>(properties, PropertyId::shared_subscription_available).value_or(1) != 0;
  return limits;
}

std::optional<std::string> publish_beyond_limits(const Publish& publish, const ServerLimits& limits,
                                                 std::size_t in_flight) {
  if (publish.qos > limits.maximum_qos) {
    return "QoS " + std::to_string(static_cast<int>(publish.qos)) + " is above the target's Maximum QoS " +
           std::to_string(static_cast<int>(limits.maximum_qos));
  }
  if (publish.retain && !limits.retain_available) return "the target declares Retain Available 0";
  if (const auto alias = property_of<std::uint16_t>(publish.properties, PropertyId::topic_alias)) {
    if (*alias > limits.topic_alias_maximum) {
      return "topic alias " + std::to_string(*alias) + " is above the target's Topic Alias Maximum " +
             std::to_string(limits.topic_alias_maximum);
    }
  }
  if (publish.qos != QoS::at_most_once && in_flight >= limits.receive_maximum) {
    return "the target's Receive Maximum of " + std::to_string(limits.receive_maximum) +
           " unacknowledged QoS 1/2 publishes is reached";
  }
  if (limits.maximum_packet_size) {
    const auto size = encode(Packet(publish)).size();
    if (size > *limits.maximum_packet_size) {
      return "the PUBLISH of " + std::to_string(size) + " bytes is above the target's Maximum Packet Size " +
             std::to_string(*limits.maximum_packet_size);
    }
  }
  return std::nullopt;
}

std::optional<std::string> subscribe_beyond_limits(const Subscribe& subscribe, const ServerLimits& limits) {
  for (const auto& subscription : subscribe.subscriptions) {
    const bool shared = subscription.filter.starts_with("$share/");
    if (shared && !limits.shared_subscription_available) {
      return "the target declares Shared Subscription Available 0";
    }
    if (has_wildcard(subscription.filter) && !limits.wildcard_subscription_available) {
      return "the target declares Wildcard Subscription Available 0";
    }
  }
  const bool identified = std::any_of(subscribe.properties.begin(), subscribe.properties.end(), [](const auto& property) {
    return property.id == PropertyId::subscription_identifier;
  });
  if (identified && !limits.subscription_identifier_available) {
    return "the target declares Subscription Identifier Available 0";
  }
  if (limits.maximum_packet_size && encode(Packet(subscribe)).size() > *limits.maximum_packet_size) {
    return "the SUBSCRIBE is above the target's Maximum Packet Size " + std::to_string(*limits.maximum_packet_size);
  }
  return std::nullopt;
}

}  // namespace mqtt::client
