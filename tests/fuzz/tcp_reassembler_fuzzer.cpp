// libFuzzer entry point: one direction's TCP reassembly (capture/tcp_reassembler) driven by operations cut
// from the input: SYN, segments at any sequence number (wrapping, overlapping, repeated, cut by a snaplen,
// with FIN), acknowledgements, finish. The pieces it delivers must tile the stream: in order, without holes or
// overlaps, a data piece's bytes as long as it says, a gap never empty, and the delivered offset at their end.
#include <string>
#include <vector>

#include "capture/tcp_reassembler.hpp"
#include "capture_fuzzing.hpp"

namespace {

struct Tiling {
  bool started = false;
  std::uint64_t next = 0;

  void check(const std::vector<mqtt::capture::StreamPiece>& pieces) {
    for (const auto& piece : pieces) {
      if (started && piece.offset != next) {
        mqtt::fuzzing::violation("pieces do not tile the stream",
                                 std::to_string(piece.offset) + " after " + std::to_string(next));
      }
      if (piece.length == 0) mqtt::fuzzing::violation("empty piece", std::to_string(piece.offset));
      if (!piece.gap && piece.bytes.size() != piece.length) {
        mqtt::fuzzing::violation("data piece length differs from its bytes", std::to_string(piece.offset));
      }
      if (piece.gap && (!piece.bytes.empty() || piece.reason.empty())) {
        mqtt::fuzzing::violation("gap with bytes or without a reason", std::to_string(piece.offset));
      }
      started = true;
      next = piece.offset + piece.length;
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::uint32_t base = static_cast<std::uint32_t>(data[0]) << 24 | static_cast<std::uint32_t>(data[1]) << 16 |
                             static_cast<std::uint32_t>(data[2]) << 8 | data[3];
  mqtt::capture::TcpReassembler reassembler(1u + (static_cast<std::size_t>(data[4]) << 6));  // small bounds
  Tiling tiling;
  std::size_t at = 5;
  std::uint64_t frame = 0;
  while (at + 4 <= size) {
    const std::uint8_t operation = data[at];
    const auto relative = static_cast<std::int16_t>(data[at + 1] << 8 | data[at + 2]);
    const std::uint32_t sequence = base + static_cast<std::uint32_t>(static_cast<std::int32_t>(relative));
    const std::size_t length = data[at + 3];
    at += 4;
    ++frame;
    switch (operation & 3) {
      case 0: {
        const std::size_t captured = std::min(length, size - at);
        const std::size_t cut = (operation & 4) != 0 ? captured / 2 : captured;
        const auto wire = static_cast<std::uint32_t>(captured + ((operation & 8) != 0 ? operation >> 4 : 0));
        reassembler.segment(sequence, std::span<const std::uint8_t>(data + at, cut), wire,
                            (operation & 0x80) != 0, frame, static_cast<std::int64_t>(frame));
        at += captured;
        break;
      }
      case 1:
        reassembler.acknowledged(sequence, frame, static_cast<std::int64_t>(frame));
        break;
      case 2:
        reassembler.syn(sequence);
        break;
      case 3:
        tiling.check(reassembler.take());
        break;
    }
  }
  reassembler.finish(frame + 1, static_cast<std::int64_t>(frame + 1));
  tiling.check(reassembler.take());
  if (tiling.started && tiling.next != reassembler.delivered()) {
    mqtt::fuzzing::violation("delivered offset differs from the pieces' end",
                             std::to_string(reassembler.delivered()) + " vs " + std::to_string(tiling.next));
  }
  return 0;
}
