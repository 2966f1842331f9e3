// Times mid-stream resynchronisation (capture/packet_boundary_search through capture/mqtt_direction) on the
// inputs that made the old search quadratic, and prints the work counter the tests bound. Each case: a gap,
// then N bytes of the rest of a payload, then two PUBLISHes, in 1460-byte segments.
//   gap-then-payload   filler bytes 0x30-0x3F (every one starts a plausible PUBLISH header), seed 1
//   hole-out-of-order  the same, held by the TCP reassembler behind a missing first segment and released
//                      at the end of the capture
//   long-claims        every 16th byte starts a PUBLISH with a valid topic claiming 200 KiB, whose next
//                      packet never decodes: the candidates that cost the decoder most
// Usage: bench_capture_resynchronise [BYTES...]   (default 16384 65536 131072 1044480)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "capture/mqtt_direction.hpp"
#include "capture/tcp_reassembler.hpp"
#include "codec/encoder.hpp"

namespace {

using mqtt::Bytes;
using mqtt::capture::MqttDirection;

constexpr std::size_t segment_size = 1460;

Bytes publish(const std::string& topic, const std::string& payload) {
  mqtt::Publish packet;
  packet.topic = topic;
  packet.payload.assign(payload.begin(), payload.end());
  return mqtt::encode(packet);
}

Bytes with_two_publishes(Bytes bytes) {
  for (const auto& packet : {publish("bench/a", "first"), publish("bench/b", "second")})
    bytes.insert(bytes.end(), packet.begin(), packet.end());
  return bytes;
}

Bytes publish_like_filler(std::size_t size) {
  std::mt19937 random(1);
  Bytes bytes(size);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(0x30 + random() % 16);
  return bytes;
}

Bytes long_claims(std::size_t size) {
  constexpr std::size_t claim = 200 * 1024 + 3;  // not a multiple of 16: the next packet lands on filler
  Bytes bytes(size, 'a');                        // 0x61: a PUBREL with bad flags, never a packet
  for (std::size_t at = 0; at + 8 <= size; at += 16) {
    bytes[at] = 0x30;
    bytes[at + 1] = static_cast<std::uint8_t>(0x80 | (claim & 0x7F));
    bytes[at + 2] = static_cast<std::uint8_t>(0x80 | ((claim >> 7) & 0x7F));
    bytes[at + 3] = static_cast<std::uint8_t>(claim >> 14);
    bytes[at + 4] = 0x00;
    bytes[at + 5] = 0x01;  // topic "a"
  }
  return bytes;
}

struct Outcome {
  double seconds = 0;
  std::uint64_t examined = 0;
  std::size_t publishes = 0;
};

std::size_t count_publishes(MqttDirection& direction) {
  std::size_t count = 0;
  for (const auto& event : direction.take()) {
    count += event.kind == mqtt::capture::DirectionEvent::Kind::packet &&
             std::holds_alternative<mqtt::Publish>(*event.packet);
  }
  return count;
}

Outcome after_gap(const Bytes& stream) {
  const auto started = std::chrono::steady_clock::now();
  MqttDirection direction(mqtt::Sender::client, false, true);
  direction.gap(0, segment_size, "segment not captured", 1, 0);
  std::uint64_t frame = 2;
  for (std::size_t at = 0; at < stream.size(); at += segment_size, ++frame) {
    const auto end = std::min(stream.size(), at + segment_size);
    direction.data(std::span<const std::uint8_t>(stream).subspan(at, end - at), frame, 0);
  }
  direction.finish(frame, 0);
  Outcome outcome;
  outcome.publishes = count_publishes(direction);
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  outcome.examined = direction.offsets_examined();
  return outcome;
}

Outcome hole_out_of_order(const Bytes& stream) {
  const auto started = std::chrono::steady_clock::now();
  mqtt::capture::TcpReassembler reassembler;
  MqttDirection direction(mqtt::Sender::client, false, false);
  const std::uint32_t isn = 1000;
  reassembler.syn(isn);
  std::uint64_t frame = 2;
  for (std::size_t at = 0; at < stream.size(); at += segment_size, ++frame) {
    const auto end = std::min(stream.size(), at + segment_size);
    const auto piece = std::span<const std::uint8_t>(stream).subspan(at, end - at);
    // The first segment after the SYN is missing: everything is held until the end proves the hole.
    reassembler.segment(static_cast<std::uint32_t>(isn + 1 + segment_size + at), piece,
                        static_cast<std::uint32_t>(piece.size()), false, frame, 0);
  }
  reassembler.finish(frame, 0);
  for (auto& piece : reassembler.take()) {
    if (piece.gap) {
      direction.gap(piece.offset, piece.length, piece.reason, piece.frame, 0);
    } else {
      direction.data(piece.bytes, piece.frame, 0);
    }
  }
  direction.finish(frame, 0);
  Outcome outcome;
  outcome.publishes = count_publishes(direction);
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  outcome.examined = direction.offsets_examined();
  return outcome;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {16384, 65536, 131072, 1044480};
  if (argc > 1) {
    sizes.clear();
    for (int index = 1; index < argc; ++index) sizes.push_back(std::strtoull(argv[index], nullptr, 10));
  }
  std::printf("%-18s %9s %10s %12s %9s\n", "case", "bytes", "seconds", "examined", "publishes");
  for (const auto size : sizes) {
    const Bytes filler = with_two_publishes(publish_like_filler(size));
    const Bytes claims = with_two_publishes(long_claims(size));
    const std::pair<const char*, std::function<Outcome()>> cases[] = {
        {"gap-then-payload", [&] { return after_gap(filler); }},
        {"hole-out-of-order", [&] { return hole_out_of_order(filler); }},
        {"long-claims", [&] { return after_gap(claims); }},
    };
    for (const auto& [name, run] : cases) {
      const auto outcome = run();
      std::printf("%-18s %9zu %10.4f %12llu %9zu\n", name, size, outcome.seconds,
                  static_cast<unsigned long long>(outcome.examined), outcome.publishes);
    }
  }
  return 0;
}
