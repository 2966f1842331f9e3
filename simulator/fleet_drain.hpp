// The end of a fleet run, made honest: after the settle time everyone stays connected while deliveries are still
// arriving, so the harness never closes an observer on messages the broker has sent and the harness has not read
// yet (an overloaded harness reads late; the model would then blame the broker for MQTT-4.5.0-1).
//
// Each look may bring what the fleet counts as still owed to it (simulator/owed_deliveries.hpp: QoS 1 and 2
// deliveries the broker accepted for a subscriber of the fleet and has not delivered yet). With that count the
// drain stops as soon as nothing is owed ("nothing-owed", no quiet interval to wait), and while something is owed
// quiet proves nothing (a broker may deliver in bursts far apart), so only the limit stops it. Without the count
// (the engine could not count exactly for this run) the drain looks at the count of PUBLISH packets the fleet has
// received, once per quiet interval: it stops when a whole interval went by without one ("quiet"). Either way it
// stops at the drain limit ("cap"; then `still_arriving` says whether deliveries came in its last look, and
// `owed` how many were still owed, which the run's warnings report), or when the run is interrupted. A look made well after it
// was meant to run (the event loop itself was late) proves nothing about quiet, so it never stops the drain as
// quiet. Pure: the caller brings the clock and the counts.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mqtt::simulator {

enum class DrainStop : std::uint8_t { running, quiet, cap, interrupted, nothing_owed };
std::string_view to_string(DrainStop stop);

class FleetDrain {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds default_quiet{500};
  // While deliveries are owed the drain looks this often, so the run ends soon after the last one arrives.
  static constexpr std::chrono::milliseconds owed_interval{50};

  // The drain begins at `begin` (the end of the settle time) and lasts at most `limit`. `before`: the count one
  // quiet interval before `begin` and when it was taken, if it was; without it the first look waits a whole
  // interval.
  struct Start {
    Clock::time_point begin;
    std::chrono::milliseconds limit{0};
    std::chrono::milliseconds quiet = default_quiet;
    std::uint64_t deliveries = 0;  // at `begin`
    std::optional<std::pair<Clock::time_point, std::uint64_t>> before;
  };
  explicit FleetDrain(const Start& start);

  // A look meant for `intended` ran at `now`, with `deliveries` received so far and `owed` deliveries still owed
  // (nothing: not counted for this run, or not decidable at this look: the quiet rule has the say). Returns when to look next, or nothing when the drain is over (stop() says
  // why). The first look is at `begin`.
  std::optional<Clock::time_point> look(Clock::time_point intended, Clock::time_point now, std::uint64_t deliveries,
                                        std::optional<std::uint64_t> owed = std::nullopt);
  // The run was interrupted: the drain ends now.
  void interrupt(Clock::time_point now);

  DrainStop stop() const { return stop_; }
  bool still_arriving() const { return still_arriving_; }
  // The owed count of the last look; nothing when it was not counted.
  std::optional<std::uint64_t> owed() const { return last_owed_; }
  // {"limit_ms", "quiet_ms", "drained_ms", "stopped_by", "deliveries", "still_arriving", "owed" (null: not
  // counted)}
  nlohmann::json to_json() const;

 private:
  Start start_;
  Clock::time_point window_start_;  // the current window: deliveries counted since then
  std::uint64_t window_count_ = 0;
  Clock::time_point ended_{};
  std::uint64_t last_count_ = 0;
  std::optional<std::uint64_t> last_owed_;
  DrainStop stop_ = DrainStop::running;
  bool still_arriving_ = false;
  void end(DrainStop stop, Clock::time_point now);
};

}  // namespace mqtt::simulator
