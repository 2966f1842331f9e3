// libFuzzer entry point: the mid-stream resynchroniser (capture/packet_boundary_search, and
// capture/mqtt_direction around it). Searching the stream as it grows in chunks must never pass over the
// boundary a search of the whole stream finds, and the work must stay within the bound the header states (each
// offset examined at most 13 times, each offset's packet decoded at most once per version). The direction
// then decodes from there with gaps cut into the stream, and must never accuse the broker under a version it
// only assumed. Input: byte 0 = sender, known version and gap placement; byte 1 = chunk size; then the stream.
#include <string>

#include "capture/mqtt_direction.hpp"
#include "capture/packet_boundary_search.hpp"
#include "capture_fuzzing.hpp"

namespace {

std::string found_text(const std::optional<mqtt::capture::PacketBoundarySearch::Found>& found) {
  if (!found) return "none";
  return std::to_string(found->offset) + " as " + std::string(mqtt::to_string(found->version));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t mode = data[0];
  const auto sender = (mode & 1) != 0 ? mqtt::Sender::server : mqtt::Sender::client;
  std::optional<mqtt::ProtocolVersion> version;
  if ((mode & 6) == 2) version = mqtt::ProtocolVersion::v3_1_1;
  if ((mode & 6) == 4) version = mqtt::ProtocolVersion::v5;
  const std::size_t chunk = 1 + data[1];
  const std::span<const std::uint8_t> stream(data + 2, size - 2);

  mqtt::capture::PacketBoundarySearch whole(sender, version);
  const auto expected = whole.search(stream, true);
  mqtt::capture::PacketBoundarySearch growing(sender, version);
  std::optional<mqtt::capture::PacketBoundarySearch::Found> found;
  for (std::size_t end = std::min(chunk, stream.size()); !found; end = std::min(end + chunk, stream.size())) {
    const bool final = end == stream.size();
    found = growing.search(stream.first(end), final);
    if (final) break;
  }
  // The growing search may settle on a boundary before bytes arrive that would disprove it (a chain of two
  // packets is enough), or choose the version on fewer packets; it never passes over the boundary the whole
  // stream shows, since it rejects an offset only on complete packets.
  if (expected && (!found || found->offset > expected->offset)) {
    mqtt::fuzzing::violation("the growing search passed the boundary", found_text(found) + " vs " + found_text(expected));
  }
  const std::uint64_t versions = version ? 1 : 2;
  if (growing.offsets_examined() > 13 * stream.size() + 13) {
    mqtt::fuzzing::violation("too many offsets examined", std::to_string(growing.offsets_examined()));
  }
  if (growing.packets_decoded() > versions * stream.size()) {
    mqtt::fuzzing::violation("a packet decoded twice", std::to_string(growing.packets_decoded()));
  }

  mqtt::capture::MqttDirection direction(sender, false, true);
  if (version && sender == mqtt::Sender::server) direction.set_version(*version);
  std::uint64_t frame = 0;
  std::uint64_t offset = 0;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    const auto piece = stream.subspan(at, std::min(chunk, stream.size() - at));
    if ((mode & 0x80) != 0 && (piece[0] & 0x0F) == 0x0F) {
      direction.gap(offset, piece.size(), "fuzzed gap", ++frame, 0);
    } else {
      direction.data(piece, ++frame, 0);
    }
    offset += piece.size();
  }
  direction.finish(++frame, 0);
  for (const auto& event : direction.take()) {
    if (event.kind == mqtt::capture::DirectionEvent::Kind::decode_error && direction.version_assumed()) {
      mqtt::fuzzing::violation("a decode error under an assumed version", event.error->message);
    }
    if (event.frame > frame) mqtt::fuzzing::violation("event after the last frame", std::to_string(event.frame));
  }
  return 0;
}
