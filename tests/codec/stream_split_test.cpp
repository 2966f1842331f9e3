// A realistic stream decodes to the same packets, at the same offsets, however it is split into chunks.
#include <gtest/gtest.h>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "sample_packets.hpp"

namespace mqtt {
namespace {

using testing::all_versions;

struct Expected {
  Packet packet;
  std::size_t offset;
  std::size_t size;
};

struct Stream {
  Bytes bytes;
  std::vector<Expected> packets;
};

Stream build(const std::vector<Packet>& packets) {
  Stream stream;
  for (const auto& packet : packets) {
    const std::size_t offset = stream.bytes.size();
    encode(packet, stream.bytes);
    stream.packets.push_back({packet, offset, stream.bytes.size() - offset});
  }
  return stream;
}

// Drains the decoder, checking each packet against the next expected one.
void drain(StreamDecoder& decoder, const Stream& stream, std::size_t& index) {
  while (true) {
    auto result = decoder.next();
    if (std::holds_alternative<NeedMoreData>(result)) return;
    ASSERT_TRUE(std::holds_alternative<DecodedPacket>(result)) << describe(std::get<DecodeError>(result));
    ASSERT_LT(index, stream.packets.size());
    const auto& decoded = std::get<DecodedPacket>(result);
    const auto& expected = stream.packets[index];
    EXPECT_EQ(decoded.packet, expected.packet);
    EXPECT_EQ(decoded.offset, expected.offset);
    ASSERT_EQ(decoded.raw.size(), expected.size);
    EXPECT_TRUE(std::equal(decoded.raw.begin(), decoded.raw.end(), stream.bytes.begin() + expected.offset));
    ++index;
  }
}

DecoderOptions options_for(Sender sender, ProtocolVersion version) {
  DecoderOptions options;
  options.sender = sender;
  if (sender == Sender::server)
    options.version = version;  // a client decoder learns the version from CONNECT
  return options;
}

void check_every_split(Sender sender, ProtocolVersion version, const Stream& stream) {
  for (std::size_t split = 0; split <= stream.bytes.size(); ++split) {
    SCOPED_TRACE("split at byte " + std::to_string(split));
    StreamDecoder decoder(options_for(sender, version));
    std::size_t index = 0;
    const std::span<const std::uint8_t> all(stream.bytes);
    decoder.feed(all.first(split));
    drain(decoder, stream, index);
    decoder.feed(all.subspan(split));
    drain(decoder, stream, index);
    ASSERT_EQ(index, stream.packets.size());
    EXPECT_EQ(decoder.consumed(), stream.bytes.size());
    EXPECT_EQ(decoder.buffered(), 0u);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(StreamSplit, ClientStreamDecodesIdenticallyAtEverySplitPoint) {
  for (const auto version : all_versions) {
    SCOPED_TRACE(std::string(to_string(version)));
    check_every_split(Sender::client, version, build(testing::client_stream(version)));
  }
}

TEST(StreamSplit, ServerStreamDecodesIdenticallyAtEverySplitPoint) {
  for (const auto version : all_versions) {
    SCOPED_TRACE(std::string(to_string(version)));
    auto packets = testing::server_stream(version);
    packets.erase(packets.end() - 2);  // keep the 200 kB publish out of the quadratic every-split loop ...
    check_every_split(Sender::server, version, build(packets));
  }
}

TEST(StreamSplit, OneByteAtATime) {
  for (const auto version : all_versions) {
    for (const auto sender : {Sender::client, Sender::server}) {
      SCOPED_TRACE(std::string(to_string(version)));
      // ... but feed it, and everything else, one byte at a time.
      const Stream stream =
          build(sender == Sender::client ? testing::client_stream(version) : testing::server_stream(version));
      StreamDecoder decoder(options_for(sender, version));
      std::size_t index = 0;
      for (std::size_t position = 0; position < stream.bytes.size(); ++position) {
        decoder.feed(std::span<const std::uint8_t>(stream.bytes).subspan(position, 1));
        drain(decoder, stream, index);
        ASSERT_FALSE(::testing::Test::HasFailure());
        ASSERT_LE(decoder.buffered(), 210'000u);
      }
      EXPECT_EQ(index, stream.packets.size());
    }
  }
}

TEST(StreamSplit, SeveralPacketsInOneChunk) {
  for (const auto version : all_versions) {
    const Stream stream = build(testing::client_stream(version));
    StreamDecoder decoder(options_for(Sender::client, version));
    decoder.feed(stream.bytes);
    std::size_t index = 0;
    drain(decoder, stream, index);
    EXPECT_EQ(index, stream.packets.size());
    EXPECT_EQ(decoder.version(), version);
  }
}

TEST(StreamSplit, ClientDecoderAdoptsTheConnectLevel) {
  for (const auto version : all_versions) {
    StreamDecoder decoder(options_for(Sender::client, version));
    EXPECT_FALSE(decoder.version().has_value());
    Connect connect;
    connect.version = version;
    connect.client_id = "x";
    decoder.feed(encode(connect));
    ASSERT_TRUE(std::holds_alternative<DecodedPacket>(decoder.next()));
    EXPECT_EQ(decoder.version(), version);
  }
}

}  // namespace
}  // namespace mqtt
