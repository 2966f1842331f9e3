// StreamDecoder behaviour beyond splitting: the remaining-length limit, the CONNECT-first rule, buffering.
#include <gtest/gtest.h>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace mqtt {
namespace {

DecoderOptions server_side(ProtocolVersion version, std::uint32_t limit = 268'435'455) {
  DecoderOptions options;
  options.sender = Sender::server;
  options.version = version;
  options.maximum_remaining_length = limit;
  return options;
}

TEST(StreamDecoder, RemainingLengthAboveTheLimitFailsBeforeTheBodyArrives) {
  StreamDecoder decoder(server_side(ProtocolVersion::v3_1_1, 1000));
  decoder.feed(Bytes{0xD0, 0x00});        // PINGRESP
  decoder.feed(Bytes{0x30, 0xE9, 0x07});  // PUBLISH announcing 1001 bytes, none sent yet
  ASSERT_TRUE(std::holds_alternative<DecodedPacket>(decoder.next()));
  const auto result = decoder.next();
  ASSERT_TRUE(std::holds_alternative<DecodeError>(result));
  const auto& error = std::get<DecodeError>(result);
  EXPECT_EQ(error.offset, 3u);  // the first remaining-length byte
  EXPECT_EQ(error.packet_type, PacketType::publish);
  EXPECT_NE(error.message.find("1001"), std::string::npos);
}

TEST(StreamDecoder, RemainingLengthAtTheLimitIsAccepted) {
  StreamDecoder decoder(server_side(ProtocolVersion::v3_1_1, 1000));
  Publish publish;
  publish.topic = "t";
  publish.payload.assign(1000 - 3, 1);
  decoder.feed(encode(publish));
  EXPECT_TRUE(std::holds_alternative<DecodedPacket>(decoder.next()));
}

TEST(StreamDecoder, ProtocolCeilingOf268435455IsReachableButNotExceeded) {
  StreamDecoder decoder(server_side(ProtocolVersion::v5));
  decoder.feed(Bytes{0x30, 0xFF, 0xFF, 0xFF, 0x7F});  // 268,435,455: valid header, body pending
  EXPECT_TRUE(std::holds_alternative<NeedMoreData>(decoder.next()));
  EXPECT_EQ(decoder.buffered(), 5u);
  StreamDecoder too_long(server_side(ProtocolVersion::v5));
  too_long.feed(Bytes{0x30, 0xFF, 0xFF, 0xFF, 0xFF});
  const auto result = too_long.next();
  ASSERT_TRUE(std::holds_alternative<DecodeError>(result));
  EXPECT_EQ(std::get<DecodeError>(result).offset, 4u);
}

TEST(StreamDecoder, ClientStreamMustStartWithConnect) {
  DecoderOptions options;
  options.sender = Sender::client;
  StreamDecoder client(options);
  client.feed(Bytes{0xC0, 0x00});
  const auto result = client.next();
  ASSERT_TRUE(std::holds_alternative<DecodeError>(result));
  EXPECT_EQ(std::get<DecodeError>(result).statement, "MQTT-3.1.0-1");
  EXPECT_EQ(std::get<DecodeError>(result).packet_type, PacketType::pingreq);
}

TEST(StreamDecoder, ServerSideNeedsAVersion) {
  StreamDecoder decoder;  // sender server, no version
  decoder.feed(Bytes{0xD0, 0x00});
  EXPECT_TRUE(std::holds_alternative<DecodeError>(decoder.next()));
  StreamDecoder configured;
  configured.set_version(ProtocolVersion::v5);
  configured.feed(Bytes{0x20, 0x03, 0x00, 0x00, 0x00});
  const auto result = configured.next();
  ASSERT_TRUE(std::holds_alternative<DecodedPacket>(result));
  EXPECT_EQ(packet_version(std::get<DecodedPacket>(result).packet), ProtocolVersion::v5);
}

TEST(StreamDecoder, EmptyDecoderNeedsMoreData) {
  StreamDecoder decoder(server_side(ProtocolVersion::v3_1_1));
  EXPECT_TRUE(std::holds_alternative<NeedMoreData>(decoder.next()));
  decoder.feed(Bytes{0x30});
  EXPECT_TRUE(std::holds_alternative<NeedMoreData>(decoder.next()));
  decoder.feed(Bytes{0x80});
  EXPECT_TRUE(std::holds_alternative<NeedMoreData>(decoder.next()));
  EXPECT_EQ(decoder.consumed(), 0u);
  EXPECT_EQ(decoder.buffered(), 2u);
}

TEST(StreamDecoder, BadFirstByteFailsBeforeTheRestArrives) {
  StreamDecoder decoder(server_side(ProtocolVersion::v3_1_1));
  decoder.feed(Bytes{0x36});  // PUBLISH QoS 3, nothing else yet
  const auto result = decoder.next();
  ASSERT_TRUE(std::holds_alternative<DecodeError>(result));
  EXPECT_EQ(std::get<DecodeError>(result).statement, "MQTT-3.3.1-4");
}

TEST(StreamDecoder, ConsumedBytesAreDroppedSoBufferingStaysBounded) {
  StreamDecoder decoder(server_side(ProtocolVersion::v3_1_1));
  Publish publish;
  publish.topic = "sensors/1";
  publish.payload.assign(100, 7);
  const Bytes one = encode(publish);
  std::size_t decoded = 0;
  for (int round = 0; round < 100'000; ++round) {
    decoder.feed(one);
    while (std::holds_alternative<DecodedPacket>(decoder.next())) ++decoded;
    ASSERT_EQ(decoder.buffered(), 0u);
  }
  EXPECT_EQ(decoded, 100'000u);
  EXPECT_EQ(decoder.consumed(), 100'000u * one.size());
}

TEST(StreamDecoder, RawSpanCoversExactlyThePacketBytes) {
  StreamDecoder decoder(server_side(ProtocolVersion::v3_1_1));
  const Bytes wire{0x40, 0x02, 0x00, 0x05, 0xD0, 0x00};
  decoder.feed(wire);
  auto first = decoder.next();
  ASSERT_TRUE(std::holds_alternative<DecodedPacket>(first));
  const auto& puback = std::get<DecodedPacket>(first);
  EXPECT_EQ(Bytes(puback.raw.begin(), puback.raw.end()), (Bytes{0x40, 0x02, 0x00, 0x05}));
  EXPECT_EQ(std::get<Puback>(puback.packet).packet_id, 5);
  auto second = decoder.next();
  ASSERT_TRUE(std::holds_alternative<DecodedPacket>(second));
  EXPECT_EQ(std::get<DecodedPacket>(second).offset, 4u);
}

}  // namespace
}  // namespace mqtt
