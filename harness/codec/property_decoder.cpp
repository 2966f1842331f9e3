// The 5.0 property list, one reader for every packet that carries one.
#include "codec/property_decoder.hpp"

#include <string>
#include <utility>

#include "codec/property_table.hpp"
#include "codec/topic_checks.hpp"

namespace mqtt::codec_detail {
namespace {

// A PUBLISH's Response Topic and Content Type have statements of their own saying they are UTF-8 Encoded Strings
// [MQTT-3.3.2-13], [MQTT-3.3.2-19]; elsewhere (the will properties) the general rules name the fault.
std::string_view string_property_statement(PropertyId id, std::uint16_t place) {
  if (place != codec_detail::place_publish) return {};
  if (id == PropertyId::response_topic) return "MQTT-3.3.2-13";
  if (id == PropertyId::content_type) return "MQTT-3.3.2-19";
  return {};
}

}  // namespace

Properties read_properties(Reader& reader, std::uint16_t place, std::string_view where) {
  const std::size_t length_offset = reader.offset();
  const std::uint32_t length = reader.variable_integer("property length");
  if (length > reader.remaining()) {
    reader.fail_at(length_offset, "",
                   "property length " + std::to_string(length) + " exceeds the " +
                       std::to_string(reader.remaining()) + " bytes left");
  }
  const std::size_t previous_limit = reader.narrow(length);
  Properties properties;
  std::uint64_t seen = 0;
  while (reader.remaining() > 0) {
    const std::size_t id_offset = reader.offset();
    const std::uint8_t id = reader.byte("property identifier");
    const PropertyDescriptor descriptor = describe_property(id);
    if (!descriptor.known) reader.fail_at(id_offset, "", "unknown property identifier " + hex(id));
    const auto property_id = static_cast<PropertyId>(id);
    const std::string name(to_string(property_id));
    if ((descriptor.places & place) == 0) {
      reader.fail_at(id_offset, "", name + " is not allowed in " + std::string(where));
    }
    const bool may_repeat =
        property_id == PropertyId::user_property ||
        (property_id == PropertyId::subscription_identifier && place == codec_detail::place_publish);
    const std::uint64_t bit = std::uint64_t{1} << id;  // ids are below 0x2B
    if ((seen & bit) != 0 && !may_repeat) {
      reader.fail_at(id_offset, "", name + " appears more than once");
    }
    seen |= bit;
    const std::size_t value_offset = reader.offset();
    Property property{property_id, std::uint8_t{0}};
    switch (descriptor.wire_type) {
      case WireType::byte: {
        const std::uint8_t value = reader.byte(name);
        if (value > 1)
          reader.fail_at(value_offset, "", name + " is " + std::to_string(value) + ", not 0 or 1");
        property.value = value;
        break;
      }
      case WireType::two_byte_integer: {
        const std::uint16_t value = reader.two_bytes(name);
        if (value == 0 && property_id == PropertyId::receive_maximum) {
          reader.fail_at(value_offset, "", "Receive Maximum is 0");
        }
        if (value == 0 && property_id == PropertyId::topic_alias) {
          reader.fail_at(value_offset, "MQTT-3.3.2-8", "Topic Alias is 0");
        }
        property.value = value;
        break;
      }
      case WireType::four_byte_integer: {
        const std::uint32_t value = reader.four_bytes(name);
        if (value == 0 && property_id == PropertyId::maximum_packet_size) {
          reader.fail_at(value_offset, "", "Maximum Packet Size is 0");
        }
        property.value = value;
        break;
      }
      case WireType::variable_byte_integer: {
        const std::uint32_t value = reader.variable_integer(name);
        if (value == 0) reader.fail_at(value_offset, "", name + " is 0");
        property.value = value;
        break;
      }
      case WireType::utf8_string: {
        const std::size_t text_start = value_offset + 2;
        std::string value = reader.utf8_string(name, string_property_statement(property_id, place));
        if (property_id == PropertyId::response_topic) {
          if (value.empty()) reader.fail_at(value_offset, "MQTT-4.7.3-1", "Response Topic is empty");
          check_topic_name(reader, value, text_start, "MQTT-3.3.2-14");
        }
        property.value = std::move(value);
        break;
      }
      case WireType::binary_data:
        property.value = reader.binary(name);
        break;
      case WireType::utf8_string_pair: {
        // Both strings of a pair are UTF-8 Encoded Strings [MQTT-1.5.7-1].
        std::string key = reader.utf8_string("User Property name", "MQTT-1.5.7-1");
        std::string value = reader.utf8_string("User Property value", "MQTT-1.5.7-1");
        property.value = StringPair{std::move(key), std::move(value)};
        break;
      }
    }
    properties.push_back(std::move(property));
  }
  reader.widen(previous_limit);
  return properties;
}

}  // namespace mqtt::codec_detail
