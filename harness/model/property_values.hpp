// Reading MQTT 5.0 properties by identifier: the integer, string or binary value of the first property with
// that id (the codec rejects repeats of every property that may not repeat).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "codec/packet.hpp"

namespace mqtt::model::detail {

// The properties of a packet that has them (every 5.0 packet but PINGREQ/PINGRESP), else nullptr.
inline const Properties* properties_of(const Packet& packet) {
  return std::visit(
      [](const auto& value) -> const Properties* {
        if constexpr (requires { value.properties; }) {
          return &value.properties;
        } else {
          return nullptr;
        }
      },
      packet);
}

inline const Property* find_property(const Properties& properties, PropertyId id) {
  const auto it = std::find_if(properties.begin(), properties.end(),
                               [id](const Property& property) { return property.id == id; });
  return it == properties.end() ? nullptr : &*it;
}

inline bool has_property(const Properties& properties, PropertyId id) {
  return find_property(properties, id) != nullptr;
}

// Byte, two-byte, four-byte and variable byte integers alike.
inline std::optional<std::uint32_t> integer_property(const Properties& properties, PropertyId id) {
  const auto* property = find_property(properties, id);
  if (property == nullptr) return std::nullopt;
  if (const auto* value = std::get_if<std::uint8_t>(&property->value)) return *value;
  if (const auto* value = std::get_if<std::uint16_t>(&property->value)) return *value;
  if (const auto* value = std::get_if<std::uint32_t>(&property->value)) return *value;
  return std::nullopt;
}

inline const std::string* string_property(const Properties& properties, PropertyId id) {
  const auto* property = find_property(properties, id);
  return property == nullptr ? nullptr : std::get_if<std::string>(&property->value);
}

}  // namespace mqtt::model::detail
