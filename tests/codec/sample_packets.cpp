#include "sample_packets.hpp"

#include <string>

namespace mqtt::testing {
namespace {

Bytes text_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

Properties user_properties() {
  return {Property{PropertyId::user_property, StringPair{"origin", "sensor-7"}},
          Property{PropertyId::user_property, StringPair{"unit", "°C"}}};
}

Connect sample_connect(ProtocolVersion version) {
  Connect connect;
  connect.version = version;
  connect.clean_session = false;
  connect.keep_alive = 30;
  connect.client_id = "thermostat-kitchen";
  connect.username = "device";
  connect.password = text_bytes("s3cret");
  Will will;
  will.topic = "home/kitchen/status";
  will.payload = text_bytes("offline");
  will.qos = QoS::at_least_once;
  will.retain = true;
  if (version == ProtocolVersion::v5) {
    will.properties = {Property{PropertyId::will_delay_interval, std::uint32_t{10}},
                       Property{PropertyId::payload_format_indicator, std::uint8_t{1}},
                       Property{PropertyId::content_type, std::string("text/plain")}};
    connect.properties = {Property{PropertyId::session_expiry_interval, std::uint32_t{3600}},
                          Property{PropertyId::receive_maximum, std::uint16_t{20}},
                          Property{PropertyId::maximum_packet_size, std::uint32_t{65536}},
                          Property{PropertyId::topic_alias_maximum, std::uint16_t{5}},
                          Property{PropertyId::request_response_information, std::uint8_t{1}},
                          Property{PropertyId::request_problem_information, std::uint8_t{0}},
                          Property{PropertyId::authentication_method, std::string("SCRAM-SHA-1")},
                          Property{PropertyId::authentication_data, text_bytes("client-first")}};
    for (auto& property : user_properties()) connect.properties.push_back(property);
  }
  connect.will = will;
  return connect;
}

Publish sample_publish(ProtocolVersion version, QoS qos, std::uint16_t id, std::size_t payload_size,
                       bool from_server) {
  Publish publish;
  publish.version = version;
  publish.qos = qos;
  publish.retain = qos == QoS::at_least_once;
  publish.dup = qos == QoS::exactly_once;
  publish.topic = "home/kitchen/temperature";
  if (qos != QoS::at_most_once) publish.packet_id = id;
  publish.payload.resize(payload_size);
  for (std::size_t index = 0; index < payload_size; ++index)
    publish.payload[index] = static_cast<std::uint8_t>(index * 7);
  if (version == ProtocolVersion::v5) {
    publish.properties = {Property{PropertyId::payload_format_indicator, std::uint8_t{0}},
                          Property{PropertyId::message_expiry_interval, std::uint32_t{120}},
                          Property{PropertyId::topic_alias, std::uint16_t{3}},
                          Property{PropertyId::response_topic, std::string("home/kitchen/reply")},
                          Property{PropertyId::correlation_data, text_bytes("req-1")},
                          Property{PropertyId::content_type, std::string("application/octet-stream")}};
    if (from_server) {
      publish.properties.push_back(Property{PropertyId::subscription_identifier, std::uint32_t{1}});
      publish.properties.push_back(Property{PropertyId::subscription_identifier, std::uint32_t{268'435'455}});
    }
    for (auto& property : user_properties()) publish.properties.push_back(property);
  }
  return publish;
}

template <typename Ack>
Ack sample_ack(ProtocolVersion version, std::uint16_t id, std::uint8_t reason, bool with_properties) {
  Ack ack;
  ack.version = version;
  ack.packet_id = id;
  if (version == ProtocolVersion::v5) {
    ack.reason_code = reason;
    if (with_properties) ack.properties = {Property{PropertyId::reason_string, std::string("fine")}};
  }
  return ack;
}

Subscribe sample_subscribe(ProtocolVersion version) {
  Subscribe subscribe;
  subscribe.version = version;
  subscribe.packet_id = 10;
  subscribe.subscriptions = {Subscription{"home/+/temperature", QoS::at_least_once},
                             Subscription{"home/#", QoS::exactly_once}, Subscription{"#", QoS::at_most_once},
                             Subscription{"+/+/+", QoS::at_most_once}};
  if (version == ProtocolVersion::v5) {
    subscribe.subscriptions[0].no_local = true;
    subscribe.subscriptions[1].retain_as_published = true;
    subscribe.subscriptions[1].retain_handling = 2;
    subscribe.subscriptions.push_back(Subscription{"$share/group/sensors/#", QoS::at_least_once});
    subscribe.properties = {Property{PropertyId::subscription_identifier, std::uint32_t{42}}};
    for (auto& property : user_properties()) subscribe.properties.push_back(property);
  }
  return subscribe;
}

Packet sample_connack(ProtocolVersion version) {
  Connack connack;
  connack.version = version;
  connack.session_present = version != ProtocolVersion::v3_1;
  if (version == ProtocolVersion::v5) {
    connack.properties = {Property{PropertyId::session_expiry_interval, std::uint32_t{600}},
                          Property{PropertyId::receive_maximum, std::uint16_t{100}},
                          Property{PropertyId::maximum_qos, std::uint8_t{1}},
                          Property{PropertyId::retain_available, std::uint8_t{1}},
                          Property{PropertyId::maximum_packet_size, std::uint32_t{1'048'576}},
                          Property{PropertyId::assigned_client_identifier, std::string("auto-1")},
                          Property{PropertyId::topic_alias_maximum, std::uint16_t{10}},
                          Property{PropertyId::reason_string, std::string("welcome")},
                          Property{PropertyId::wildcard_subscription_available, std::uint8_t{1}},
                          Property{PropertyId::subscription_identifier_available, std::uint8_t{1}},
                          Property{PropertyId::shared_subscription_available, std::uint8_t{0}},
                          Property{PropertyId::server_keep_alive, std::uint16_t{45}},
                          Property{PropertyId::response_information, std::string("reply/")},
                          Property{PropertyId::server_reference, std::string("other:1883")},
                          Property{PropertyId::authentication_method, std::string("SCRAM-SHA-1")},
                          Property{PropertyId::authentication_data, Bytes{1, 2, 3}}};
  }
  return connack;
}

}  // namespace

std::vector<DirectedPacket> sample_packets(ProtocolVersion version) {
  const bool v5 = version == ProtocolVersion::v5;
  std::vector<DirectedPacket> packets;
  packets.push_back({Sender::client, sample_connect(version)});
  packets.push_back({Sender::server, sample_connack(version)});
  packets.push_back({Sender::client, sample_publish(version, QoS::at_most_once, 0, 12, false)});
  packets.push_back({Sender::client, sample_publish(version, QoS::at_least_once, 1, 0, false)});
  packets.push_back({Sender::server, sample_publish(version, QoS::exactly_once, 65535, 300, true)});
  packets.push_back({Sender::server, sample_ack<Puback>(version, 1, 0x10, true)});
  packets.push_back({Sender::client, sample_ack<Puback>(version, 2, 0, false)});
  packets.push_back({Sender::client, sample_ack<Pubrec>(version, 3, 0x80, false)});
  packets.push_back({Sender::server, sample_ack<Pubrel>(version, 4, 0x92, true)});
  packets.push_back({Sender::client, sample_ack<Pubcomp>(version, 5, 0, true)});
  packets.push_back({Sender::client, sample_subscribe(version)});
  Suback suback;
  suback.version = version;
  suback.packet_id = 10;
  suback.reason_codes = {1, 2, 0, 0x80};
  if (v5) {
    suback.reason_codes.push_back(0x9E);
    suback.properties = {Property{PropertyId::reason_string, std::string("partly")}};
  }
  packets.push_back({Sender::server, suback});
  Unsubscribe unsubscribe;
  unsubscribe.version = version;
  unsubscribe.packet_id = 11;
  unsubscribe.filters = {"home/+/temperature", "home/#"};
  if (v5) unsubscribe.properties = user_properties();
  packets.push_back({Sender::client, unsubscribe});
  Unsuback unsuback;
  unsuback.version = version;
  unsuback.packet_id = 11;
  if (v5) {
    unsuback.reason_codes = {0x00, 0x11};
    unsuback.properties = {Property{PropertyId::reason_string, std::string("done")}};
  }
  packets.push_back({Sender::server, unsuback});
  packets.push_back({Sender::client, Pingreq{version}});
  packets.push_back({Sender::server, Pingresp{version}});
  Disconnect disconnect;
  disconnect.version = version;
  if (v5) {
    disconnect.reason_code = 0x04;
    disconnect.properties = {Property{PropertyId::session_expiry_interval, std::uint32_t{0}},
                             Property{PropertyId::reason_string, std::string("bye")}};
  }
  packets.push_back({Sender::client, disconnect});
  if (v5) {
    Disconnect from_server;
    from_server.version = version;
    from_server.reason_code = 0x9C;
    from_server.properties = {Property{PropertyId::server_reference, std::string("backup:1883")}};
    packets.push_back({Sender::server, from_server});
    packets.push_back({Sender::server, Disconnect{version, 0x8B, {}}});
    packets.push_back({Sender::client, Disconnect{version, 0, {}}});
    Auth auth;
    auth.reason_code = 0x18;
    auth.properties = {Property{PropertyId::authentication_method, std::string("SCRAM-SHA-1")},
                       Property{PropertyId::authentication_data, text_bytes("server-first")},
                       Property{PropertyId::reason_string, std::string("continue")}};
    packets.push_back({Sender::server, auth});
    packets.push_back({Sender::client, Auth{}});
  }
  return packets;
}

std::vector<Packet> client_stream(ProtocolVersion version) {
  std::vector<Packet> packets;
  for (auto& directed : sample_packets(version)) {
    if (directed.sender == Sender::client) packets.push_back(directed.packet);
  }
  // Move the DISCONNECTs to the end and add a large publish before them, as a real client would.
  std::vector<Packet> ordered;
  std::vector<Packet> closing;
  for (auto& packet : packets) {
    (packet_type(packet) == PacketType::disconnect ? closing : ordered).push_back(packet);
  }
  ordered.push_back(sample_publish(version, QoS::at_least_once, 77, 20'000, false));
  ordered.push_back(Pingreq{version});
  ordered.push_back(closing.front());
  return ordered;
}

std::vector<Packet> server_stream(ProtocolVersion version) {
  std::vector<Packet> packets;
  for (auto& directed : sample_packets(version)) {
    if (directed.sender == Sender::server && packet_type(directed.packet) != PacketType::disconnect) {
      packets.push_back(directed.packet);
    }
  }
  packets.push_back(sample_publish(version, QoS::at_most_once, 0, 200'000, true));
  packets.push_back(Pingresp{version});
  return packets;
}

}  // namespace mqtt::testing
