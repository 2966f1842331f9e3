// Puts the shards of one fleet on one clock from the markers their clock sessions recorded (shard_clock.hpp):
// when two shards received the same marker, the difference of their arrival times is the difference of their
// clocks, within the larger of their measured round trips. Shards are aligned to the first shard's clock
// along the shards they share markers with; a shard that shares none keeps its system clock, and says so, and
// so does a shard whose system clock agrees with the measurement within its bound (shards on one machine, or
// clocks kept by NTP: the system clock is then the more precise). Pure: takes the records, returns the
// offsets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runner/shard_clock.hpp"

namespace mqtt::runner {

struct ClockAlignment {
  std::int64_t offset_ns = 0;  // this shard's clock minus the first shard's; subtract it from its times
  std::int64_t bound_ns = -1;  // |error| of offset_ns is at most this; -1: unknown (system clocks only)
  std::string method;          // "first shard", "markers via shard N", "system clock: ..."
};

// One record per shard, in shard order (nullopt: the shard recorded none).
std::vector<ClockAlignment> align_shard_clocks(const std::vector<std::optional<ShardClockRecord>>& records);

}  // namespace mqtt::runner
