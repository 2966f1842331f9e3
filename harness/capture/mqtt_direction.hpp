// One direction of an MQTT connection in a capture: reassembled TCP bytes (optionally inside WebSocket
// frames) in, strict codec packets out, each tagged with the frame that completed it. A direction that starts
// mid-stream, or continues after a gap, resynchronises on the first offset where a chain of packets decodes
// and says so in a note. Pure.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "capture/websocket_unframer.hpp"
#include "codec/decoder.hpp"

namespace mqtt::capture {

struct DirectionEvent {
  enum class Kind : std::uint8_t { packet, decode_error, note };
  Kind kind = Kind::note;
  std::optional<Packet> packet;
  Bytes raw;
  std::optional<DecodeError> error;
  std::string text;  // notes
  std::uint64_t frame = 0;
  std::int64_t time_ns = 0;
};

class MqttDirection {
 public:
  // `resynchronise`: the stream does not start at a packet boundary (no SYN seen).
  MqttDirection(Sender sender, bool websocket, bool resynchronise);

  // Server directions wait for the version (from the client's CONNECT) before decoding; bytes are held.
  void set_version(ProtocolVersion version);
  // The client's CONNECT will never be seen (a gap hid it): stop waiting and find packet boundaries instead.
  void resynchronise_without_version();
  std::optional<ProtocolVersion> version() const { return version_; }

  void data(std::span<const std::uint8_t> bytes, std::uint64_t frame, std::int64_t time_ns);
  void gap(std::uint64_t offset, std::uint64_t length, const std::string& reason, std::uint64_t frame,
           std::int64_t time_ns);
  void finish(std::uint64_t frame, std::int64_t time_ns);

  std::vector<DirectionEvent> take();
  bool stopped() const { return state_ == State::stopped; }

 private:
  enum class State : std::uint8_t { waiting_for_version, resynchronising, decoding, stopped };
  void mqtt_bytes(std::span<const std::uint8_t> bytes, std::uint64_t frame, std::int64_t time_ns);
  void decode(std::span<const std::uint8_t> bytes);
  void try_resynchronise(bool final);
  void start_decoder(ProtocolVersion version, std::uint64_t at);
  void note(std::string text, std::uint64_t frame, std::int64_t time_ns);
  std::pair<std::uint64_t, std::int64_t> frame_of(std::uint64_t end_offset);
  void stop(std::string text, std::uint64_t frame, std::int64_t time_ns);

  Sender sender_;
  std::optional<WebSocketUnframer> websocket_;
  std::optional<ProtocolVersion> version_;
  State state_;
  std::optional<StreamDecoder> decoder_;
  std::uint64_t decoder_base_ = 0;  // direction offset of the decoder's byte 0
  std::uint64_t mqtt_offset_ = 0;   // MQTT bytes seen in this direction so far
  std::vector<std::uint8_t> held_;  // bytes not yet decoded (waiting for a version or a boundary)
  std::uint64_t held_base_ = 0;     // direction offset of held_[0]
  std::vector<std::uint8_t> tail_;  // undecoded tail the decoder buffers, for the raw bytes of an error
  struct Chunk {
    std::uint64_t end = 0;
    std::uint64_t frame = 0;
    std::int64_t time_ns = 0;
  };
  std::deque<Chunk> chunks_;  // where each fed chunk ends, to tag packets with frames
  std::uint64_t last_frame_ = 0;
  std::int64_t last_time_ns_ = 0;
  std::vector<DirectionEvent> out_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace mqtt::capture
