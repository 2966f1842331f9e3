// libFuzzer entry point: feeds the StreamDecoder in chunk sizes taken from the input, from either sender,
// and checks that every packet it decodes survives encode -> decode unchanged. Any violation aborts.
#include <cstdio>
#include <cstdlib>
#include <span>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "fuzz_input.hpp"

namespace {

[[noreturn]] void violation(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz invariant violated: %s: %s\n", what, detail.c_str());
  std::abort();
}

void check_round_trip(const mqtt::Packet& packet, mqtt::Sender sender) {
  const mqtt::Bytes wire = mqtt::encode(packet);
  const auto again = mqtt::decode_packet(wire, sender, mqtt::packet_version(packet));
  if (const auto* error = std::get_if<mqtt::DecodeError>(&again)) {
    violation("re-encoded packet does not decode", mqtt::describe(*error));
  }
  if (std::get<mqtt::Packet>(again) != packet) {
    violation("re-encoded packet decodes differently",
              std::string(mqtt::to_string(mqtt::packet_type(packet))));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < mqtt::fuzzing::header_size) return 0;
  const std::uint8_t mode = data[0];
  const std::size_t chunk_sizes[2] = {std::size_t{data[1]} + 1, std::size_t{data[2]} + 1};
  const std::span<const std::uint8_t> stream(data + mqtt::fuzzing::header_size,
                                             size - mqtt::fuzzing::header_size);

  mqtt::DecoderOptions options;
  options.sender = mqtt::fuzzing::sender_of(mode);
  options.version = mqtt::fuzzing::version_of(mode);
  if (options.sender == mqtt::Sender::server && !options.version) options.version = mqtt::ProtocolVersion::v5;
  options.maximum_remaining_length = 1 << 20;
  mqtt::StreamDecoder decoder(options);

  std::size_t fed = 0;
  std::size_t turn = 0;
  bool failed = false;
  while (fed < stream.size() && !failed) {
    const std::size_t chunk = std::min(chunk_sizes[turn++ % 2], stream.size() - fed);
    decoder.feed(stream.subspan(fed, chunk));
    fed += chunk;
    while (true) {
      auto result = decoder.next();
      if (std::holds_alternative<mqtt::NeedMoreData>(result)) break;
      if (const auto* error = std::get_if<mqtt::DecodeError>(&result)) {
        if (error->offset > fed) violation("error offset beyond the bytes fed", mqtt::describe(*error));
        if (error->message.empty()) violation("error without a message", mqtt::describe(*error));
        failed = true;
        break;
      }
      const auto& decoded = std::get<mqtt::DecodedPacket>(result);
      if (decoded.offset + decoded.raw.size() > fed) violation("packet extends beyond the bytes fed", "");
      check_round_trip(decoded.packet, options.sender);
    }
  }
  if (!failed && decoder.consumed() + decoder.buffered() != stream.size()) {
    violation("consumed + buffered does not cover the stream", "");
  }

  // The one-shot decoder must agree with itself on the whole stream, under every version, and never crash.
  for (const auto version :
       {mqtt::ProtocolVersion::v3_1, mqtt::ProtocolVersion::v3_1_1, mqtt::ProtocolVersion::v5}) {
    const auto result = mqtt::decode_packet(stream, options.sender, version, 7);
    if (const auto* packet = std::get_if<mqtt::Packet>(&result)) check_round_trip(*packet, options.sender);
    if (const auto* error = std::get_if<mqtt::DecodeError>(&result)) {
      if (error->offset > 7 + stream.size())
        violation("one-shot error offset beyond the input", mqtt::describe(*error));
    }
  }
  return 0;
}
