// Malformed input, one vector per rule: each asserts the statement broken, the offending byte and the packet.
#include <gtest/gtest.h>

#include <initializer_list>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace mqtt {
namespace {

constexpr auto v3 = ProtocolVersion::v3_1;
constexpr auto v311 = ProtocolVersion::v3_1_1;
constexpr auto v5 = ProtocolVersion::v5;
constexpr auto client = Sender::client;
constexpr auto server = Sender::server;

// Concatenates pieces; strings become their bytes as given (no length prefix).
Bytes bytes(std::initializer_list<std::uint8_t> values) { return Bytes(values); }
Bytes text(std::string_view value) { return Bytes(value.begin(), value.end()); }
Bytes prefixed(std::string_view value) {
  Bytes out;
  append_string(out, value);
  return out;
}
Bytes join(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}
// A packet with a correct one-byte remaining length (all vectors here are short).
Bytes packet(std::uint8_t first, const Bytes& body) {
  return RawPacket{first, std::nullopt, 0, body}.encode();
}

// CONNECT bodies: "MQTT" level 4/5 or "MQIsdp" level 3, then flags, keep alive 60, (5.0: empty properties).
Bytes connect_body(ProtocolVersion version, std::uint8_t flags, const Bytes& payload) {
  Bytes head = version == v3 ? join({prefixed("MQIsdp"), bytes({3})})
                             : join({prefixed("MQTT"), bytes({static_cast<std::uint8_t>(version)})});
  head.push_back(flags);
  head.push_back(0);
  head.push_back(60);
  if (version == v5) head.push_back(0);
  return join({head, payload});
}

struct Case {
  const char* name;
  ProtocolVersion version;
  Sender sender;
  Bytes wire;
  const char* statement;
  std::size_t offset;
  std::optional<PacketType> type;
};

const std::vector<Case>& cases() {
  using enum PacketType;
  static const std::vector<Case> table = {
      // Fixed header.
      {"reserved flags on PUBACK (3.1.1)", v311, server, bytes({0x41, 2, 0, 1}), "MQTT-2.2.2-1", 0, puback},
      {"reserved flags on PUBACK (5.0)", v5, server, bytes({0x41, 2, 0, 1}), "MQTT-2.1.3-1", 0, puback},
      {"reserved flags on CONNACK (3.1)", v3, server, bytes({0x28, 2, 0, 0}), "MQTT-2.2.2-1", 0, connack},
      {"PUBREL flags not 0010", v311, client, bytes({0x60, 2, 0, 1}), "MQTT-3.6.1-1", 0, pubrel},
      {"SUBSCRIBE flags not 0010", v311, client, join({bytes({0x80, 6, 0, 1}), prefixed("a"), bytes({0})}),
       "MQTT-3.8.1-1", 0, subscribe},
      {"UNSUBSCRIBE flags not 0010 (5.0)", v5, client, bytes({0xA0, 6, 0, 1, 0, 0, 1, 'a'}), "MQTT-3.10.1-1",
       0, unsubscribe},
      {"DISCONNECT flags", v311, client, bytes({0xE1, 0}), "MQTT-3.14.1-1", 0, disconnect},
      {"AUTH flags", v5, client, bytes({0xF1, 0}), "MQTT-3.15.1-1", 0, auth},
      {"packet type 0", v311, client, bytes({0x00, 0}), "", 0, std::nullopt},
      {"packet type 15 in 3.1.1", v311, client, bytes({0xF0, 0}), "", 0, auth},
      {"AUTH in 3.1", v3, server, bytes({0xF0, 0}), "", 0, auth},
      {"PUBLISH QoS 3", v311, client, join({bytes({0x36, 5}), prefixed("a"), bytes({0, 1})}), "MQTT-3.3.1-4",
       0, publish},
      {"PUBLISH QoS 3 (5.0)", v5, server, join({bytes({0x36, 6}), prefixed("a"), bytes({0, 1, 0})}),
       "MQTT-3.3.1-4", 0, publish},
      {"DUP on QoS 0", v311, client, join({bytes({0x38, 3}), prefixed("a")}), "MQTT-3.3.1-2", 0, publish},
      {"remaining length of five bytes", v311, client, bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), "", 4,
       publish},
      {"non-minimal remaining length (5.0)", v5, client, bytes({0xC0, 0x80, 0x00}), "MQTT-1.5.5-1", 2,
       pingreq},
      {"non-minimal property length (5.0)", v5, server, bytes({0x40, 5, 0, 1, 0, 0x80, 0x00}), "MQTT-1.5.5-1",
       6, puback},
      {"non-minimal subscription identifier (5.0)", v5, client,
       join({bytes({0x82, 10, 0, 1, 3, 0x0B, 0x81, 0x00}), prefixed("a"), bytes({0})}), "MQTT-1.5.5-1", 7,
       subscribe},
      // UTF-8 strings, in several fields.
      {"ill-formed UTF-8 in topic", v311, client, join({bytes({0x30, 4, 0, 2, 'a', 0xC3}), bytes({})}),
       "MQTT-1.5.3-1", 6, publish},
      {"bad continuation in topic", v311, client, bytes({0x30, 5, 0, 3, 'a', 0xC3, 0x28}), "MQTT-1.5.3-1", 6,
       publish},
      {"surrogate in topic (3.1.1)", v311, client, bytes({0x30, 5, 0, 3, 0xED, 0xA0, 0x80}), "MQTT-1.5.3-1",
       4, publish},
      {"surrogate in topic (5.0)", v5, client, bytes({0x30, 6, 0, 3, 0xED, 0xBF, 0xBF, 0}), "MQTT-1.5.4-1", 4,
       publish},
      {"overlong encoding in topic", v311, client, bytes({0x30, 4, 0, 2, 0xC0, 0xAF}), "MQTT-1.5.3-1", 4,
       publish},
      {"U+0000 in topic (3.1.1)", v311, client, bytes({0x30, 5, 0, 3, 'a', 0, 'b'}), "MQTT-1.5.3-2", 5,
       publish},
      {"U+0000 in topic (5.0)", v5, client, bytes({0x30, 6, 0, 3, 'a', 0, 'b', 0}), "MQTT-1.5.4-2", 5,
       publish},
      {"U+0000 in client identifier", v311, client,
       packet(0x10, connect_body(v311, 0x02, join({bytes({0, 2, 'x', 0})}))), "MQTT-1.5.3-2", 15, connect},
      {"surrogate in user name (5.0)", v5, client,
       packet(0x10, connect_body(v5, 0x82, join({prefixed("x"), bytes({0, 3, 0xED, 0xA0, 0x80})}))),
       "MQTT-1.5.4-1", 18, connect},
      {"U+0000 in will topic", v311, client,
       packet(0x10, connect_body(v311, 0x06, join({prefixed("x"), bytes({0, 1, 0}), prefixed("p")}))),
       "MQTT-1.5.3-2", 17, connect},
      {"ill-formed UTF-8 in protocol name", v311, client, bytes({0x10, 4, 0, 2, 0xFF, 'Q'}), "MQTT-1.5.3-1",
       4, connect},
      {"ill-formed UTF-8 in topic filter", v311, client, bytes({0x82, 6, 0, 1, 0, 1, 0x80, 0}),
       "MQTT-1.5.3-1", 6, subscribe},
      {"U+0000 in unsubscribe filter", v311, client, bytes({0xA2, 5, 0, 1, 0, 1, 0}), "MQTT-1.5.3-2", 6,
       unsubscribe},
      {"surrogate in reason string (5.0)", v5, server,
       bytes({0x40, 10, 0, 1, 0, 6, 0x1F, 0, 3, 0xED, 0xA0, 0x80}), "MQTT-1.5.4-1", 9, puback},
      // A string property whose own statement makes it a UTF-8 Encoded String is reported under that statement.
      {"U+0000 in user property value (5.0)", v5, server,
       bytes({0x40, 11, 0, 1, 0, 7, 0x26, 0, 1, 'k', 0, 1, 0}), "MQTT-1.5.7-1", 12, puback},
      {"ill-formed user property name (5.0)", v5, client,
       join({bytes({0x30, 10}), prefixed("a"), bytes({6, 0x26, 0, 1, 0xFF, 0, 0})}), "MQTT-1.5.7-1", 9, publish},
      {"ill-formed response topic in PUBLISH (5.0)", v5, client,
       join({bytes({0x30, 8}), prefixed("a"), bytes({4, 0x08, 0, 1, 0xFF})}), "MQTT-3.3.2-13", 9, publish},
      {"surrogate in content type of PUBLISH (5.0)", v5, server,
       join({bytes({0x30, 10}), prefixed("a"), bytes({6, 0x03, 0, 3, 0xED, 0xB0, 0x80})}), "MQTT-3.3.2-19", 9,
       publish},
      {"U+0000 in content type of PUBLISH (5.0)", v5, client,
       join({bytes({0x30, 8}), prefixed("a"), bytes({4, 0x03, 0, 1, 0})}), "MQTT-3.3.2-19", 9, publish},
      // Topics.
      {"'+' in PUBLISH topic", v311, client, join({bytes({0x30, 5}), prefixed("a/+")}), "MQTT-3.3.2-2", 6,
       publish},
      {"'#' in PUBLISH topic (5.0)", v5, server, join({bytes({0x30, 4}), prefixed("#"), bytes({0})}),
       "MQTT-3.3.2-2", 4, publish},
      // The first wildcard is named, wherever it sits (a delivered PUBLISH: from the server).
      {"'+' mid-way in a delivered PUBLISH topic", v311, server, join({bytes({0x30, 10}), prefixed("dtu/+/t#")}),
       "MQTT-3.3.2-2", 8, publish},
      {"'#' last in a delivered PUBLISH topic", v311, server, join({bytes({0x30, 10}), prefixed("dtu/1/t#")}),
       "MQTT-3.3.2-2", 11, publish},
      {"empty PUBLISH topic", v311, client, bytes({0x30, 2, 0, 0}), "MQTT-4.7.3-1", 2, publish},
      {"empty PUBLISH topic without alias (5.0)", v5, client, bytes({0x30, 3, 0, 0, 0}), "MQTT-4.7.3-1", 2,
       publish},
      {"wildcard in will topic (3.1.1)", v311, client,
       packet(0x10, connect_body(v311, 0x06, join({prefixed("x"), prefixed("a/#"), prefixed("p")}))),
       "MQTT-4.7.1-1", 19, connect},
      {"'#' not last in filter (3.1.1)", v311, client,
       join({bytes({0x82, 10, 0, 1}), prefixed("a/#/b"), bytes({0})}), "MQTT-4.7.1-2", 8, subscribe},
      {"'#' not alone in level (3.1.1)", v311, client,
       join({bytes({0x82, 7, 0, 1}), prefixed("a#"), bytes({0})}), "MQTT-4.7.1-2", 7, subscribe},
      {"'+' not alone in level (3.1.1)", v311, client,
       join({bytes({0x82, 9, 0, 1}), prefixed("a/b+"), bytes({0})}), "MQTT-4.7.1-3", 9, subscribe},
      {"'+' not alone in level (5.0)", v5, client,
       join({bytes({0x82, 8, 0, 1, 0}), prefixed("+a"), bytes({0})}), "MQTT-4.7.1-2", 7, subscribe},
      {"'#' not last in filter (5.0)", v5, client, join({bytes({0xA2, 8, 0, 1, 0}), prefixed("#/a")}),
       "MQTT-4.7.1-1", 7, unsubscribe},
      {"empty topic filter", v311, client, bytes({0xA2, 4, 0, 1, 0, 0}), "MQTT-4.7.3-1", 4, unsubscribe},
      {"shared subscription without filter (5.0)", v5, client,
       join({bytes({0x82, 14, 0, 1, 0}), prefixed("$share/g"), bytes({0})}), "MQTT-4.8.2-2", 15, subscribe},
      // Packet identifiers.
      {"PUBLISH QoS 1 with packet id 0", v311, client, join({bytes({0x32, 5}), prefixed("a"), bytes({0, 0})}),
       "MQTT-2.3.1-1", 5, publish},
      {"SUBSCRIBE with packet id 0", v311, client, join({bytes({0x82, 6, 0, 0}), prefixed("a"), bytes({0})}),
       "MQTT-2.3.1-1", 2, subscribe},
      {"UNSUBSCRIBE with packet id 0 (5.0)", v5, client, join({bytes({0xA2, 6, 0, 0, 0}), prefixed("a")}),
       "MQTT-2.2.1-3", 2, unsubscribe},
      {"server PUBLISH QoS 2 with packet id 0 (5.0)", v5, server,
       join({bytes({0x34, 6}), prefixed("a"), bytes({0, 0, 0})}), "MQTT-2.2.1-4", 5, publish},
      {"PUBACK for packet id 0", v311, server, bytes({0x40, 2, 0, 0}), "", 2, puback},
      {"SUBACK for packet id 0 (5.0)", v5, server, bytes({0x90, 4, 0, 0, 0, 0}), "", 2, suback},
      // SUBSCRIBE / UNSUBSCRIBE payloads.
      {"SUBSCRIBE without payload (3.1.1)", v311, client, bytes({0x82, 2, 0, 1}), "MQTT-3.8.3-3", 4,
       subscribe},
      {"SUBSCRIBE without payload (5.0)", v5, client, bytes({0x82, 3, 0, 1, 0}), "MQTT-3.8.3-2", 5,
       subscribe},
      {"UNSUBSCRIBE without payload", v311, client, bytes({0xA2, 2, 0, 1}), "MQTT-3.10.3-2", 4, unsubscribe},
      {"UNSUBSCRIBE without payload (5.0)", v5, client, bytes({0xA2, 3, 0, 1, 0}), "MQTT-3.10.3-2", 5,
       unsubscribe},
      {"SUBSCRIBE reserved QoS bits (3.1.1)", v311, client,
       join({bytes({0x82, 6, 0, 1}), prefixed("a"), bytes({4})}), "MQTT-3.8.3-4", 7, subscribe},
      {"SUBSCRIBE QoS 3 (3.1.1)", v311, client, join({bytes({0x82, 6, 0, 1}), prefixed("a"), bytes({3})}),
       "MQTT-3.8.3-4", 7, subscribe},
      {"SUBSCRIBE reserved option bits (5.0)", v5, client,
       join({bytes({0x82, 7, 0, 1, 0}), prefixed("a"), bytes({0x40})}), "MQTT-3.8.3-5", 8, subscribe},
      {"SUBSCRIBE retain handling 3 (5.0)", v5, client,
       join({bytes({0x82, 7, 0, 1, 0}), prefixed("a"), bytes({0x30})}), "", 8, subscribe},
      {"no local on shared subscription (5.0)", v5, client,
       join({bytes({0x82, 18, 0, 1, 0}), prefixed("$share/g/a/b"), bytes({0x04})}), "MQTT-3.8.3-4", 19,
       subscribe},
      // CONNECT.
      {"protocol name not MQTT", v311, client,
       packet(0x10, join({prefixed("MQTX"), bytes({4, 2, 0, 60}), prefixed("x")})), "MQTT-3.1.2-1", 2,
       connect},
      {"level 3 with name MQTT", v311, client,
       packet(0x10, join({prefixed("MQTT"), bytes({3, 2, 0, 60}), prefixed("x")})), "MQTT-3.1.2-2", 8,
       connect},
      {"level 4 with name MQIsdp", v3, client,
       packet(0x10, join({prefixed("MQIsdp"), bytes({4, 2, 0, 60}), prefixed("x")})), "MQTT-3.1.2-2", 10,
       connect},
      {"CONNECT reserved flag", v311, client, packet(0x10, connect_body(v311, 0x03, prefixed("x"))),
       "MQTT-3.1.2-3", 9, connect},
      {"CONNECT reserved flag (5.0)", v5, client, packet(0x10, connect_body(v5, 0x01, prefixed("x"))),
       "MQTT-3.1.2-3", 9, connect},
      {"will QoS without will (3.1.1)", v311, client, packet(0x10, connect_body(v311, 0x0A, prefixed("x"))),
       "MQTT-3.1.2-13", 9, connect},
      {"will retain without will (3.1.1)", v311, client,
       packet(0x10, connect_body(v311, 0x22, prefixed("x"))), "MQTT-3.1.2-15", 9, connect},
      {"will QoS 3 (3.1.1)", v311, client,
       packet(0x10, connect_body(v311, 0x1E, join({prefixed("x"), prefixed("w"), prefixed("p")}))),
       "MQTT-3.1.2-14", 9, connect},
      {"will QoS without will (5.0)", v5, client, packet(0x10, connect_body(v5, 0x12, prefixed("x"))),
       "MQTT-3.1.2-11", 9, connect},
      {"will retain without will (5.0)", v5, client, packet(0x10, connect_body(v5, 0x20, prefixed("x"))),
       "MQTT-3.1.2-13", 9, connect},
      {"will QoS 3 (5.0)", v5, client, packet(0x10, connect_body(v5, 0x1C, prefixed("x"))), "MQTT-3.1.2-12",
       9, connect},
      {"password without user name (3.1.1)", v311, client,
       packet(0x10, connect_body(v311, 0x42, join({prefixed("x"), prefixed("pw")}))), "MQTT-3.1.2-22", 9,
       connect},
      {"password without user name (3.1)", v3, client,
       packet(0x10, connect_body(v3, 0x42, join({prefixed("x"), prefixed("pw")}))), "MQTT-3.1.2-22", 11,
       connect},
      {"CONNECT missing client identifier", v311, client, packet(0x10, connect_body(v311, 0x02, {})), "", 12,
       connect},
      {"CONNECT user name flag but no user name", v311, client,
       packet(0x10, connect_body(v311, 0x82, prefixed("x"))), "", 15, connect},
      {"Authentication Data without method (5.0)", v5, client,
       packet(0x10, join({prefixed("MQTT"), bytes({5, 2, 0, 60, 4, 0x16, 0, 1, 9}), prefixed("x")})), "", 12,
       connect},
      // CONNACK.
      {"CONNACK reserved bits (3.1.1)", v311, server, bytes({0x20, 2, 0x02, 0}), "", 2, connack},
      {"CONNACK reserved bits (5.0)", v5, server, bytes({0x20, 3, 0x80, 0, 0}), "MQTT-3.2.2-1", 2, connack},
      {"CONNACK reserved byte (3.1)", v3, server, bytes({0x20, 2, 0x01, 0}), "", 2, connack},
      {"CONNACK return code 6 (3.1.1)", v311, server, bytes({0x20, 2, 0, 6}), "", 3, connack},
      {"CONNACK reason code 0x01 (5.0)", v5, server, bytes({0x20, 3, 0, 0x01, 0}), "MQTT-3.2.2-8", 3,
       connack},
      {"session present with failure (3.1.1)", v311, server, bytes({0x20, 2, 1, 5}), "MQTT-3.2.2-4", 2,
       connack},
      {"session present with failure (5.0)", v5, server, bytes({0x20, 3, 1, 0x87, 0}), "MQTT-3.2.2-6", 2,
       connack},
      // SUBACK / UNSUBACK.
      {"SUBACK return code 3 (3.1.1)", v311, server, bytes({0x90, 3, 0, 1, 3}), "MQTT-3.9.3-2", 4, suback},
      {"SUBACK return code 0x81 (3.1.1)", v311, server, bytes({0x90, 4, 0, 1, 0, 0x81}), "MQTT-3.9.3-2", 5,
       suback},
      {"SUBACK reason code 0x10 (5.0)", v5, server, bytes({0x90, 4, 0, 1, 0, 0x10}), "MQTT-3.9.3-2", 5,
       suback},
      {"SUBACK without return codes", v311, server, bytes({0x90, 2, 0, 1}), "", 4, suback},
      {"UNSUBACK reason code 0x01 (5.0)", v5, server, bytes({0xB0, 4, 0, 1, 0, 0x01}), "MQTT-3.11.3-2", 5,
       unsuback},
      // Lengths.
      {"PUBACK too short", v311, server, bytes({0x40, 1, 0}), "", 2, puback},
      {"PUBACK trailing byte (3.1.1)", v311, server, bytes({0x40, 3, 0, 1, 0}), "", 4, puback},
      {"PINGREQ with a body", v311, client, bytes({0xC0, 1, 0}), "", 2, pingreq},
      {"UNSUBACK trailing byte (3.1.1)", v311, server, bytes({0xB0, 3, 0, 1, 0}), "", 4, unsuback},
      {"string longer than the packet", v311, client, bytes({0x30, 4, 0, 9, 'a', 'b'}), "", 4, publish},
      {"property length past the packet (5.0)", v5, server, bytes({0x40, 4, 0, 1, 0, 9}), "", 5, puback},
      {"property value past the property length (5.0)", v5, server, bytes({0x40, 6, 0, 1, 0, 2, 0x1F, 0}), "",
       7, puback},
      {"AUTH with a reason code only (5.0)", v5, client, bytes({0xF0, 1, 0x18}), "", 3, auth},
      // Direction.
      {"CONNACK from a client", v311, client, bytes({0x20, 2, 0, 0}), "", 0, connack},
      {"CONNECT from a server", v311, server, packet(0x10, connect_body(v311, 0x02, prefixed("x"))), "", 0,
       connect},
      {"SUBSCRIBE from a server", v5, server, join({bytes({0x82, 7, 0, 1, 0}), prefixed("a"), bytes({0})}),
       "", 0, subscribe},
      {"PINGRESP from a client", v311, client, bytes({0xD0, 0}), "", 0, pingresp},
      {"DISCONNECT from a server (3.1.1)", v311, server, bytes({0xE0, 0}), "", 0, disconnect},
      // 5.0 properties.
      {"duplicate Payload Format Indicator", v5, client,
       join({bytes({0x30, 8}), prefixed("a"), bytes({4, 0x01, 0, 0x01, 1})}), "", 8, publish},
      {"duplicate Reason String", v5, server, bytes({0x40, 10, 0, 1, 0, 6, 0x1F, 0, 0, 0x1F, 0, 0}), "", 9,
       puback},
      {"duplicate Subscription Identifier in SUBSCRIBE", v5, client,
       join({bytes({0x82, 11, 0, 1, 4, 0x0B, 1, 0x0B, 2}), prefixed("a"), bytes({0})}), "", 7, subscribe},
      {"Topic Alias in PUBACK", v5, server, bytes({0x40, 7, 0, 1, 0, 3, 0x23, 0, 1}), "", 6, puback},
      {"Session Expiry Interval in PUBLISH", v5, client,
       join({bytes({0x30, 9}), prefixed("a"), bytes({5, 0x11, 0, 0, 0, 1})}), "", 6, publish},
      {"Will Delay Interval in CONNECT properties", v5, client,
       packet(0x10, join({prefixed("MQTT"), bytes({5, 2, 0, 60, 5, 0x18, 0, 0, 0, 1}), prefixed("x")})), "",
       13, connect},
      {"unknown property identifier", v5, server, bytes({0x40, 5, 0, 1, 0, 1, 0x7F}), "", 6, puback},
      {"Maximum QoS 2", v5, server, bytes({0x20, 5, 0, 0, 2, 0x24, 2}), "", 6, connack},
      {"Receive Maximum 0", v5, client,
       packet(0x10, join({prefixed("MQTT"), bytes({5, 2, 0, 60, 3, 0x21, 0, 0}), prefixed("x")})), "", 14,
       connect},
      {"Maximum Packet Size 0", v5, server, bytes({0x20, 8, 0, 0, 5, 0x27, 0, 0, 0, 0}), "", 6, connack},
      {"Subscription Identifier 0", v5, client,
       join({bytes({0x82, 9, 0, 1, 2, 0x0B, 0}), prefixed("a"), bytes({0})}), "", 6, subscribe},
      {"Topic Alias 0", v5, client, join({bytes({0x30, 7}), prefixed("a"), bytes({3, 0x23, 0, 0})}),
       "MQTT-3.3.2-8", 7, publish},
      {"Request Problem Information 2", v5, client,
       packet(0x10, join({prefixed("MQTT"), bytes({5, 2, 0, 60, 2, 0x17, 2}), prefixed("x")})), "", 14,
       connect},
      {"wildcard in Response Topic", v5, client,
       join({bytes({0x30, 9}), prefixed("a"), bytes({5, 0x08}), prefixed("a+")}), "MQTT-3.3.2-14", 10,
       publish},
      {"Subscription Identifier from a client's PUBLISH", v5, client,
       join({bytes({0x30, 6}), prefixed("a"), bytes({2, 0x0B, 1})}), "MQTT-3.3.4-6", 5, publish},
      {"Session Expiry Interval in a server DISCONNECT", v5, server, bytes({0xE0, 7, 0, 5, 0x11, 0, 0, 0, 0}),
       "MQTT-3.14.2-2", 3, disconnect},
      {"AUTH without Authentication Method", v5, server, bytes({0xF0, 2, 0x18, 0}), "", 3, auth},
      // 5.0 reason codes.
      {"PUBACK reason 0x01", v5, server, bytes({0x40, 3, 0, 1, 0x01}), "MQTT-3.4.2-1", 4, puback},
      {"PUBREC reason 0x92", v5, client, bytes({0x50, 3, 0, 1, 0x92}), "MQTT-3.5.2-1", 4, pubrec},
      {"PUBREL reason 0x80", v5, client, bytes({0x62, 3, 0, 1, 0x80}), "MQTT-3.6.2-1", 4, pubrel},
      {"PUBCOMP reason 0x10", v5, server, bytes({0x70, 3, 0, 1, 0x10}), "MQTT-3.7.2-1", 4, pubcomp},
      {"DISCONNECT reason 0x05", v5, client, bytes({0xE0, 1, 0x05}), "MQTT-3.14.2-1", 2, disconnect},
      {"AUTH reason 0x01", v5, client, bytes({0xF0, 2, 0x01, 0}), "MQTT-3.15.2-1", 2, auth},
  };
  return table;
}

TEST(Malformed, EveryVectorFailsWithItsStatementOffsetAndPacketType) {
  for (const auto& entry : cases()) {
    SCOPED_TRACE(entry.name);
    const auto result = decode_packet(entry.wire, entry.sender, entry.version, 1000);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(result)) << "decoded without error";
    const auto& error = std::get<DecodeError>(result);
    EXPECT_EQ(error.statement, entry.statement) << describe(error);
    EXPECT_EQ(error.offset, 1000 + entry.offset) << describe(error);
    EXPECT_EQ(error.packet_type, entry.type) << describe(error);
    EXPECT_FALSE(error.message.empty());
  }
}

// The same vectors through a stream: offsets become stream offsets after a valid packet.
TEST(Malformed, StreamDecoderReportsTheSameErrorAtStreamOffsets) {
  for (const auto& entry : cases()) {
    SCOPED_TRACE(entry.name);
    DecoderOptions options;
    options.sender = entry.sender;
    options.version = entry.version;
    StreamDecoder decoder(options);
    const Bytes ping = entry.sender == Sender::client ? Bytes{0xC0, 0} : Bytes{0xD0, 0};
    decoder.feed(ping);
    decoder.feed(entry.wire);
    ASSERT_TRUE(std::holds_alternative<DecodedPacket>(decoder.next()));
    const auto result = decoder.next();
    ASSERT_TRUE(std::holds_alternative<DecodeError>(result));
    const auto& error = std::get<DecodeError>(result);
    EXPECT_EQ(error.statement, entry.statement) << describe(error);
    EXPECT_EQ(error.packet_type, entry.type) << describe(error);
    // Truncation shows up in a stream as waiting for more bytes, so only check offsets inside the packet.
    if (error.offset < 2 + entry.wire.size()) {
      EXPECT_EQ(error.offset, 2 + entry.offset) << describe(error);
    }
    const auto again = decoder.next();
    ASSERT_TRUE(std::holds_alternative<DecodeError>(again)) << "the decoder stays failed";
    EXPECT_EQ(std::get<DecodeError>(again), error);
  }
}

TEST(Malformed, NonMinimalRemainingLengthIsAcceptedBefore50) {
  const auto result = decode_packet(bytes({0xC0, 0x80, 0x00}), Sender::client, ProtocolVersion::v3_1_1);
  EXPECT_TRUE(std::holds_alternative<Packet>(result));
}

TEST(Malformed, ThreeOneOneRefusalOfAFiveZeroConnectIsAcceptedAsSuch) {
  // A 3.1.1-only server answers a 5.0 CONNECT with the 3.1.1 CONNACK "unacceptable protocol version".
  const auto result = decode_packet(bytes({0x20, 2, 0, 0x01}), Sender::server, ProtocolVersion::v5);
  ASSERT_TRUE(std::holds_alternative<Packet>(result)) << describe(std::get<DecodeError>(result));
  const auto& connack = std::get<Connack>(std::get<Packet>(result));
  EXPECT_EQ(connack.version, ProtocolVersion::v3_1_1);
  EXPECT_EQ(connack.reason_code, 0x01);
  // Any other two-byte answer to a 5.0 CONNECT is still malformed.
  const auto other = decode_packet(bytes({0x20, 2, 0, 0x00}), Sender::server, ProtocolVersion::v5);
  ASSERT_TRUE(std::holds_alternative<DecodeError>(other));
  EXPECT_EQ(std::get<DecodeError>(other).statement, "MQTT-3.2.2-8");
}

TEST(Malformed, PasswordWithoutUserNameIsAllowedIn50) {
  const auto wire = packet(0x10, connect_body(v5, 0x42, join({prefixed("x"), prefixed("pw")})));
  const auto result = decode_packet(wire, Sender::client, ProtocolVersion::v5);
  ASSERT_TRUE(std::holds_alternative<Packet>(result)) << describe(std::get<DecodeError>(result));
  EXPECT_EQ(std::get<Connect>(std::get<Packet>(result)).password, text("pw"));
}

TEST(Malformed, EmptyTopicWithTopicAliasIsAllowedIn50) {
  const auto wire = bytes({0x30, 6, 0, 0, 3, 0x23, 0, 1});
  const auto result = decode_packet(wire, Sender::client, ProtocolVersion::v5);
  EXPECT_TRUE(std::holds_alternative<Packet>(result));
}

TEST(Malformed, DescribeNamesOffsetPacketAndStatement) {
  const DecodeError error{17, PacketType::publish, "MQTT-3.3.1-4", "QoS 3 is not allowed"};
  EXPECT_EQ(describe(error), "byte 17, PUBLISH: QoS 3 is not allowed [MQTT-3.3.1-4]");
}

}  // namespace
}  // namespace mqtt
