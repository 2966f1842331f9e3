// libFuzzer entry point: IPv4/IPv6 parsing and fragment reassembly (capture/link_layer, capture/ip_reassembler)
// on a stream of raw IP frames cut from the input, with small limits so the bounds (datagram count, bytes,
// timeout) are reached. Input: byte 0 picks the limits; then records of [length (2 bytes), time step (1 byte,
// in 100 ms), captured-length cut (1 byte, 0 = none), the frame's bytes].
#include <string>

#include "capture/ip_reassembler.hpp"
#include "capture/link_layer.hpp"
#include "capture_fuzzing.hpp"

namespace {
constexpr int linktype_raw = 101;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  mqtt::capture::IpReassembler::Limits limits;
  if ((data[0] & 1) != 0) {
    limits.max_datagrams = 1 + (data[0] >> 5);
    limits.max_bytes = 64u + (static_cast<std::size_t>(data[0] >> 1) & 0x0F) * 512;
    limits.max_fragments_per_datagram = 2 + (data[0] >> 4);
    limits.max_notes = 3;
  }
  mqtt::capture::IpReassembler reassembler(limits);
  std::size_t at = 1;
  std::uint64_t number = 0;
  std::int64_t time_ns = 0;
  while (at + 4 <= size) {
    const std::size_t length = static_cast<std::size_t>(data[at]) << 8 | data[at + 1];
    time_ns += static_cast<std::int64_t>(data[at + 2]) * 100'000'000;
    const std::size_t cut = data[at + 3];
    at += 4;
    const std::size_t available = std::min(length, size - at);
    mqtt::capture::Frame frame;
    frame.number = ++number;
    frame.time_unix_ns = time_ns;
    frame.link_type = linktype_raw;
    frame.original_length = static_cast<std::uint32_t>(available);
    frame.data = std::span<const std::uint8_t>(data + at, cut != 0 ? std::min(available, cut) : available);
    at += available;
    const auto outcome = mqtt::capture::parse_frame(frame, &reassembler);
    if (outcome.segment) {
      const auto& segment = *outcome.segment;
      if (segment.payload.size() > segment.payload_length) {
        mqtt::fuzzing::violation("captured payload longer than on the wire", std::to_string(frame.number));
      }
      std::uint64_t sum = 0;
      for (const auto byte : segment.payload) sum += byte;  // ASan: the payload must be readable
      (void)sum;
    } else if (outcome.skipped.empty()) {
      mqtt::fuzzing::violation("a frame without a segment gives no reason", std::to_string(frame.number));
    }
  }
  const auto notes = reassembler.finish();
  for (const auto& note : notes) mqtt::fuzzing::require_one_line(note);
  if (notes.size() > limits.max_notes + 8) mqtt::fuzzing::violation("notes are not bounded", std::to_string(notes.size()));
  return 0;
}
