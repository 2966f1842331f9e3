// The fixed header on its own: it is checked before the body arrives, by the stream decoder too.
#include "codec/fixed_header.hpp"

#include <string>
#include <string_view>

#include "codec/decode_failure.hpp"

namespace mqtt::codec_detail {
namespace {

bool sent_by_client_only(PacketType type, ProtocolVersion version) {
  switch (type) {
    case PacketType::connect:
    case PacketType::subscribe:
    case PacketType::unsubscribe:
    case PacketType::pingreq:
      return true;
    case PacketType::disconnect:
      return !is_v5(version);  // 5.0 lets the server send DISCONNECT too
    default:
      return false;
  }
}

bool sent_by_server_only(PacketType type) {
  return type == PacketType::connack || type == PacketType::suback || type == PacketType::unsuback ||
         type == PacketType::pingresp;
}

std::string_view flags_statement(PacketType type, ProtocolVersion version) {
  switch (type) {
    case PacketType::pubrel:
      return "MQTT-3.6.1-1";
    case PacketType::subscribe:
      return "MQTT-3.8.1-1";
    case PacketType::unsubscribe:
      return "MQTT-3.10.1-1";
    case PacketType::disconnect:
      return "MQTT-3.14.1-1";
    case PacketType::auth:
      return "MQTT-3.15.1-1";
    default:
      return statements(version).fixed_header_flags;
  }
}

}  // namespace

PacketType check_first_byte(std::uint8_t first, std::size_t offset, Sender sender, ProtocolVersion version) {
  const std::uint8_t type_number = first >> 4;
  const std::uint8_t flags = first & 0x0F;
  if (type_number == 0) fail(offset, std::nullopt, "", "packet type 0 is reserved");
  const auto type = static_cast<PacketType>(type_number);
  if (type == PacketType::auth && !is_v5(version)) {
    fail(offset, type, "", "packet type 15 (AUTH) is reserved in MQTT " + std::string(to_string(version)));
  }
  if (sender == Sender::server && sent_by_client_only(type, version)) {
    fail(offset, type, "",
         std::string(to_string(type)) + " is sent only by clients but came from the server");
  }
  if (sender == Sender::client && sent_by_server_only(type)) {
    fail(offset, type, "", std::string(to_string(type)) + " is sent only by servers but came from a client");
  }
  if (type == PacketType::publish) {
    const std::uint8_t qos = (flags >> 1) & 0x3;
    if (qos == 3) fail(offset, type, "MQTT-3.3.1-4", "QoS 3 is not allowed");
    if (qos == 0 && (flags & 0x8) != 0) fail(offset, type, "MQTT-3.3.1-2", "DUP is set on a QoS 0 message");
    return type;
  }
  const bool flags_are_0010 =
      type == PacketType::pubrel || type == PacketType::subscribe || type == PacketType::unsubscribe;
  const std::uint8_t expected = flags_are_0010 ? 0x2 : 0x0;
  if (flags != expected) {
    fail(offset, type, flags_statement(type, version),
         "reserved fixed-header flags are " + hex(flags) + ", expected " + hex(expected));
  }
  return type;
}

std::optional<RemainingLength> parse_remaining_length(std::span<const std::uint8_t> bytes, std::size_t offset,
                                                      PacketType type, ProtocolVersion version) {
  std::uint32_t value = 0;
  for (std::size_t index = 1; index <= 4; ++index) {
    if (index >= bytes.size()) return std::nullopt;
    const std::uint8_t byte = bytes[index];
    value |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * (index - 1));
    if ((byte & 0x80) == 0) {
      if (index > 1 && byte == 0 && is_v5(version)) {
        fail(offset + index, type, "MQTT-1.5.5-1",
             "remaining length is not encoded in the minimum number of bytes");
      }
      return RemainingLength{value, index + 1};
    }
  }
  fail(offset + 4, type, "", "remaining length continues past four bytes");
}

}  // namespace mqtt::codec_detail
