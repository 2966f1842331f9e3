// How a case asks the WebSocket transport to frame the bytes of one sent packet (a `send` step's
// "websocket_frames"), so that a broker is shown what section 6 of MQTT allows and forbids: a packet split across
// frames, two packets in one frame [MQTT-6.0.0-2], a text frame [MQTT-6.0.0-1]. Ordinary writes are one binary
// message each.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mqtt::client {

enum class WebSocketFraming : std::uint8_t {
  binary,  // one binary frame (what every other write does)
  text,    // one text frame: forbidden, the server must close the connection
  split,   // two binary frames, the packet cut in its middle
  shared,  // held back and sent in one binary frame together with the next packet's bytes
};

constexpr std::string_view to_string(WebSocketFraming framing) {
  switch (framing) {
    case WebSocketFraming::text: return "text";
    case WebSocketFraming::split: return "split";
    case WebSocketFraming::shared: return "shared";
    case WebSocketFraming::binary: break;
  }
  return "binary";
}

constexpr std::optional<WebSocketFraming> parse_websocket_framing(std::string_view name) {
  for (const auto framing :
       {WebSocketFraming::binary, WebSocketFraming::text, WebSocketFraming::split, WebSocketFraming::shared}) {
    if (to_string(framing) == name) return framing;
  }
  return std::nullopt;
}

}  // namespace mqtt::client
