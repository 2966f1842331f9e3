#include "websocket_frames.hpp"

#include <string>

namespace mqtt::capture::test {

Bytes websocket_frame(const Bytes& payload, bool masked, std::uint8_t opcode, bool fin) {
  Bytes frame{static_cast<std::uint8_t>((fin ? 0x80 : 0x00) | opcode)};
  const std::uint8_t mask_bit = masked ? 0x80 : 0x00;
  if (payload.size() < 126) {
    frame.push_back(static_cast<std::uint8_t>(mask_bit | payload.size()));
  } else {
    frame.push_back(mask_bit | 126);
    frame.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    frame.push_back(static_cast<std::uint8_t>(payload.size()));
  }
  const std::uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) frame.insert(frame.end(), key, key + 4);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(masked ? static_cast<std::uint8_t>(payload[i] ^ key[i % 4]) : payload[i]);
  }
  return frame;
}

Bytes websocket_upgrade_request(const std::string& offered) {
  const std::string request =
      "GET /mqtt HTTP/1.1\r\nHost: broker\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: " + offered + "\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";
  return Bytes(request.begin(), request.end());
}

Bytes websocket_upgrade_response(const std::optional<std::string>& chosen) {
  const std::string response =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
      (chosen ? "Sec-WebSocket-Protocol: " + *chosen + "\r\n" : std::string()) + "\r\n";
  return Bytes(response.begin(), response.end());
}

}  // namespace mqtt::capture::test
