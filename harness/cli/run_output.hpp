// What every judging command (conform, simulate, inspect, replay) does with its results, and how the capture
// commands (inspect, replay, convert) read their input: one place, one wording for the errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capture/capture_analyser.hpp"
#include "results/results.hpp"

namespace mqtt::cli {

// Writes every report format into `directory`; on failure prints "mqtt-harness COMMAND: cannot write the
// report: ..." and returns false (the caller exits with exit_bad_input).
bool write_reports(std::string_view command, const results::Results& results, const std::filesystem::path& directory);

// The end of a judging run (conform, simulate): every report format into `report_dir`, then results.json on
// stdout (--json) or `print_summary` (unless --quiet); returns the run's exit code.
int finish_run(std::string_view command, const results::Results& results, const std::filesystem::path& report_dir,
               bool json, bool quiet, const std::function<void()>& print_summary);

// Prints results.json to stdout (for --json).
void print_results_json(const results::Results& results);

// Reads and analyses a capture; on a bad file prints "mqtt-harness COMMAND: <one-line error with the frame>" and
// returns nullopt (the caller exits with exit_bad_input).
std::optional<capture::CaptureAnalysis> analyse_capture(std::string_view command, const std::string& file,
                                                        const std::vector<std::uint16_t>& ports);

}  // namespace mqtt::cli
