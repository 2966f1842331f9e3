// libFuzzer entry point: WebSocket unframing of one direction (capture/websocket_unframer): the HTTP head, then
// RFC 6455 frames. Fed whole and fed in chunks of the sizes byte 1 gives, it must give the same MQTT bytes and
// the same failure: the unframer keeps no state that depends on how TCP split the stream.
#include <string>
#include <vector>

#include "capture/websocket_unframer.hpp"
#include "capture_fuzzing.hpp"

namespace {

struct Unframed {
  std::vector<std::uint8_t> mqtt;
  std::optional<std::string> failure;
};

Unframed unframe(bool from_client, std::span<const std::uint8_t> bytes, std::size_t chunk) {
  mqtt::capture::WebSocketUnframer unframer(from_client);
  Unframed result;
  for (std::size_t at = 0; at < bytes.size() && !result.failure; at += chunk) {
    result.failure = unframer.feed(bytes.subspan(at, std::min(chunk, bytes.size() - at)), result.mqtt);
  }
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool from_client = (data[0] & 1) != 0;
  const std::size_t chunk = 1 + data[1];
  const std::span<const std::uint8_t> stream(data + 2, size - 2);
  const auto whole = unframe(from_client, stream, stream.size() + 1);
  const auto chunked = unframe(from_client, stream, chunk);
  if (whole.failure.has_value() != chunked.failure.has_value()) {
    mqtt::fuzzing::violation("chunking changes whether the stream fails",
                             whole.failure.value_or("(none)") + " / " + chunked.failure.value_or("(none)"));
  }
  if (whole.failure) mqtt::fuzzing::require_one_line(*whole.failure);
  // Before a failure, the chunked run may have unframed less (the failing chunk stops it), never other bytes.
  const auto& shorter = chunked.mqtt.size() <= whole.mqtt.size() ? chunked.mqtt : whole.mqtt;
  const auto& longer = chunked.mqtt.size() <= whole.mqtt.size() ? whole.mqtt : chunked.mqtt;
  if (!std::equal(shorter.begin(), shorter.end(), longer.begin())) {
    mqtt::fuzzing::violation("chunking changes the unframed bytes", std::to_string(chunk));
  }
  if (!whole.failure && whole.mqtt != chunked.mqtt) {
    mqtt::fuzzing::violation("chunking changes how many bytes are unframed", std::to_string(chunk));
  }
  return 0;
}
