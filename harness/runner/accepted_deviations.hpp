// Accepted deviations (--accepted FILE; docs/accepted-deviations.md): statements the owner knows their broker
// breaks and has decided to live with. Applied to any Results (conform, simulate, inspect, replay): a violation an
// entry covers keeps its evidence but is marked accepted and no longer fails the run; a violation no entry covers
// still does; an entry that covered nothing although cases it names ran is reported as stale, so the file stays
// honest.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "results/results.hpp"

namespace mqtt::runner {

// Reads the file; throws DataFileError ("accepted.json:7:9: key \"accepted[1].statement\": ...").
std::vector<results::AcceptedDeviation> parse_accepted_deviations(const std::string& file, std::string_view text);
std::vector<results::AcceptedDeviation> load_accepted_deviations(const std::string& path);

// Whether `entry` covers `violation` (same statement; the case glob, when set, matches the violation's case).
bool covers(const results::AcceptedDeviation& entry, const results::Violation& violation);

// Marks every covered violation (in the cases and in results.violations), re-derives the verdicts of the cases
// (failed or warned only by accepted violations -> accepted) and of the statements (violated only by accepted
// violations -> accepted), recounts the summary and lists the stale entries in results.stale_accepted. An entry is
// stale when it covered nothing although a case it names (any case, without a glob) ran.
void apply_accepted_deviations(results::Results& results, const std::vector<results::AcceptedDeviation>& accepted);

}  // namespace mqtt::runner
