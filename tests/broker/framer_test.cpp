#include <gtest/gtest.h>

#include <vector>

#include "broker/framer.hpp"

namespace mqtt::broker {
namespace {

// PINGREQ, then a PUBLISH with a 3-byte body, then a DISCONNECT.
const std::vector<std::uint8_t> stream{0xC0, 0x00, 0x30, 0x03, 0x00, 0x01, 'a', 0xE0, 0x00};

TEST(BrokerFramer, CutsPacketsAtEverySplitPosition) {
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    Framer framer(1024);
    std::vector<std::vector<std::uint8_t>> frames;
    auto drain = [&] {
      for (;;) {
        auto next = framer.next();
        if (auto* frame = std::get_if<Frame>(&next)) {
          frames.emplace_back(frame->bytes.begin(), frame->bytes.end());
          continue;
        }
        ASSERT_TRUE(std::holds_alternative<FrameIncomplete>(next));
        return;
      }
    };
    framer.feed(std::span(stream).first(split));
    drain();
    framer.feed(std::span(stream).subspan(split));
    drain();
    ASSERT_EQ(frames.size(), 3u) << "split at " << split;
    EXPECT_EQ(frames[0], (std::vector<std::uint8_t>{0xC0, 0x00}));
    EXPECT_EQ(frames[1].size(), 5u);
    EXPECT_EQ(frames[2], (std::vector<std::uint8_t>{0xE0, 0x00}));
    EXPECT_EQ(framer.buffered(), 0u);
  }
}

TEST(BrokerFramer, ReportsHeaderSizeAndOffset) {
  Framer framer(1024);
  framer.feed(stream);
  std::get<Frame>(framer.next());
  const Frame publish = std::get<Frame>(framer.next());
  EXPECT_EQ(publish.offset, 2u);
  EXPECT_EQ(publish.header_size, 2u);
}

TEST(BrokerFramer, RejectsAFifthRemainingLengthByte) {
  Framer framer(1u << 28);
  const std::vector<std::uint8_t> bytes{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  framer.feed(bytes);
  EXPECT_TRUE(std::holds_alternative<FramingError>(framer.next()));
}

TEST(BrokerFramer, RejectsPacketsAboveTheSizeLimit) {
  Framer framer(100);
  const std::vector<std::uint8_t> bytes{0x30, 0x65};  // remaining length 101
  framer.feed(bytes);
  EXPECT_TRUE(std::holds_alternative<FramingError>(framer.next()));
}

}  // namespace
}  // namespace mqtt::broker
