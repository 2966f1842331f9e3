// The WebSocket unframer's failures are one line of text even when the bytes they quote are not (found by
// tests/fuzz/websocket_unframer_fuzzer: a server status line with a bare line feed and control bytes).
#include "capture/websocket_unframer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "pcap_builder.hpp"
#include "websocket_frames.hpp"

namespace mqtt::capture::test {
namespace {

TEST(WebSocketUnframer, ARefusedUpgradeQuotesTheStatusLineEscapedAndCut) {
  const std::string head = "HTTP/1.1 403 No\x01\x07 way\nSet-Cookie: a\r\n" + std::string(200, 'x') + "\r\n\r\n";
  WebSocketUnframer unframer(false);
  std::vector<std::uint8_t> mqtt;
  const auto failure = unframer.feed(std::span(reinterpret_cast<const std::uint8_t*>(head.data()), head.size()), mqtt);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->rfind("the server refused the WebSocket upgrade: \"HTTP/1.1 403 No\\x01\\x07 way\\x0ASet-Cookie: a",
                           0),
            0u)
      << *failure;
  EXPECT_LT(failure->size(), 200u);
  for (const char character : *failure) EXPECT_GE(static_cast<unsigned char>(character), 0x20u) << *failure;
}

TEST(WebSocketUnframer, AnAcceptedUpgradeThenFramesGiveTheMqttBytes) {
  const Bytes stream = concat({websocket_upgrade_response(), websocket_frame(connack_bytes(), false)});
  WebSocketUnframer unframer(false);
  std::vector<std::uint8_t> mqtt;
  EXPECT_FALSE(unframer.feed(stream, mqtt));
  EXPECT_EQ(mqtt, connack_bytes());
}

}  // namespace
}  // namespace mqtt::capture::test
