// Test support: RFC 6455 frames and the HTTP Upgrade exchange that carry MQTT over WebSocket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "codec/packet.hpp"

namespace mqtt::capture::test {

inline constexpr std::uint8_t websocket_continuation = 0x0;
inline constexpr std::uint8_t websocket_text = 0x1;
inline constexpr std::uint8_t websocket_binary = 0x2;

// One frame around `payload` (binary with FIN set unless told); client frames are masked (with a fixed key),
// server frames not.
Bytes websocket_frame(const Bytes& payload, bool masked, std::uint8_t opcode = websocket_binary, bool fin = true);
// The client's GET with Upgrade: websocket, offering the sub-protocols `offered`.
Bytes websocket_upgrade_request(const std::string& offered = "mqtt");
// The server's 101 Switching Protocols, choosing `chosen` (no Sec-WebSocket-Protocol header when nullopt).
Bytes websocket_upgrade_response(const std::optional<std::string>& chosen = "mqtt");

}  // namespace mqtt::capture::test
