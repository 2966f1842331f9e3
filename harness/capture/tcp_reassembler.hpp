// Our own reassembly of one direction of a TCP connection: sequence numbers unwrapped to 64-bit stream
// offsets, out-of-order segments held until the hole fills, retransmissions and overlaps dropped (the first
// copy of a byte wins, a copy with different bytes is counted), FIN/RST ending the stream. Bytes the capture
// never holds (a segment the capture missed, the tail cut by snaplen) become explicit gaps; nothing is ever
// guessed. A gap is declared as soon as it is certain: the peer acknowledged bytes we never saw, a later
// segment's bytes were cut by snaplen, the buffer of held segments grew past its bound, or the stream ended.
// Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mqtt::capture {

struct StreamPiece {
  bool gap = false;          // true: `length` bytes at `offset` are missing from the capture
  std::uint64_t offset = 0;  // stream offset (0 = first byte after the SYN, or first byte seen)
  std::uint64_t length = 0;
  std::vector<std::uint8_t> bytes;  // the data when !gap
  std::uint64_t frame = 0;          // the frame that completed this piece (or revealed the gap)
  std::int64_t time_ns = 0;
  std::string reason;  // for gaps: "segment not captured", "cut by snaplen"
};

class TcpReassembler {
 public:
  explicit TcpReassembler(std::size_t max_held_bytes = 4u << 20) : max_held_bytes_(max_held_bytes) {}

  // The SYN fixes offset 0 at its sequence number + 1. Without one the first segment seen fixes it.
  void syn(std::uint32_t sequence);
  bool synchronised() const { return base_.has_value(); }
  bool saw_syn() const { return saw_syn_; }

  // A segment of this direction. `wire_length` is the payload length on the wire, `payload` what was
  // captured.
  void segment(std::uint32_t sequence, std::span<const std::uint8_t> payload, std::uint32_t wire_length,
               bool fin, std::uint64_t frame, std::int64_t time_ns);
  // The peer acknowledged this direction's bytes up to `acknowledgement`.
  void acknowledged(std::uint32_t acknowledgement, std::uint64_t frame, std::int64_t time_ns);
  // End of capture or RST: every hole still open becomes a gap and held data is delivered after it.
  void finish(std::uint64_t frame, std::int64_t time_ns);

  // Pieces produced by the calls above, in stream order; the caller takes them.
  std::vector<StreamPiece> take();

  std::uint64_t delivered() const { return next_; }  // stream offset of the next byte to deliver
  bool fin_reached() const { return fin_offset_ && next_ >= *fin_offset_; }
  std::uint64_t retransmitted_bytes() const { return retransmitted_; }
  std::uint64_t conflicting_overlaps() const { return conflicts_; }
  std::uint64_t out_of_order_segments() const { return out_of_order_; }

 private:
  struct Held {
    std::vector<std::uint8_t> bytes;
    std::uint64_t frame = 0;
    std::int64_t time_ns = 0;
  };
  std::int64_t unwrap(std::uint32_t sequence) const;
  void hold(std::uint64_t offset, std::span<const std::uint8_t> bytes, std::uint64_t frame,
            std::int64_t time_ns);
  void drain(std::uint64_t frame, std::int64_t time_ns);
  void gap_to(std::uint64_t end, std::uint64_t frame, std::int64_t time_ns, std::string reason);

  std::size_t max_held_bytes_;
  std::optional<std::uint32_t> base_;  // sequence number of stream offset 0
  bool saw_syn_ = false;
  std::uint64_t next_ = 0;
  std::map<std::uint64_t, Held> held_;  // out-of-order data by stream offset, never overlapping
  std::size_t held_bytes_ = 0;
  std::map<std::uint64_t, std::uint64_t> cut_;  // [offset, end) ranges cut by snaplen
  std::uint64_t acknowledged_ = 0;              // highest offset the peer acknowledged
  std::optional<std::uint64_t> fin_offset_;
  std::vector<StreamPiece> out_;
  std::uint64_t retransmitted_ = 0;
  std::uint64_t conflicts_ = 0;
  std::uint64_t out_of_order_ = 0;
};

}  // namespace mqtt::capture
