// What every judging command (conform, simulate, inspect, replay) does with its results, and how the capture
// commands (inspect, replay, convert) read their input: one place, one wording for the errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "capture/capture_analyser.hpp"
#include "reports/reports.hpp"
#include "runner/capture_judgement.hpp"
#include "results/json.hpp"
#include "results/results.hpp"

namespace mqtt::cli {

// Before a run: whether reports can be written into `directory`; if not prints "mqtt-harness COMMAND:
// --report-dir DIR: cannot write reports there (why)" and returns false (the caller exits with exit_bad_input).
// An empty `directory` (no reports) passes.
bool check_report_directory(std::string_view command, const std::filesystem::path& directory);

// Writes the report formats `selection` asks for into `directory`; on failure writes them into a new temporary
// directory instead, prints "mqtt-harness COMMAND: cannot write the report: ...; the reports are in DIR instead"
// and returns false (the caller exits with exit_bad_input). An empty `directory` writes nothing (-o '',
// --no-report) and returns true.
bool write_reports(std::string_view command, const results::Results& results, const std::filesystem::path& directory,
                   const reports::ReportSelection& selection = {});

// The end of a judging run (conform, simulate): the results are redacted once (reports/redaction.hpp), then
// the selected report formats go into `report_dir` (none when it is empty), then results.json on stdout (--json)
// or `print_summary` of the redacted results (unless --quiet), even when the reports had to go elsewhere;
// returns the run's exit code (exit_bad_input when the reports could not be written where asked).
int finish_run(std::string_view command, results::Results results, const std::filesystem::path& report_dir,
               const reports::ReportSelection& selection, bool json, bool quiet,
               const std::function<void(const results::Results&)>& print_summary);

// Keeps `value` alive until the process exits instead of freeing it: a command's results can hold a whole
// capture's or fleet's history (a 115 MB capture: 252,511 events, about 10% of `inspect`'s time to free),
// and the process ends right after. Only for the last use of a command's results.
template <typename T>
void keep_until_exit(T&& value) {
  static auto* const kept = new std::vector<std::unique_ptr<T>>();  // never destroyed; reachable, not a leak
  kept->push_back(std::make_unique<T>(std::forward<T>(value)));
}

// Prints results.json, redacted, to stdout (for --json); with the case histories only when results.json holds
// them too (--history results).
void print_results_json(const results::Results& results,
                        results::CaseHistories histories = results::CaseHistories::included);

// The colour a verdict is painted in on a terminal.
std::string_view verdict_colour(results::Verdict verdict);

// --accepted FILE of any judging command: the entries, or (after printing "mqtt-harness COMMAND: FILE:LINE:COL:
// ...") nullopt, and the caller exits with exit_bad_input. An empty path gives no entries.
std::optional<std::vector<results::AcceptedDeviation>> read_accepted_deviations(std::string_view command,
                                                                               const std::string& path);

// "mqtt-harness COMMAND: target refused CONNECT: ..." on stderr when the target took no part; returns whether it
// printed. The one line replaces a line per case.
bool print_target_problem(std::string_view command, const results::Results& results);

// One line per violation an accepted-deviations entry covers ("accepted MUST MQTT-2.2.2-2 ...: REASON") and a
// warning per stale entry, on stdout.
void print_acceptance(const results::Results& results);

// "interrupted by SIGINT after 12.3 s: ..." on stdout, first in a summary, when a signal interrupted the run.
void print_interruption(const results::Results& results);

// "warning: ..." on stdout for each of the run's warnings (results/run_warnings.hpp); printed before anything else
// of the summary.
void print_warnings(const results::Results& results);

// Violations one line per statement ("violated MUST MQTT-3.1.2-8: FIRST MESSAGE (494 violations, 494 clients)"),
// at most `statements_shown` statements, then "... and N more statements"; accepted ones are left out (see
// print_acceptance). `suffix` adds to a statement's line what its first instance's source knows (a frame number).
void print_violations_by_statement(const std::vector<const results::Violation*>& violations,
                                   std::string_view indent = "",
                                   const std::function<std::string(const results::Violation&)>& suffix = {},
                                   std::size_t statements_shown = 10);
std::vector<const results::Violation*> violation_pointers(const std::vector<results::Violation>& violations);

// The run's statistics (reports/statistics_facts.hpp), "Name: text" per line.
void print_statistics(const results::Results& results);

// Observations, one line per behaviour with how many times it was seen.
void print_observations(const results::Results& results);

// Reads and analyses a capture (up to `stop`, when it is requested); on a bad file prints "mqtt-harness COMMAND:
// <one-line error with the frame>" and returns nullopt (the caller exits with exit_bad_input).
std::optional<capture::CaptureAnalysis> analyse_capture(std::string_view command, const std::string& file,
                                                        const std::vector<std::uint16_t>& ports,
                                                        std::stop_token stop = {});

// The same, with the reference model judging the history on a second thread while the capture is read
// (runner/capture_judgement.hpp).
std::optional<runner::CheckedCapture> analyse_and_check_capture(std::string_view command, const std::string& file,
                                                               const std::vector<std::uint16_t>& ports,
                                                               const model::CheckOptions& check,
                                                               std::stop_token stop = {});

}  // namespace mqtt::cli
