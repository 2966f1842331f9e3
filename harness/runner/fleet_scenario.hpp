// Fleet scenario files (scenarios/fleet/*.json, format in scenarios/schema.json and docs/simulator.md) read
// into a simulator::FleetSpec. Every problem is a DataFileError whose what() is one line naming FILE:LINE:COL
// and the offending key; unknown keys are rejected so a misspelling is never silently ignored.
#pragma once

#include <string>
#include <string_view>

#include "simulator/fleet_spec.hpp"

namespace mqtt::runner {

// `file` names the source in errors.
simulator::FleetSpec parse_fleet_scenario(const std::string& file, std::string_view text);
simulator::FleetSpec load_fleet_scenario(const std::string& path);  // reads the file, then parses it

}  // namespace mqtt::runner
