// The exit codes every mqtt-harness command uses: one table, the source of every --help footer and of the table in
// README.md (tests/cli/exit_codes_test.cpp keeps both in step). runner::exit_code computes a judging run's code
// from its results with these numbers.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace mqtt::cli {

enum ExitCode : int {
  exit_passed = 0,        // everything that ran passed (skips, SHOULD warnings and accepted deviations allowed)
  exit_violations = 1,    // an unaccepted MUST violation
  exit_bad_input = 2,     // bad usage or input (arguments, URL, scenario, profile, accepted-deviations or results file)
  exit_unreachable = 3,   // target unreachable, or it refused / never answered the harness's sessions in every case
  exit_internal = 4,      // a bug in mqtt-harness
  exit_inconclusive = 5,  // no violation, but something that ran was not exercised (the reasons are printed)
  // A judging run stopped by a signal: 128 + the signal's number, as shells report a process killed by it.
  exit_interrupted = 130,  // SIGINT (Ctrl-C)
  exit_terminated = 143,   // SIGTERM
};

struct ExitCodeMeaning {
  ExitCode code;
  std::string_view meaning;  // one line, as README.md and --help show it
};

inline constexpr std::array<ExitCodeMeaning, 8> exit_code_table{{
    {exit_passed, "everything that ran passed (skipped cases, SHOULD warnings and accepted deviations allowed)"},
    {exit_violations, "an unaccepted MUST violation"},
    {exit_bad_input, "bad usage or bad input (arguments, URL, scenario, profile, accepted-deviations or results file)"},
    {exit_unreachable,
     "target unreachable, or it refused or never answered the harness's sessions in every case that ran"},
    {exit_internal, "internal error (a bug in mqtt-harness)"},
    {exit_inconclusive, "inconclusive: no violation, but something that ran was not exercised (reasons printed)"},
    {exit_interrupted,
     "interrupted by SIGINT (Ctrl-C): what was recorded is judged and every report is written, marked interrupted"},
    {exit_terminated, "stopped by SIGTERM: as for 130"},
}};

// When several apply, the first of these wins. An interrupted run is never reported as anything else: its results
// are partial. A target that accepted no session at all gives 3 even when the checker reported violations: with no
// session in place, they cannot be acted on as verdicts on the broker.
inline constexpr std::string_view exit_code_precedence = "130/143 > 1 > 3 > 4 > 5 > 0";

// The footer every subcommand's --help ends with (and the top-level --help).
inline std::string exit_codes_help() {
  std::string text = "Exit codes:";
  for (const auto& row : exit_code_table) {
    std::string code = std::to_string(static_cast<int>(row.code));
    code.resize(3, ' ');  // the meanings line up under the three-digit codes (130, 143)
    text += "\n  " + code + "  " + std::string(row.meaning);
  }
  text += "\n  When several apply: " + std::string(exit_code_precedence) +
          " (3 comes before 1 when the target accepted no session at all).";
  text += "\n  A second SIGINT or SIGTERM stops at once with the same code, without reports.";
  return text;
}

// A subcommand's --help footer: its own note (may be empty), then the exit-code table.
inline std::string help_footer(std::string_view note = {}) {
  return note.empty() ? exit_codes_help() : std::string(note) + "\n" + exit_codes_help();
}

}  // namespace mqtt::cli
