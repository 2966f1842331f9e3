#pragma once
// The capture analyser's view of one TCP connection (a flow) and the small decisions about its first bytes.
// Internal to harness/capture: the analyser (capture_analyser.cpp) owns the flows; this file keeps their shape
// and the pure helpers out of the analyser's state machine.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "capture/link_layer.hpp"
#include "capture/mqtt_direction.hpp"
#include "capture/tcp_reassembler.hpp"
#include "codec/decode_error.hpp"

namespace mqtt::capture {

struct FlowKey {
  IpAddress low_address;
  std::uint16_t low_port = 0;
  IpAddress high_address;
  std::uint16_t high_port = 0;
  friend auto operator<=>(const FlowKey&, const FlowKey&) = default;
};

enum class Role : std::uint8_t { undecided, mqtt, not_mqtt, tls };

struct CloseSeen {
  int direction = 0;
  bool reset = false;
  std::uint64_t frame = 0;
  std::int64_t time_ns = 0;
};

struct Flow {
  std::array<IpAddress, 2> address;
  std::array<std::uint16_t, 2> port{};
  std::array<TcpReassembler, 2> reassembler;
  std::array<std::vector<StreamPiece>, 2> pending;  // pieces that arrived before the role was decided
  std::array<std::optional<MqttDirection>, 2> direction;
  Role role = Role::undecided;
  int syn_client = -1;
  std::optional<std::pair<std::uint64_t, std::int64_t>> syn_frame;
  int client = 0;
  bool websocket = false;
  bool gapped = false;
  bool open_emitted = false;
  // A WebSocket connection's `open` waits for the server's answer to the upgrade, as a live client records it
  // once the handshake is done: it then carries the sub-protocols offered and chosen (MQTT-6.0.0-4).
  bool open_pending = false;
  std::string offered;  // the client's Sec-WebSocket-Protocol
  std::optional<CloseSeen> close;
  bool close_emitted = false;
  bool ended = false;  // RST or FIN both ways: a later SYN on the same ports starts a new flow
  std::array<bool, 2> fin{};
  std::size_t summary = 0;  // index in connections
  std::uint64_t first_frame = 0;
  std::int64_t first_time_ns = 0;
  std::uint64_t last_frame = 0;  // the flow's latest frame, also before it is known to be MQTT
  std::int64_t last_time_ns = 0;
};

// Does this stream start with a CONNECT? nullopt while too few bytes are known.
std::optional<bool> looks_like_connect(std::span<const std::uint8_t> bytes);

// The flow's key, the same for both directions.
FlowKey key_of(const TcpSegment& segment);

// A CONNECT the codec refused for its protocol level or name: it gives the broker's direction no version, yet
// the broker answers it.
bool refused_for_protocol(const DecodeError& error);

}  // namespace mqtt::capture
