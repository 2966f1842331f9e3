#include "broker/problem_information.hpp"

#include <algorithm>
#include <cstdio>

#include "codec/encoder.hpp"
#include "codec/reason_codes.hpp"

namespace mqtt::broker {
namespace {

Properties* properties_of(Packet& packet) {
  return std::visit(
      [](auto& value) -> Properties* {
        if constexpr (requires { value.properties; }) {
          return &value.properties;
        } else {
          return nullptr;
        }
      },
      packet);
}

// Removes every property `id`; true when there was one.
bool remove_all(Properties& properties, PropertyId id) {
  return std::erase_if(properties, [id](const Property& property) { return property.id == id; }) > 0;
}

}  // namespace

std::optional<std::string> reason_string_for(std::span<const std::uint8_t> codes) {
  const auto failure = std::ranges::find_if(codes, [](std::uint8_t code) { return code >= 0x80; });
  const auto other = std::ranges::find_if(codes, [](std::uint8_t code) { return code != 0; });
  const auto chosen = failure != codes.end() ? failure : other;
  if (chosen == codes.end()) return std::nullopt;
  char code[8];
  std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned>(*chosen));
  return "the embedded reference broker answered reason code " + std::string(code) + " (" +
         std::string(reason_code_meaning(*chosen)) + ")";
}

Packet trimmed_to_fit(Packet packet, std::uint32_t maximum, TrimmingFaults faults) {
  if (std::holds_alternative<Publish>(packet)) return packet;
  Properties* properties = properties_of(packet);
  if (properties == nullptr || encode(packet).size() <= maximum) return packet;
  if (!faults.keep_reason_string && remove_all(*properties, PropertyId::reason_string) &&
      encode(packet).size() <= maximum) {
    return packet;
  }
  if (!faults.keep_user_properties) remove_all(*properties, PropertyId::user_property);
  return packet;
}

}  // namespace mqtt::broker
