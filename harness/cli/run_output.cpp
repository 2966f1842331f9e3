#include "cli/run_output.hpp"

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/report_directory.hpp"
#include "cli/terminal.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "runner/accepted_deviations.hpp"
#include "runner/conformance.hpp"
#include "runner/source_position.hpp"
#include "results/json.hpp"

namespace mqtt::cli {

bool check_report_directory(std::string_view command, const std::filesystem::path& directory) {
  const std::string problem = report_directory_problem(directory);
  if (problem.empty()) return true;
  fmt::print(stderr, "mqtt-harness {}: --report-dir {}: cannot write reports there ({})\n", command,
             directory.string(), problem);
  return false;
}

bool write_reports(std::string_view command, const results::Results& results, const std::filesystem::path& directory) {
  try {
    reports::write_all(results, directory);
    return true;
  } catch (const std::exception& failure) {
    // The run is done: keep its results somewhere rather than lose them.
    const auto fallback = fallback_report_directory();
    try {
      if (fallback) reports::write_all(results, *fallback);
      fmt::print(stderr, "mqtt-harness {}: cannot write the report: {}; the reports are in {} instead\n", command,
                 failure.what(), fallback->string());
    } catch (const std::exception&) {
      fmt::print(stderr, "mqtt-harness {}: cannot write the report: {}\n", command, failure.what());
    }
    return false;
  }
}

int finish_run(std::string_view command, results::Results results, const std::filesystem::path& report_dir,
               bool json, bool quiet, const std::function<void(const results::Results&)>& print_summary) {
  reports::redact_in_place(results);  // once, before anything is written or printed
  const bool written = write_reports(command, results, report_dir);
  if (json) {
    print_results_json(results);
  } else if (!quiet) {
    print_summary(results);
  }
  const int code = written ? runner::exit_code(results) : exit_bad_input;
  keep_until_exit(std::move(results));
  return code;
}

void print_results_json(const results::Results& results) {
  std::optional<results::Results> redacted_copy;
  fmt::print("{}\n", results::to_json(reports::redacted(results, redacted_copy)).dump(2));
}

std::string_view verdict_colour(results::Verdict verdict) {
  switch (verdict) {
    case results::Verdict::passed: return "green";
    case results::Verdict::failed:
    case results::Verdict::error: return "red";
    case results::Verdict::warned: return "yellow";
    case results::Verdict::inconclusive: return "magenta";
    case results::Verdict::accepted: return "blue";
    case results::Verdict::skipped: return "dim";
  }
  return "";
}

std::optional<std::vector<results::AcceptedDeviation>> read_accepted_deviations(std::string_view command,
                                                                               const std::string& path) {
  if (path.empty()) return std::vector<results::AcceptedDeviation>{};
  try {
    return runner::load_accepted_deviations(path);
  } catch (const runner::DataFileError& error) {
    fmt::print(stderr, "mqtt-harness {}: {}\n", command, error.what());
    return std::nullopt;
  }
}

bool print_target_problem(std::string_view command, const results::Results& results) {
  if (results.target_problem.empty()) return false;
  fmt::print(stderr, "mqtt-harness {}: {}\n", command, reports::redact_text(results.target_problem));
  return true;
}

void print_acceptance(const results::Results& results) {
  const bool colour = colour_enabled(stdout);
  for (const auto& violation : results.violations) {
    if (!violation.accepted) continue;
    fmt::print("{} {} {} in {}: {} — accepted: {}{}\n", paint("accepted", "blue", colour), violation.level,
               violation.statement, violation.case_id, violation.message, violation.accepted->reason,
               violation.accepted->broker.empty() ? "" : " (" + violation.accepted->broker + ")");
  }
  for (const auto& entry : results.stale_accepted) {
    fmt::print("{} stale accepted deviation {}{} ({}): it no longer occurs; remove it from the file\n",
               paint("warning:", "yellow", colour), entry.statement,
               entry.cases.empty() ? "" : " in " + entry.cases, entry.source);
  }
}

void print_interruption(const results::Results& results) {
  if (!results.interrupted) return;
  fmt::print("{}: the results are partial (what was recorded until then, judged; never a pass)\n",
             paint(results::describe(*results.interrupted), "magenta", colour_enabled(stdout)));
}

std::optional<capture::CaptureAnalysis> analyse_capture(std::string_view command, const std::string& file,
                                                        const std::vector<std::uint16_t>& ports,
                                                        std::stop_token stop) {
  capture::CaptureOptions options;
  for (const auto port : ports) options.mqtt_ports.insert(port);
  options.stop = std::move(stop);
  try {
    return capture::analyse_capture_file(file, options);
  } catch (const capture::CaptureError& error) {
    fmt::print(stderr, "mqtt-harness {}: {}\n", command, error.what());
    return std::nullopt;
  }
}

std::optional<runner::CheckedCapture> analyse_and_check_capture(std::string_view command, const std::string& file,
                                                               const std::vector<std::uint16_t>& ports,
                                                               const model::CheckOptions& check,
                                                               std::stop_token stop) {
  capture::CaptureOptions options;
  for (const auto port : ports) options.mqtt_ports.insert(port);
  options.stop = std::move(stop);
  try {
    return runner::analyse_and_check_capture(file, options, check);
  } catch (const capture::CaptureError& error) {
    fmt::print(stderr, "mqtt-harness {}: {}\n", command, error.what());
    return std::nullopt;
  }
}

}  // namespace mqtt::cli
