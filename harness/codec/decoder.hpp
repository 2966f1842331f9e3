// Strict decoding of MQTT control packets: from one complete packet's bytes, or incrementally from a stream.
// Pure: no I/O, no clocks. Every malformed input yields a DecodeError naming the statement it breaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "codec/decode_error.hpp"
#include "codec/packet.hpp"

namespace mqtt {

// Which side produced the bytes: some packets are legal only in one direction (CONNECT from clients,
// CONNACK from servers, ...), and a packet arriving from the wrong side is a protocol violation.
enum class Sender : std::uint8_t { client, server };

struct DecoderOptions {
  Sender sender = Sender::server;
  // Version to decode under. When unset, the decoder expects CONNECT first and adopts its protocol level.
  std::optional<ProtocolVersion> version;
  std::uint32_t maximum_remaining_length = 268'435'455;  // the protocol's own ceiling
};

// Decodes exactly one packet occupying all of `bytes` (fixed header included).
// `base_offset` is added to offsets in errors, so callers can report stream positions.
std::variant<Packet, DecodeError> decode_packet(std::span<const std::uint8_t> bytes, Sender sender,
                                                ProtocolVersion version, std::size_t base_offset = 0);

// A packet pulled from a stream, with where its bytes sit in the stream.
struct DecodedPacket {
  Packet packet;
  std::size_t offset = 0;                   // stream offset of the first fixed-header byte
  std::span<const std::uint8_t> raw;        // the packet's bytes; valid until the next feed()/next()
};

struct NeedMoreData {};

// Incremental decoder: feed() any chunks, then call next() until it reports NeedMoreData.
// Buffers at most one partial packet plus the unread input; consumed bytes are dropped in amortised O(1).
// After an error the decoder stays failed: every later next() returns the same error.
class StreamDecoder {
 public:
  explicit StreamDecoder(DecoderOptions options = {});

  void feed(std::span<const std::uint8_t> chunk);
  std::variant<DecodedPacket, NeedMoreData, DecodeError> next();

  std::optional<ProtocolVersion> version() const { return version_; }
  void set_version(ProtocolVersion version) { version_ = version; }
  std::size_t consumed() const { return stream_offset_; }  // stream offset of the next undecoded byte
  std::size_t buffered() const { return buffer_.size() - read_position_; }
  // The bytes fed but not yet decoded (after an error: from the packet that failed); valid until the next
  // feed() or release_unused_memory().
  std::span<const std::uint8_t> unread() const { return std::span<const std::uint8_t>(buffer_).subspan(read_position_); }
  // Gives back a large buffer once everything in it is decoded (after a large packet), so a connection that
  // once received a big packet does not hold its size for the rest of its life.
  void release_unused_memory();

 private:
  DecoderOptions options_;
  std::optional<ProtocolVersion> version_;
  std::vector<std::uint8_t> buffer_;
  std::size_t read_position_ = 0;   // index in buffer_ of the first undecoded byte
  std::size_t stream_offset_ = 0;   // stream offset of buffer_[read_position_]
  std::optional<DecodeError> failure_;
};

}  // namespace mqtt
