#include "cli/run_output.hpp"

#include <fmt/format.h>

#include <map>

#include "cli/exit_codes.hpp"
#include "cli/report_directory.hpp"
#include "cli/terminal.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "reports/statistics_facts.hpp"
#include "results/run_warnings.hpp"
#include "results/violation_groups.hpp"
#include "runner/accepted_deviations.hpp"
#include "runner/conformance.hpp"
#include "runner/source_position.hpp"
#include "results/json.hpp"

namespace mqtt::cli {

bool check_report_directory(std::string_view command, const std::filesystem::path& directory) {
  if (directory.empty()) return true;  // no reports (-o '', --no-report)
  const std::string problem = report_directory_problem(directory);
  if (problem.empty()) return true;
  fmt::print(stderr, "mqtt-harness {}: --report-dir {}: cannot write reports there ({})\n", command,
             directory.string(), problem);
  return false;
}

bool write_reports(std::string_view command, const results::Results& results, const std::filesystem::path& directory,
                   const reports::ReportSelection& selection) {
  if (directory.empty()) return true;
  try {
    reports::write_all(results, directory, selection);
    return true;
  } catch (const std::exception& failure) {
    // The run is done: keep its results somewhere rather than lose them.
    const auto fallback = fallback_report_directory();
    try {
      if (fallback) reports::write_all(results, *fallback, selection);
      fmt::print(stderr, "mqtt-harness {}: cannot write the report: {}; the reports are in {} instead\n", command,
                 failure.what(), fallback->string());
    } catch (const std::exception&) {
      fmt::print(stderr, "mqtt-harness {}: cannot write the report: {}\n", command, failure.what());
    }
    return false;
  }
}

int finish_run(std::string_view command, results::Results results, const std::filesystem::path& report_dir,
               const reports::ReportSelection& selection, bool json, bool quiet,
               const std::function<void(const results::Results&)>& print_summary) {
  reports::redact_in_place(results);  // once, before anything is written or printed
  const bool written = write_reports(command, results, report_dir, selection);
  if (json) {
    print_results_json(results, selection.history_in_results ? results::CaseHistories::included
                                                              : results::CaseHistories::counted);
  } else if (!quiet) {
    print_summary(results);
  }
  const int code = written ? runner::exit_code(results) : exit_bad_input;
  keep_until_exit(std::move(results));
  return code;
}

void print_results_json(const results::Results& results, results::CaseHistories histories) {
  std::optional<results::Results> redacted_copy;
  fmt::print("{}\n", results::to_json(reports::redacted(results, redacted_copy), histories).dump(2));
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

void print_warnings(const results::Results& results) {
  const bool colour = colour_enabled(stdout);
  for (const auto& warning : results::run_warnings(results)) {
    fmt::print("{} {}\n", paint("warning:", "yellow", colour), warning);
  }
}

std::vector<const results::Violation*> violation_pointers(const std::vector<results::Violation>& violations) {
  std::vector<const results::Violation*> pointers;
  pointers.reserve(violations.size());
  for (const auto& violation : violations) pointers.push_back(&violation);
  return pointers;
}

void print_violations_by_statement(const std::vector<const results::Violation*>& violations, std::string_view indent,
                                   const std::function<std::string(const results::Violation&)>& suffix,
                                   std::size_t statements_shown) {
  const bool colour = colour_enabled(stdout);
  const auto groups = results::group_by_statement(violations);
  for (std::size_t index = 0; index < groups.size() && index < statements_shown; ++index) {
    const auto& group = groups[index];
    const auto& first = *group.instances.front();
    const bool must = group.level == "MUST";
    std::string counts;
    if (group.instances.size() > 1) {
      counts = fmt::format(" ({} violations, {} clients in the evidence)", group.instances.size(), group.clients.size());
    }
    fmt::print("{}{} {} {}: {}{}{}\n", indent, paint(must ? "violated" : "warned  ", must ? "red" : "yellow", colour),
               group.level, group.statement, first.message, suffix ? suffix(first) : "", counts);
  }
  if (groups.size() > statements_shown) {
    fmt::print("{}... and {} more statements (report.html lists them)\n", indent, groups.size() - statements_shown);
  }
}

void print_statistics(const results::Results& results) {
  for (const auto& fact : reports::statistics_facts(results.stats)) fmt::print("{}: {}\n", fact.name, fact.text);
}

void print_observations(const results::Results& results) {
  const bool colour = colour_enabled(stdout);
  std::vector<std::pair<std::string, std::size_t>> order;  // behaviour, index of its first observation
  std::map<std::string, std::size_t> times;
  for (std::size_t index = 0; index < results.observed.size(); ++index) {
    if (times[results.observed[index].behaviour]++ == 0) order.emplace_back(results.observed[index].behaviour, index);
  }
  for (const auto& [behaviour, first] : order) {
    const bool fault = behaviour.rfind("fault-", 0) == 0;
    const auto count = times[behaviour];
    fmt::print("{} {}{}: {}\n", paint(fault ? "injected" : "observed", "dim", colour), behaviour,
               count > 1 ? fmt::format(" ({} times)", count) : "", results.observed[first].detail);
  }
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
