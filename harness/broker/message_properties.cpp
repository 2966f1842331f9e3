#include "broker/message_properties.hpp"

#include <algorithm>
#include <variant>

namespace mqtt::broker {
namespace {

template <typename T>
std::optional<T> find_value(const Properties& properties, PropertyId id) {
  for (const Property& property : properties) {
    if (property.id != id) continue;
    if (const T* value = std::get_if<T>(&property.value)) return *value;
    return std::nullopt;
  }
  return std::nullopt;
}

bool forwarded(PropertyId id) {
  switch (id) {
    case PropertyId::payload_format_indicator:
    case PropertyId::content_type:
    case PropertyId::response_topic:
    case PropertyId::correlation_data:
    case PropertyId::user_property:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<std::uint32_t> find_u32(const Properties& properties, PropertyId id) {
  return find_value<std::uint32_t>(properties, id);
}
std::optional<std::uint16_t> find_u16(const Properties& properties, PropertyId id) {
  return find_value<std::uint16_t>(properties, id);
}
std::optional<std::uint8_t> find_u8(const Properties& properties, PropertyId id) {
  return find_value<std::uint8_t>(properties, id);
}
std::optional<std::string> find_string(const Properties& properties, PropertyId id) {
  return find_value<std::string>(properties, id);
}

bool contains(const Properties& properties, PropertyId id) {
  return std::any_of(properties.begin(), properties.end(), [id](const Property& p) { return p.id == id; });
}

Properties forwarded_properties(const Properties& properties) {
  Properties kept;
  for (const Property& property : properties) {
    if (forwarded(property.id)) kept.push_back(property);
  }
  return kept;
}

bool expired(const Message& message, Clock::time_point now) {
  if (!message.expiry_interval) return false;
  return now - message.received_at >= std::chrono::seconds(*message.expiry_interval);
}

std::optional<std::uint32_t> remaining_expiry(const Message& message, Clock::time_point now) {
  if (!message.expiry_interval) return std::nullopt;
  const auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - message.received_at).count();
  if (waited <= 0) return *message.expiry_interval;
  if (static_cast<std::uint64_t>(waited) >= *message.expiry_interval) return 0u;
  return *message.expiry_interval - static_cast<std::uint32_t>(waited);
}

}  // namespace mqtt::broker
