// One direction of an MQTT connection in a capture: reassembled TCP bytes (optionally inside WebSocket
// frames) in, strict codec packets out, each tagged with the frame that completed it. A direction that starts
// mid-stream, or continues after a gap, resynchronises on the first offset where a chain of packets decodes
// (capture/packet_boundary_search: linear in the bytes) and says so in a note. Without a CONNECT, each
// direction tries MQTT 3.1.1 and 5.0 on its own, and its notes say the version is assumed. Pure.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "capture/packet_boundary_search.hpp"
#include "capture/websocket_unframer.hpp"
#include "codec/decoder.hpp"
#include "history/event.hpp"

namespace mqtt::capture {

struct DirectionEvent {
  // lost: the bytes stopped decoding under a version that was only assumed; that proves nothing about the
  // broker, so the connection is not judged from here on (like a capture gap).
  // websocket_head: the HTTP head of the upgrade is complete (websocket->subprotocol holds its
  // Sec-WebSocket-Protocol); websocket_message: a data message from the server (websocket->frame and size).
  enum class Kind : std::uint8_t { packet, decode_error, note, lost, websocket_head, websocket_message };
  Kind kind = Kind::note;
  std::optional<Packet> packet;
  Bytes raw;
  std::optional<DecodeError> error;
  std::string text;  // notes
  // Over WebSocket: for a client packet sent other than alone in one binary frame, "text", "split" (across
  // frames) or "shared" (its frame goes on with the next packet's bytes), as the model reads a `sent` event.
  std::optional<history::WebSocketDetail> websocket;
  std::uint64_t frame = 0;
  std::int64_t time_ns = 0;
};

class MqttDirection {
 public:
  // `resynchronise`: the stream does not start at a packet boundary (no SYN seen).
  MqttDirection(Sender sender, bool websocket, bool resynchronise);

  // Server directions wait for the version (from the client's CONNECT) before decoding; bytes are held.
  void set_version(ProtocolVersion version);
  // The client's CONNECT will never be seen (a gap hid it, or the capture began after it): stop waiting and
  // find packet boundaries instead, trying 3.1.1 and 5.0.
  void resynchronise_without_version();
  // The client's CONNECT was refused by the codec for its protocol level or name, so it gives no version; the
  // broker still answers it (CONNACK 0x01, or 0x84 from a 5.0 broker) and that answer must reach the model.
  // The version is read off the first packet: a CONNACK longer than two bytes is 5.0, anything else 3.1.1.
  void answer_refused_connect();
  // The version the other direction assumed: taken only where this direction's packets read the same in
  // 3.1.1 and 5.0.
  void hint_version(ProtocolVersion version) { hint_ = version; }
  std::optional<ProtocolVersion> version() const { return version_; }
  bool version_assumed() const { return version_assumed_; }  // chosen by resynchronising, no CONNECT seen
  // Work done finding packet boundaries, summed over every resynchronisation of this direction (for tests of
  // the linear bound and for benchmarks).
  std::uint64_t offsets_examined() const;

  void data(std::span<const std::uint8_t> bytes, std::uint64_t frame, std::int64_t time_ns);
  void gap(std::uint64_t offset, std::uint64_t length, const std::string& reason, std::uint64_t frame,
           std::int64_t time_ns);
  void finish(std::uint64_t frame, std::int64_t time_ns);

  std::vector<DirectionEvent> take();
  // Over WebSocket, once finished: why the direction's bytes stop inside the upgrade head or a frame.
  std::optional<std::string> unfinished_websocket() const {
    return websocket_ && state_ != State::stopped ? websocket_->unfinished() : std::nullopt;
  }
  bool stopped() const { return state_ == State::stopped; }

 private:
  enum class State : std::uint8_t { waiting_for_version, resynchronising, decoding, stopped };
  void mqtt_bytes(std::span<const std::uint8_t> bytes, std::uint64_t frame, std::int64_t time_ns);
  void decode(std::span<const std::uint8_t> bytes);
  void begin_resynchronising();
  void try_resynchronise(bool final);
  void start_decoder(ProtocolVersion version, std::uint64_t at);
  void version_from_answer(bool final);
  void note(std::string text, std::uint64_t frame, std::int64_t time_ns);
  std::pair<std::uint64_t, std::int64_t> frame_of(std::uint64_t end_offset);
  void stop(std::string text, std::uint64_t frame, std::int64_t time_ns);
  void websocket_facts(std::uint64_t frame, std::int64_t time_ns);
  std::optional<history::WebSocketDetail> client_framing(std::uint64_t start, std::uint64_t end);

  Sender sender_;
  std::optional<WebSocketUnframer> websocket_;
  std::optional<ProtocolVersion> version_;
  bool version_assumed_ = false;
  std::optional<ProtocolVersion> hint_;
  State state_;
  std::optional<StreamDecoder> decoder_;
  std::uint64_t decoder_base_ = 0;  // direction offset of the decoder's byte 0
  std::uint64_t mqtt_offset_ = 0;   // MQTT bytes seen in this direction so far
  std::vector<std::uint8_t> held_;  // bytes not yet decoded (waiting for a version or a boundary)
  std::uint64_t held_base_ = 0;     // direction offset of held_[0]
  std::optional<PacketBoundarySearch> search_;  // over held_, while resynchronising
  std::uint64_t offsets_examined_before_ = 0;  // by earlier searches
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
  bool answering_refused_connect_ = false;
  bool head_reported_ = false;
  bool binary_message_reported_ = false;
  std::deque<WebSocketDataFrame> client_frames_;  // client data frames not yet behind the decoded packets
};

}  // namespace mqtt::capture
