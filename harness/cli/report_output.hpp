// The report options every judging command (conform, simulate, inspect, replay) shares: where the reports go
// (-o DIR; -o '' or --no-report for none: verdict, summary and exit code as usual, no files) and which of the
// history-sized reports are written (--history; docs/reports.md "Which files a run writes").
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "reports/reports.hpp"

namespace mqtt::cli {

struct ReportOutput {
  std::string directory = "mqtt-harness-report";
  bool none = false;     // --no-report
  std::string history;   // --history as given; "" = the command's default
  bool writes() const { return !none && !directory.empty(); }
  // Where the reports go; empty when none are written.
  std::filesystem::path destination() const { return writes() ? std::filesystem::path(directory) : std::filesystem::path(); }
};

// What a run writes when --history is not given. Conformance cases are short and their histories small: every
// file, as before. A fleet's or a capture's history is all of its traffic: results.json with verdicts,
// statistics and evidence slices, and no history files, except a fleet's compact history log (history.log,
// written while it runs; `convert` turns it into history.jsonl or history.pcap later).
enum class HistoryDefault { everything, nothing, log };

// Adds -o/--report-dir, --no-report and --history to `command`.
void add_report_options(CLI::App& command, ReportOutput& output, HistoryDefault history_default);

// The selection --history asks for: a comma-separated list of jsonl, pcap and results (the whole history inside
// results.json), or all, or none; "" gives `history_default`. The option's validator has already refused
// anything else.
reports::ReportSelection report_selection(const ReportOutput& output, HistoryDefault history_default);

// Whether the run writes history.log (only simulate offers it: HistoryDefault::log).
bool writes_history_log(const ReportOutput& output, HistoryDefault history_default);

// nullopt when `text` is a valid --history list, else why not ("'csv' is not one of jsonl, pcap, results, all,
// none"); `log` is valid only where `log_offered`.
std::optional<std::string> history_list_problem(std::string_view text, bool log_offered);

}  // namespace mqtt::cli
