// Fleets sharded across processes or machines (`simulate --shard i/N`) are judged again as one fleet: the
// shards' histories are put on one time axis (each shard records its clock origin in Unix time, and the markers
// its clock session received: the clocks are aligned to the first shard's from those, clock_alignment.hpp, so
// shards on machines whose clocks disagree still merge in the order the broker saw), connection
// ids are made distinct, and the merged history goes through the same checker. Only the merge can judge what
// crosses shards, e.g. an observer in shard 0 receiving telemetry from devices in shard 1.
#pragma once

#include <stdexcept>
#include <vector>

#include "results/results.hpp"

namespace mqtt::runner {

class ShardMergeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `shards`: the results.json of every shard of one fleet run (kind "simulation", each with its full history and
// stats.fleet.clock_origin_unix_ns). Throws ShardMergeError naming the shard that cannot be merged.
results::Results merge_fleet_shards(const std::vector<results::Results>& shards);

}  // namespace mqtt::runner
