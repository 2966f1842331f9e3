// The body of each packet type, in one file so the per-packet switch inlines the hot PUBLISH path.
#include "codec/packet_decoders.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "codec/property_decoder.hpp"
#include "codec/property_table.hpp"
#include "codec/topic_checks.hpp"

namespace mqtt::codec_detail {
namespace {

bool is_allowed_reason(std::span<const std::uint8_t> allowed, std::uint8_t code) {
  return std::find(allowed.begin(), allowed.end(), code) != allowed.end();
}

enum class PacketIdRole : std::uint8_t { assigned, echoed };

// PUBLISH, SUBSCRIBE and UNSUBSCRIBE assign identifiers, which must be non-zero. Acknowledgements echo one;
// no statement covers them directly, but 0 can never have been assigned, so it is still rejected.
std::uint16_t read_packet_id(Reader& reader, PacketIdRole role) {
  const std::size_t offset = reader.offset();
  const std::uint16_t id = reader.two_bytes("packet identifier");
  if (id == 0 && role == PacketIdRole::assigned) {
    const auto statement = reader.sender() == Sender::client ? reader.ids().packet_id_from_client
                                                             : reader.ids().packet_id_from_server;
    reader.fail_at(offset, statement, "packet identifier is 0");
  }
  if (id == 0) reader.fail_at(offset, "", "acknowledges packet identifier 0, which no packet can carry");
  return id;
}

Connect decode_connect(Reader& reader) {
  const std::size_t name_offset = reader.offset();
  const std::string name = reader.utf8_string("protocol name");
  const std::size_t level_offset = reader.offset();
  const std::uint8_t level = reader.byte("protocol level");
  Connect connect;
  if (name == "MQTT") {
    if (level != 4 && level != 5) {
      reader.fail_at(
          level_offset, "MQTT-3.1.2-2",
          "protocol level " + std::to_string(level) + " does not go with protocol name \"MQTT\" (4 or 5)");
    }
    connect.version = level == 4 ? ProtocolVersion::v3_1_1 : ProtocolVersion::v5;
  } else if (name == "MQIsdp") {
    if (level != 3) {
      reader.fail_at(
          level_offset, "MQTT-3.1.2-2",
          "protocol level " + std::to_string(level) + " does not go with protocol name \"MQIsdp\" (3)");
    }
    connect.version = ProtocolVersion::v3_1;
  } else {
    reader.fail_at(name_offset, "MQTT-3.1.2-1",
                   "protocol name \"" + name + "\" is neither \"MQTT\" nor \"MQIsdp\"");
  }
  reader.set_version(connect.version);
  const bool v5 = is_v5(connect.version);
  const auto& ids = reader.ids();

  const std::size_t flags_offset = reader.offset();
  const std::uint8_t flags = reader.byte("connect flags");
  if ((flags & 0x01) != 0)
    reader.fail_at(flags_offset, "MQTT-3.1.2-3", "reserved connect flag (bit 0) is set");
  connect.clean_session = (flags & 0x02) != 0;
  const bool will_flag = (flags & 0x04) != 0;
  const std::uint8_t will_qos = (flags >> 3) & 0x3;
  const bool will_retain = (flags & 0x20) != 0;
  const bool password_flag = (flags & 0x40) != 0;
  const bool username_flag = (flags & 0x80) != 0;
  if (!will_flag && will_qos != 0) {
    reader.fail_at(flags_offset, ids.will_qos_without_will,
                   "will QoS is " + std::to_string(will_qos) + " but the will flag is not set");
  }
  if (!will_flag && will_retain) {
    reader.fail_at(flags_offset, ids.will_retain_without_will, "will retain is set but the will flag is not");
  }
  if (will_flag && will_qos == 3) reader.fail_at(flags_offset, ids.will_qos_three, "will QoS is 3");
  if (!v5 && password_flag && !username_flag) {
    reader.fail_at(flags_offset, "MQTT-3.1.2-22", "password flag is set without the user name flag");
  }
  connect.keep_alive = reader.two_bytes("keep alive");
  if (v5) {
    connect.properties = read_properties(reader, codec_detail::place_connect, "CONNECT");
    if (contains(connect.properties, PropertyId::authentication_data) &&
        !contains(connect.properties, PropertyId::authentication_method)) {
      reader.fail_at(flags_offset + 3, "", "Authentication Data without Authentication Method");
    }
  }
  connect.client_id = reader.utf8_string("client identifier");
  if (will_flag) {
    Will will;
    will.qos = static_cast<QoS>(will_qos);
    will.retain = will_retain;
    if (v5) will.properties = read_properties(reader, codec_detail::place_will, "will properties");
    const std::size_t topic_offset = reader.offset();
    will.topic = reader.utf8_string("will topic");
    if (will.topic.empty()) reader.fail_at(topic_offset, "MQTT-4.7.3-1", "will topic is empty");
    check_topic_name(reader, will.topic, topic_offset + 2, ids.topic_name_wildcard);
    will.payload = reader.binary("will payload");
    connect.will = std::move(will);
  }
  if (username_flag) connect.username = reader.utf8_string("user name");
  if (password_flag) connect.password = reader.binary("password");
  reader.expect_end();
  return connect;
}

constexpr std::array<std::uint8_t, 22> connack_reasons_v5{0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                                          0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
                                                          0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
constexpr std::array<std::uint8_t, 9> puback_reasons_v5{0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
constexpr std::array<std::uint8_t, 2> pubrel_reasons_v5{0x00, 0x92};
constexpr std::array<std::uint8_t, 12> suback_reasons_v5{0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                                                         0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
constexpr std::array<std::uint8_t, 4> suback_reasons_v3{0x00, 0x01, 0x02, 0x80};
constexpr std::array<std::uint8_t, 7> unsuback_reasons_v5{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
constexpr std::array<std::uint8_t, 29> disconnect_reasons_v5{
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
    0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
constexpr std::array<std::uint8_t, 3> auth_reasons_v5{0x00, 0x18, 0x19};

std::uint8_t read_reason(Reader& reader, std::span<const std::uint8_t> allowed, std::string_view statement) {
  const std::size_t offset = reader.offset();
  const std::uint8_t code = reader.byte("reason code");
  if (!is_allowed_reason(allowed, code)) {
    reader.fail_at(
        offset, statement,
        "reason code " + hex(code) + " is not defined for " + std::string(to_string(reader.type())));
  }
  return code;
}

Connack decode_connack(Reader& reader) {
  Connack connack;
  connack.version = reader.version();
  const std::size_t flags_offset = reader.offset();
  const std::uint8_t flags = reader.byte("acknowledge flags");
  if (connack.version == ProtocolVersion::v3_1 && flags != 0) {
    reader.fail_at(flags_offset, "", "the reserved first byte of a 3.1 CONNACK is " + hex(flags) + ", not 0");
  }
  if ((flags & 0xFE) != 0) {
    reader.fail_at(flags_offset, is_v5(connack.version) ? "MQTT-3.2.2-1" : "",
                   "reserved acknowledge flag bits are set (" + hex(flags) + ")");
  }
  connack.session_present = (flags & 0x01) != 0;
  const std::size_t code_offset = reader.offset();
  // A server that speaks only 3.1.1 answers a 5.0 CONNECT the 3.1.1 way: a two-byte CONNACK with return code 1
  // (unacceptable protocol version) [MQTT-3.1.2-2]. That is a legitimate refusal, not a malformed 5.0 CONNACK.
  if (is_v5(connack.version) && reader.remaining() == 1 && flags == 0) {
    const std::uint8_t code = reader.byte("return code");
    if (code == 0x01) {
      connack.version = ProtocolVersion::v3_1_1;
      connack.reason_code = code;
      reader.expect_end();
      return connack;
    }
    reader.fail_at(code_offset, "MQTT-3.2.2-8",
                   "a 5.0 CONNACK needs a property length; two bytes are only a 3.1.1 refusal with return code 1");
  }
  if (is_v5(connack.version)) {
    connack.reason_code = read_reason(reader, connack_reasons_v5, "MQTT-3.2.2-8");
  } else {
    connack.reason_code = reader.byte("return code");
    if (connack.reason_code > 5) {
      reader.fail_at(code_offset, "",
                     "return code " + std::to_string(connack.reason_code) + " is reserved (0-5)");
    }
  }
  if (connack.session_present && connack.reason_code != 0) {
    reader.fail_at(flags_offset, reader.ids().session_present_on_failure,
                   "session present is set with a non-zero return code");
  }
  if (is_v5(connack.version))
    connack.properties = read_properties(reader, codec_detail::place_connack, "CONNACK");
  reader.expect_end();
  return connack;
}

Publish decode_publish(Reader& reader, std::uint8_t flags) {
  Publish publish;
  publish.version = reader.version();
  publish.dup = (flags & 0x8) != 0;
  publish.qos = static_cast<QoS>((flags >> 1) & 0x3);
  publish.retain = (flags & 0x1) != 0;
  const std::size_t topic_offset = reader.offset();
  publish.topic = reader.utf8_string("topic name");
  check_topic_name(reader, publish.topic, topic_offset + 2, "MQTT-3.3.2-2");
  if (publish.qos != QoS::at_most_once) publish.packet_id = read_packet_id(reader, PacketIdRole::assigned);
  if (is_v5(publish.version)) {
    const std::size_t properties_offset = reader.offset();
    publish.properties = read_properties(reader, codec_detail::place_publish, "PUBLISH");
    if (reader.sender() == Sender::client &&
        contains(publish.properties, PropertyId::subscription_identifier)) {
      reader.fail_at(properties_offset, "MQTT-3.3.4-6",
                     "a client's PUBLISH carries a Subscription Identifier");
    }
  }
  const bool aliased = is_v5(publish.version) && contains(publish.properties, PropertyId::topic_alias);
  if (publish.topic.empty() && !aliased) reader.fail_at(topic_offset, "MQTT-4.7.3-1", "topic name is empty");
  auto payload = reader.rest();
  publish.payload.assign(payload.begin(), payload.end());
  return publish;
}

template <typename Ack>
Ack decode_acknowledgement(Reader& reader) {
  Ack ack;
  ack.version = reader.version();
  ack.packet_id = read_packet_id(reader, PacketIdRole::echoed);
  if (is_v5(ack.version) && reader.remaining() > 0) {
    constexpr PacketType type = Ack::type;
    if constexpr (type == PacketType::puback)
      ack.reason_code = read_reason(reader, puback_reasons_v5, "MQTT-3.4.2-1");
    if constexpr (type == PacketType::pubrec)
      ack.reason_code = read_reason(reader, puback_reasons_v5, "MQTT-3.5.2-1");
    if constexpr (type == PacketType::pubrel)
      ack.reason_code = read_reason(reader, pubrel_reasons_v5, "MQTT-3.6.2-1");
    if constexpr (type == PacketType::pubcomp) {
      ack.reason_code = read_reason(reader, pubrel_reasons_v5, "MQTT-3.7.2-1");
    }
    if (reader.remaining() > 0) {
      ack.properties = read_properties(reader, codec_detail::place_acknowledgement, to_string(type));
    }
  }
  reader.expect_end();
  return ack;
}

Subscribe decode_subscribe(Reader& reader) {
  Subscribe subscribe;
  subscribe.version = reader.version();
  const bool v5 = is_v5(subscribe.version);
  subscribe.packet_id = read_packet_id(reader, PacketIdRole::assigned);
  if (v5) subscribe.properties = read_properties(reader, codec_detail::place_subscribe, "SUBSCRIBE");
  if (reader.remaining() == 0) {
    reader.fail_at(reader.offset(), reader.ids().subscribe_without_filters,
                   "SUBSCRIBE carries no topic filter");
  }
  while (reader.remaining() > 0) {
    Subscription subscription;
    const std::size_t filter_offset = reader.offset();
    subscription.filter = reader.utf8_string("topic filter");
    check_topic_filter(reader, subscription.filter, filter_offset + 2, filter_offset);
    const std::size_t options_offset = reader.offset();
    const std::uint8_t options = reader.byte("subscription options");
    const std::uint8_t qos = options & 0x3;
    if (!v5) {
      if ((options & 0xFC) != 0) {
        reader.fail_at(options_offset, "MQTT-3.8.3-4", "reserved bits of the requested QoS byte are set");
      }
      if (qos == 3) reader.fail_at(options_offset, "MQTT-3.8.3-4", "requested QoS is 3");
    } else {
      if ((options & 0xC0) != 0) {
        reader.fail_at(options_offset, "MQTT-3.8.3-5", "reserved bits of the subscription options are set");
      }
      if (qos == 3) reader.fail_at(options_offset, "", "maximum QoS in the subscription options is 3");
      subscription.no_local = (options & 0x04) != 0;
      subscription.retain_as_published = (options & 0x08) != 0;
      subscription.retain_handling = (options >> 4) & 0x3;
      if (subscription.retain_handling == 3) reader.fail_at(options_offset, "", "retain handling is 3");
      if (subscription.no_local && subscription.filter.starts_with("$share/")) {
        reader.fail_at(options_offset, "MQTT-3.8.3-4", "no local is set on a shared subscription");
      }
    }
    subscription.qos = static_cast<QoS>(qos);
    subscribe.subscriptions.push_back(std::move(subscription));
  }
  return subscribe;
}

Suback decode_suback(Reader& reader) {
  Suback suback;
  suback.version = reader.version();
  const bool v5 = is_v5(suback.version);
  suback.packet_id = read_packet_id(reader, PacketIdRole::echoed);
  if (v5) suback.properties = read_properties(reader, codec_detail::place_suback, "SUBACK");
  if (reader.remaining() == 0) reader.fail_at(reader.offset(), "", "SUBACK carries no return code");
  while (reader.remaining() > 0) {
    if (v5) {
      suback.reason_codes.push_back(read_reason(reader, suback_reasons_v5, "MQTT-3.9.3-2"));
    } else {
      suback.reason_codes.push_back(read_reason(reader, suback_reasons_v3, "MQTT-3.9.3-2"));
    }
  }
  return suback;
}

Unsubscribe decode_unsubscribe(Reader& reader) {
  Unsubscribe unsubscribe;
  unsubscribe.version = reader.version();
  unsubscribe.packet_id = read_packet_id(reader, PacketIdRole::assigned);
  if (is_v5(unsubscribe.version)) {
    unsubscribe.properties = read_properties(reader, codec_detail::place_unsubscribe, "UNSUBSCRIBE");
  }
  if (reader.remaining() == 0) {
    reader.fail_at(reader.offset(), "MQTT-3.10.3-2", "UNSUBSCRIBE carries no topic filter");
  }
  while (reader.remaining() > 0) {
    const std::size_t filter_offset = reader.offset();
    std::string filter = reader.utf8_string("topic filter");
    check_topic_filter(reader, filter, filter_offset + 2, filter_offset);
    unsubscribe.filters.push_back(std::move(filter));
  }
  return unsubscribe;
}

Unsuback decode_unsuback(Reader& reader) {
  Unsuback unsuback;
  unsuback.version = reader.version();
  unsuback.packet_id = read_packet_id(reader, PacketIdRole::echoed);
  if (is_v5(unsuback.version)) {
    unsuback.properties = read_properties(reader, codec_detail::place_unsuback, "UNSUBACK");
    if (reader.remaining() == 0) reader.fail_at(reader.offset(), "", "UNSUBACK carries no reason code");
    while (reader.remaining() > 0) {
      unsuback.reason_codes.push_back(read_reason(reader, unsuback_reasons_v5, "MQTT-3.11.3-2"));
    }
  }
  reader.expect_end();
  return unsuback;
}

Disconnect decode_disconnect(Reader& reader) {
  Disconnect disconnect;
  disconnect.version = reader.version();
  if (is_v5(disconnect.version)) {
    if (reader.remaining() > 0)
      disconnect.reason_code = read_reason(reader, disconnect_reasons_v5, "MQTT-3.14.2-1");
    if (reader.remaining() > 0) {
      const std::size_t properties_offset = reader.offset();
      disconnect.properties = read_properties(reader, codec_detail::place_disconnect, "DISCONNECT");
      if (reader.sender() == Sender::server &&
          contains(disconnect.properties, PropertyId::session_expiry_interval)) {
        reader.fail_at(properties_offset, "MQTT-3.14.2-2",
                       "the server's DISCONNECT carries Session Expiry Interval");
      }
    }
  }
  reader.expect_end();
  return disconnect;
}

Auth decode_auth(Reader& reader) {
  Auth auth;
  if (reader.remaining() == 0) return auth;  // Success with no properties may be written as an empty body
  auth.reason_code = read_reason(reader, auth_reasons_v5, "MQTT-3.15.2-1");
  const std::size_t properties_offset = reader.offset();
  auth.properties = read_properties(reader, codec_detail::place_auth, "AUTH");
  if (!contains(auth.properties, PropertyId::authentication_method)) {
    reader.fail_at(properties_offset, "", "AUTH carries no Authentication Method");
  }
  reader.expect_end();
  return auth;
}

}  // namespace

Packet decode_body(Reader& reader, std::uint8_t flags) {
  switch (reader.type()) {
    case PacketType::connect:
      return decode_connect(reader);
    case PacketType::connack:
      return decode_connack(reader);
    case PacketType::publish:
      return decode_publish(reader, flags);
    case PacketType::puback:
      return decode_acknowledgement<Puback>(reader);
    case PacketType::pubrec:
      return decode_acknowledgement<Pubrec>(reader);
    case PacketType::pubrel:
      return decode_acknowledgement<Pubrel>(reader);
    case PacketType::pubcomp:
      return decode_acknowledgement<Pubcomp>(reader);
    case PacketType::subscribe:
      return decode_subscribe(reader);
    case PacketType::suback:
      return decode_suback(reader);
    case PacketType::unsubscribe:
      return decode_unsubscribe(reader);
    case PacketType::unsuback:
      return decode_unsuback(reader);
    case PacketType::pingreq:
      reader.expect_end();
      return Pingreq{reader.version()};
    case PacketType::pingresp:
      reader.expect_end();
      return Pingresp{reader.version()};
    case PacketType::disconnect:
      return decode_disconnect(reader);
    case PacketType::auth:
      return decode_auth(reader);
  }
  reader.fail_at(reader.offset(), "", "unknown packet type");
}

}  // namespace mqtt::codec_detail
