// MQTT over WebSocket in a capture: the HTTP Upgrade exchange, then RFC 6455 frames whose binary payloads
// carry the MQTT byte stream (a packet may span frames and a frame may hold several packets). Client frames
// are masked, server frames are not; both are checked and a breach is reported, not guessed around. Pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mqtt::capture {

// True when `bytes` (the first bytes a client sent) start an HTTP request asking for a WebSocket upgrade.
// Returns nullopt while the request head is still incomplete.
std::optional<bool> is_websocket_upgrade(std::span<const std::uint8_t> bytes);

class WebSocketUnframer {
 public:
  explicit WebSocketUnframer(bool from_client) : from_client_(from_client) {}

  // Feeds the direction's TCP bytes (the HTTP head included); appends MQTT bytes to `mqtt`. Returns an error
  // sentence when the bytes break the WebSocket protocol; after that the unframer stays failed.
  std::optional<std::string> feed(std::span<const std::uint8_t> bytes, std::vector<std::uint8_t>& mqtt);
  bool closed() const { return closed_; }  // a Close frame was seen
  bool in_http_head() const { return !head_done_; }

 private:
  bool from_client_;
  bool head_done_ = false;
  bool closed_ = false;
  std::optional<std::string> failure_;
  std::string head_;                  // HTTP head bytes so far
  std::vector<std::uint8_t> header_;  // a frame header split across TCP chunks
  std::uint64_t payload_left_ = 0;    // payload bytes of the current frame still to come
  bool payload_is_data_ = false;      // binary or continuation frame (MQTT bytes)
  bool masked_ = false;
  std::array<std::uint8_t, 4> mask_{};
  std::uint64_t mask_position_ = 0;
};

}  // namespace mqtt::capture
