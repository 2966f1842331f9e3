// Every packet type, in every version where it exists, survives encode -> decode unchanged.
#include <gtest/gtest.h>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "sample_packets.hpp"

namespace mqtt {
namespace {

using testing::all_versions;
using testing::sample_packets;

TEST(RoundTrip, EveryPacketTypeInEveryVersionDecodesToWhatWasEncoded) {
  for (const auto version : all_versions) {
    for (const auto& [sender, packet] : sample_packets(version)) {
      SCOPED_TRACE(std::string(to_string(version)) + " " + std::string(to_string(packet_type(packet))));
      const Bytes wire = encode(packet);
      const auto decoded = decode_packet(wire, sender, version);
      ASSERT_TRUE(std::holds_alternative<Packet>(decoded)) << describe(std::get<DecodeError>(decoded));
      EXPECT_EQ(std::get<Packet>(decoded), packet);
      EXPECT_EQ(packet_version(std::get<Packet>(decoded)), version);
    }
  }
}

TEST(RoundTrip, SamplesCoverEveryPacketTypeOfEachVersion) {
  for (const auto version : all_versions) {
    std::vector<bool> seen(16, false);
    for (const auto& directed : sample_packets(version))
      seen[static_cast<int>(packet_type(directed.packet))] = true;
    const int last = version == ProtocolVersion::v5 ? 15 : 14;
    for (int type = 1; type <= last; ++type)
      EXPECT_TRUE(seen[type]) << "type " << type << " in " << to_string(version);
  }
}

TEST(RoundTrip, EncodeAppendsToTheCallersBuffer) {
  Bytes out{0xAA};
  encode(Pingreq{ProtocolVersion::v3_1_1}, out);
  encode(Pingresp{ProtocolVersion::v3_1_1}, out);
  EXPECT_EQ(out, (Bytes{0xAA, 0xC0, 0x00, 0xD0, 0x00}));
}

TEST(RoundTrip, MqttThreeOneConnectUsesMQIsdpAndLevelThree) {
  Connect connect;
  connect.version = ProtocolVersion::v3_1;
  connect.client_id = "c";
  const Bytes wire = encode(connect);
  const Bytes expected{0x10, 15, 0, 6, 'M', 'Q', 'I', 's', 'd', 'p', 3, 0x02, 0, 60, 0, 1, 'c'};
  EXPECT_EQ(wire, expected);
}

TEST(RoundTrip, FiveZeroAcknowledgementsUseTheShortestForm) {
  EXPECT_EQ(encode(Puback{ProtocolVersion::v5, 7, 0, {}}), (Bytes{0x40, 2, 0, 7}));
  EXPECT_EQ(encode(Puback{ProtocolVersion::v5, 7, 0x10, {}}), (Bytes{0x40, 3, 0, 7, 0x10}));
  EXPECT_EQ(encode(Disconnect{ProtocolVersion::v5, 0, {}}), (Bytes{0xE0, 0}));
  EXPECT_EQ(encode(Auth{}), (Bytes{0xF0, 0}));
  EXPECT_EQ(encode(Pubrel{ProtocolVersion::v3_1_1, 9, 0, {}}), (Bytes{0x62, 2, 0, 9}));
}

TEST(RoundTrip, LargePayloadUsesAFourByteRemainingLength) {
  Publish publish;
  publish.topic = "t";
  publish.payload.assign(2'097'152, 0x5A);  // 2 MiB needs four length bytes
  const Bytes wire = encode(publish);
  EXPECT_EQ(wire[4] & 0x80, 0);
  EXPECT_NE(wire[3] & 0x80, 0);
  const auto decoded = decode_packet(wire, Sender::client, ProtocolVersion::v3_1_1);
  ASSERT_TRUE(std::holds_alternative<Packet>(decoded));
  EXPECT_EQ(std::get<Packet>(decoded), Packet(publish));
}

}  // namespace
}  // namespace mqtt
