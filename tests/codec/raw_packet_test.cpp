// RawPacket writes exactly the bytes asked for, including lengths that lie and non-minimal encodings.
#include <gtest/gtest.h>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace mqtt {
namespace {

TEST(RawPacket, TrueLengthByDefault) {
  EXPECT_EQ((RawPacket{0x40, std::nullopt, 0, {0, 1}}.encode()), (Bytes{0x40, 2, 0, 1}));
}

TEST(RawPacket, WrongLengthIsWrittenAsGiven) {
  EXPECT_EQ((RawPacket{0x40, 9, 0, {0, 1}}.encode()), (Bytes{0x40, 9, 0, 1}));
  EXPECT_EQ((RawPacket{0x30, 321, 0, {}}.encode()), (Bytes{0x30, 0xC1, 0x02}));
}

TEST(RawPacket, PaddingMakesANonMinimalLength) {
  EXPECT_EQ((RawPacket{0xC0, std::nullopt, 1, {}}.encode()), (Bytes{0xC0, 0x80, 0x00}));
  EXPECT_EQ((RawPacket{0x40, std::nullopt, 3, {0, 1}}.encode()), (Bytes{0x40, 0x82, 0x80, 0x80, 0x00, 0, 1}));
  // The value is unchanged: a lenient 3.1.1 decoder reads the same PUBACK.
  const auto decoded = decode_packet(RawPacket{0x40, std::nullopt, 2, {0, 1}}.encode(), Sender::server,
                                     ProtocolVersion::v3_1_1);
  ASSERT_TRUE(std::holds_alternative<Packet>(decoded));
  EXPECT_EQ(std::get<Puback>(std::get<Packet>(decoded)).packet_id, 1);
}

TEST(RawPacket, AnyFirstByte) {
  EXPECT_EQ((RawPacket{0xFF, std::nullopt, 0, {}}.encode()), (Bytes{0xFF, 0}));
  EXPECT_EQ((RawPacket{0x00, std::nullopt, 0, {}}.encode()), (Bytes{0x00, 0}));
}

TEST(BodyHelpers, WriteBigEndianAndLengthPrefixes) {
  Bytes out;
  append_u16(out, 0x1234);
  append_string(out, "ab");
  append_variable_integer(out, 16'384);
  append_variable_integer(out, 0);
  EXPECT_EQ(out, (Bytes{0x12, 0x34, 0, 2, 'a', 'b', 0x80, 0x80, 0x01, 0x00}));
}

}  // namespace
}  // namespace mqtt
