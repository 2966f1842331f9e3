// The faults the in-process network layer can inject, as data. Each fault hit is recorded in the history as a
// `fault` event (name = to_string(kind), detail = describe(...)) before it takes effect, so the checker knows
// what the network did.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqtt::simulator {

enum class FaultKind : std::uint8_t {
  latency,      // every chunk is delayed by latency_ms plus a uniform jitter in [0, jitter_ms]
  bandwidth,    // bytes leave at most at bytes_per_second
  stall,        // bytes are held (not lost) until the fault ends
  blackhole,    // bytes are silently dropped; with one direction this is a half-open connection
  close,        // the link ends abruptly on both sides: FIN (reset = false) or RST; no DISCONNECT
  flapping,     // the link is closed (RST) every period_ms while the fault lasts; the device reconnects
  partition,    // the devices hit are cut off (both directions dropped, new links refused) for the window
  fragment,     // every write is split into writes of at most fragment_bytes
  slow_reader,  // the device reads the broker's bytes at most at bytes_per_second (back-pressure on the
                // broker)
  power_loss,   // the device drops its connection without DISCONNECT and stays off for the window
  broker_restart,  // the broker itself stops and starts again (down for the window, duration = down_ms); no
                   // device is chosen: every connection ends (simulator/broker_restart.hpp)
};

enum class Direction : std::uint8_t { both, upstream, downstream };  // upstream = device to broker

std::string_view to_string(FaultKind kind);  // "latency", "slow-reader", "power-loss", "broker-restart", ...
std::optional<FaultKind> parse_fault_kind(std::string_view name);
std::string_view to_string(Direction direction);  // "both", "upstream", "downstream"
std::optional<Direction> parse_direction(std::string_view name);

struct FaultParameters {
  Direction direction = Direction::both;
  std::uint32_t latency_ms = 200;
  std::uint32_t jitter_ms = 0;
  std::uint64_t bytes_per_second = 10'000;
  std::uint32_t fragment_bytes = 1;
  std::uint32_t period_ms = 1'000;
  bool reset = true;  // close: RST (true) or FIN (false)
};

// "latency 200 ms + jitter 50 ms both for 3000 ms": the fault event's detail.
std::string describe(FaultKind kind, const FaultParameters& parameters, std::uint32_t duration_ms);

}  // namespace mqtt::simulator
