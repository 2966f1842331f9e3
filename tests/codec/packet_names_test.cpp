#include <gtest/gtest.h>

#include "codec/packet.hpp"

namespace mqtt {
namespace {

TEST(PacketNames, VersionsPrintAndParse) {
  EXPECT_EQ(to_string(ProtocolVersion::v3_1), "3.1");
  EXPECT_EQ(to_string(ProtocolVersion::v3_1_1), "3.1.1");
  EXPECT_EQ(to_string(ProtocolVersion::v5), "5.0");
  EXPECT_EQ(parse_protocol_version("3.1"), ProtocolVersion::v3_1);
  EXPECT_EQ(parse_protocol_version("3.1.1"), ProtocolVersion::v3_1_1);
  EXPECT_EQ(parse_protocol_version("5"), ProtocolVersion::v5);
  EXPECT_EQ(parse_protocol_version("5.0"), ProtocolVersion::v5);
  EXPECT_EQ(parse_protocol_version("4"), std::nullopt);
  EXPECT_EQ(parse_protocol_version(""), std::nullopt);
}

TEST(PacketNames, TypesPrintInCapitals) {
  EXPECT_EQ(to_string(PacketType::connect), "CONNECT");
  EXPECT_EQ(to_string(PacketType::unsuback), "UNSUBACK");
  EXPECT_EQ(to_string(PacketType::auth), "AUTH");
  EXPECT_EQ(to_string(PropertyId::user_property), "User Property");
}

TEST(PacketNames, TypeAndVersionOfAPacketValue) {
  EXPECT_EQ(packet_type(Packet(Pubrel{})), PacketType::pubrel);
  EXPECT_EQ(packet_type(Packet(Pubcomp{})), PacketType::pubcomp);
  EXPECT_EQ(packet_type(Packet(Auth{})), PacketType::auth);
  EXPECT_EQ(packet_version(Packet(Auth{})), ProtocolVersion::v5);
  Connect connect;
  connect.version = ProtocolVersion::v3_1;
  EXPECT_EQ(packet_version(Packet(connect)), ProtocolVersion::v3_1);
}

}  // namespace
}  // namespace mqtt
