// Internal to the codec: how each MQTT 5.0 property travels on the wire and which packets may carry it
// (section 2.2.2.2, table 2-4). Decoder and encoder share this one table so they cannot disagree.
#pragma once

#include <cstdint>

#include "codec/packet.hpp"

namespace mqtt::codec_detail {

enum class WireType : std::uint8_t {
  byte,
  two_byte_integer,
  four_byte_integer,
  variable_byte_integer,
  utf8_string,
  binary_data,
  utf8_string_pair
};

// Where a property list sits. The will has its own list inside CONNECT; the four publish acknowledgements
// share one.
enum PropertyPlace : std::uint16_t {
  place_connect = 1u << 0,
  place_connack = 1u << 1,
  place_publish = 1u << 2,
  place_will = 1u << 3,
  place_acknowledgement = 1u << 4,
  place_subscribe = 1u << 5,
  place_suback = 1u << 6,
  place_unsubscribe = 1u << 7,
  place_unsuback = 1u << 8,
  place_disconnect = 1u << 9,
  place_auth = 1u << 10,
};

struct PropertyDescriptor {
  bool known = false;
  WireType wire_type = WireType::byte;
  std::uint16_t places = 0;
};

constexpr PropertyDescriptor describe_property(std::uint8_t id) {
  constexpr std::uint16_t message = place_publish | place_will;
  constexpr std::uint16_t everywhere = place_connect | place_connack | place_publish | place_will |
                                       place_acknowledgement | place_subscribe | place_suback |
                                       place_unsubscribe | place_unsuback | place_disconnect | place_auth;
  switch (static_cast<PropertyId>(id)) {
    case PropertyId::payload_format_indicator:
      return {true, WireType::byte, message};
    case PropertyId::message_expiry_interval:
      return {true, WireType::four_byte_integer, message};
    case PropertyId::content_type:
      return {true, WireType::utf8_string, message};
    case PropertyId::response_topic:
      return {true, WireType::utf8_string, message};
    case PropertyId::correlation_data:
      return {true, WireType::binary_data, message};
    case PropertyId::subscription_identifier:
      return {true, WireType::variable_byte_integer, place_publish | place_subscribe};
    case PropertyId::session_expiry_interval:
      return {true, WireType::four_byte_integer, place_connect | place_connack | place_disconnect};
    case PropertyId::assigned_client_identifier:
      return {true, WireType::utf8_string, place_connack};
    case PropertyId::server_keep_alive:
      return {true, WireType::two_byte_integer, place_connack};
    case PropertyId::authentication_method:
      return {true, WireType::utf8_string, place_connect | place_connack | place_auth};
    case PropertyId::authentication_data:
      return {true, WireType::binary_data, place_connect | place_connack | place_auth};
    case PropertyId::request_problem_information:
      return {true, WireType::byte, place_connect};
    case PropertyId::will_delay_interval:
      return {true, WireType::four_byte_integer, place_will};
    case PropertyId::request_response_information:
      return {true, WireType::byte, place_connect};
    case PropertyId::response_information:
      return {true, WireType::utf8_string, place_connack};
    case PropertyId::server_reference:
      return {true, WireType::utf8_string, place_connack | place_disconnect};
    case PropertyId::reason_string:
      return {true, WireType::utf8_string,
              place_connack | place_acknowledgement | place_suback | place_unsuback | place_disconnect |
                  place_auth};
    case PropertyId::receive_maximum:
      return {true, WireType::two_byte_integer, place_connect | place_connack};
    case PropertyId::topic_alias_maximum:
      return {true, WireType::two_byte_integer, place_connect | place_connack};
    case PropertyId::topic_alias:
      return {true, WireType::two_byte_integer, place_publish};
    case PropertyId::maximum_qos:
      return {true, WireType::byte, place_connack};
    case PropertyId::retain_available:
      return {true, WireType::byte, place_connack};
    case PropertyId::user_property:
      return {true, WireType::utf8_string_pair, everywhere};
    case PropertyId::maximum_packet_size:
      return {true, WireType::four_byte_integer, place_connect | place_connack};
    case PropertyId::wildcard_subscription_available:
      return {true, WireType::byte, place_connack};
    case PropertyId::subscription_identifier_available:
      return {true, WireType::byte, place_connack};
    case PropertyId::shared_subscription_available:
      return {true, WireType::byte, place_connack};
  }
  return {};
}

}  // namespace mqtt::codec_detail
