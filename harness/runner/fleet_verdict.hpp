// Whether a fleet run put the broker to the test at all. A fleet whose devices never connected, that published
// nothing, or whose clients ended the run still trying to reconnect has not shown what the broker does, however
// clean its history looks: its result is inconclusive, with the reasons, never a pass. A fleet whose target
// accepted no session at all (every CONNECT refused or unanswered) also gets the one line `simulate` prints before
// it exits 3. Computed from the fleet statistics (results.stats), so a merge of shards can apply it again.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/results.hpp"

namespace mqtt::runner {

struct FleetExercise {
  std::vector<std::string> inconclusive;  // why the run is not a test of the broker, one sentence each
  std::string target_problem;             // non-empty when the target accepted no session at all
};

// `stats`: results.stats of one fleet run (simulator::compute_fleet_stats plus the engine's device counts).
FleetExercise assess_fleet(const nlohmann::json& stats, std::chrono::milliseconds connect_deadline);

// Makes every passed case of `results` inconclusive with `reasons` (joined into its message), the statements only
// those cases covered inconclusive too, and recounts the summary. A failed or warned case keeps its verdict (what
// the history proves is proved, exercised or not; the order is error > failed > warned > accepted > inconclusive >
// passed). Records the reasons in results.stats.SECTION.inconclusive either way (SECTION "fleet" or "replay").
void mark_inconclusive(results::Results& results, const std::vector<std::string>& reasons,
                       const std::string& section = "fleet");

}  // namespace mqtt::runner
