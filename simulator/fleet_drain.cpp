#include "simulator/fleet_drain.hpp"

#include <algorithm>

namespace mqtt::simulator {

std::string_view to_string(DrainStop stop) {
  switch (stop) {
    case DrainStop::running: return "running";
    case DrainStop::quiet: return "quiet";
    case DrainStop::cap: return "cap";
    case DrainStop::interrupted: return "interrupted";
    case DrainStop::nothing_owed: return "nothing-owed";
  }
  return "running";
}

FleetDrain::FleetDrain(const Start& start)
    : start_(start),
      window_start_(start.before ? start.before->first : start.begin),
      window_count_(start.before ? start.before->second : start.deliveries),
      last_count_(start.deliveries) {}

std::optional<FleetDrain::Clock::time_point> FleetDrain::look(Clock::time_point intended, Clock::time_point now,
                                                              std::uint64_t deliveries,
                                                              std::optional<std::uint64_t> owed) {
  if (stop_ != DrainStop::running) return std::nullopt;
  last_count_ = deliveries;
  last_owed_ = owed;
  if (owed && *owed == 0) {
    end(DrainStop::nothing_owed, now);
    return std::nullopt;
  }
  const bool arrived = deliveries != window_count_;
  // A late look measured the loop's lag, not the broker's silence: the packets may be waiting unread.
  const bool late = now - intended > start_.quiet / 2;
  const bool whole_window = now - window_start_ >= start_.quiet;
  // Something still owed: silence is only a pause between bursts.
  if (!owed && !arrived && whole_window && !late) {
    end(DrainStop::quiet, now);
    return std::nullopt;
  }
  const auto limit = start_.begin + start_.limit;
  if (now >= limit) {
    // Only what this look saw: something still owed is not proof that anything is on its way (the owed count in
    // to_json() says that part, and who it is owed to is the engine's, owed_deliveries.hpp).
    still_arriving_ = arrived;
    end(DrainStop::cap, now);
    return std::nullopt;
  }
  window_start_ = now;
  window_count_ = deliveries;
  return std::min(limit, now + (owed ? owed_interval : start_.quiet));
}

void FleetDrain::interrupt(Clock::time_point now) {
  if (stop_ == DrainStop::running) end(DrainStop::interrupted, now);
}

void FleetDrain::end(DrainStop stop, Clock::time_point now) {
  stop_ = stop;
  ended_ = std::max(now, start_.begin);
}

nlohmann::json FleetDrain::to_json() const {
  using std::chrono::duration;
  const double drained = stop_ == DrainStop::running ? 0 : duration<double, std::milli>(ended_ - start_.begin).count();
  return {{"limit_ms", start_.limit.count()},
          {"quiet_ms", start_.quiet.count()},
          {"drained_ms", drained},
          {"stopped_by", std::string(to_string(stop_))},
          {"deliveries", last_count_ - start_.deliveries},
          {"still_arriving", still_arriving_},
          {"owed", last_owed_ ? nlohmann::json(*last_owed_) : nlohmann::json()}};
}

}  // namespace mqtt::simulator
