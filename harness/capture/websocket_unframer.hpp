// MQTT over WebSocket in a capture: the HTTP Upgrade exchange, then RFC 6455 frames whose binary payloads
// carry the MQTT byte stream (a packet may span frames and a frame may hold several packets). Client frames
// are masked, server frames are not; both are checked and a breach is reported, not guessed around. Text
// frames are unframed like binary ones but kept apart: sending MQTT in them breaks MQTT-6.0.0-1, which the
// model judges from the messages and frames reported here (with the Sec-WebSocket-Protocol of the head). Pure.
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

// A data message (its frames up to the one with FIN): opcode and length, and where its payload ends in the
// direction's MQTT bytes.
struct WebSocketMessage {
  bool text = false;
  std::uint64_t size = 0;
  std::uint64_t end = 0;
};

// One data frame's payload in the direction's MQTT bytes: [start, end).
struct WebSocketDataFrame {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  bool text = false;
};

class WebSocketUnframer {
 public:
  explicit WebSocketUnframer(bool from_client) : from_client_(from_client) {}

  // Feeds the direction's TCP bytes (the HTTP head included); appends MQTT bytes to `mqtt`. Returns an error
  // sentence when the bytes break the WebSocket protocol; after that the unframer stays failed.
  std::optional<std::string> feed(std::span<const std::uint8_t> bytes, std::vector<std::uint8_t>& mqtt);
  bool closed() const { return closed_; }  // a Close frame was seen
  bool in_http_head() const { return !head_done_; }
  // The Sec-WebSocket-Protocol value(s) of the HTTP head, comma-joined when repeated ("" when none): set once
  // the head is complete (a refused upgrade's head included), nullopt before.
  const std::optional<std::string>& subprotocols() const { return subprotocols_; }
  // Why the bytes so far stop inside the HTTP head or a frame (a capture that ends there misses the rest);
  // nullopt at a frame boundary, after a Close frame, or once failed.
  std::optional<std::string> unfinished() const;
  // Data messages finished, and data frames begun, since the last call.
  std::vector<WebSocketMessage> take_messages();
  std::vector<WebSocketDataFrame> take_frames();

 private:
  void finish_message();

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
  std::optional<std::string> subprotocols_;
  std::uint64_t data_offset_ = 0;      // payload bytes of data frames so far (the MQTT stream's offset)
  bool in_message_ = false;            // a data message's frames are coming
  bool message_text_ = false;
  bool message_fin_ = false;           // the current data frame ends its message
  std::uint64_t message_size_ = 0;
  std::vector<WebSocketMessage> messages_;
  std::vector<WebSocketDataFrame> frames_;
};

}  // namespace mqtt::capture
