// The exit codes every mqtt-harness command uses (documented in README.md).
#pragma once

namespace mqtt::cli {

enum ExitCode : int {
  exit_passed = 0,       // all checks passed (SHOULD-level warnings allowed)
  exit_violations = 1,   // a MUST statement was broken
  exit_bad_input = 2,    // bad usage or bad input (arguments, URL, scenario, profile, results file)
  exit_unreachable = 3,  // the target could not be reached
  exit_internal = 4,     // a bug in mqtt-harness
  exit_inconclusive = 5,  // no violation, but something that ran was not exercised (the reasons are printed)
};

}  // namespace mqtt::cli
