// The warnings of a run, derived from its results alone (so a re-rendered results.json says the same): a connect
// ramp that never finished, a run shorter than its scenario's timeline, sessions the target refused or never
// answered, obligations a fleet or capture left unresolved. Every output shows them at its top, under the verdict.
#pragma once

#include <string>
#include <vector>

#include "results/results.hpp"

namespace mqtt::results {

// One sentence each, most important first; empty when there is nothing to warn about.
std::vector<std::string> run_warnings(const Results& results);

}  // namespace mqtt::results
