#include "cli/run_output.hpp"

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "runner/conformance.hpp"
#include "results/json.hpp"

namespace mqtt::cli {

bool write_reports(std::string_view command, const results::Results& results, const std::filesystem::path& directory) {
  try {
    reports::write_all(results, directory);
    return true;
  } catch (const std::exception& error) {
    fmt::print(stderr, "mqtt-harness {}: cannot write the report: {}\n", command, error.what());
    return false;
  }
}

int finish_run(std::string_view command, results::Results results, const std::filesystem::path& report_dir,
               bool json, bool quiet, const std::function<void(const results::Results&)>& print_summary) {
  reports::redact_in_place(results);  // once, before anything is written or printed
  if (!write_reports(command, results, report_dir)) return exit_bad_input;
  if (json) {
    print_results_json(results);
  } else if (!quiet) {
    print_summary(results);
  }
  const int code = runner::exit_code(results);
  keep_until_exit(std::move(results));
  return code;
}

void print_results_json(const results::Results& results) {
  std::optional<results::Results> redacted_copy;
  fmt::print("{}\n", results::to_json(reports::redacted(results, redacted_copy)).dump(2));
}

std::optional<capture::CaptureAnalysis> analyse_capture(std::string_view command, const std::string& file,
                                                        const std::vector<std::uint16_t>& ports) {
  capture::CaptureOptions options;
  for (const auto port : ports) options.mqtt_ports.insert(port);
  try {
    return capture::analyse_capture_file(file, options);
  } catch (const capture::CaptureError& error) {
    fmt::print(stderr, "mqtt-harness {}: {}\n", command, error.what());
    return std::nullopt;
  }
}

std::optional<runner::CheckedCapture> analyse_and_check_capture(std::string_view command, const std::string& file,
                                                               const std::vector<std::uint16_t>& ports,
                                                               const model::CheckOptions& check) {
  capture::CaptureOptions options;
  for (const auto port : ports) options.mqtt_ports.insert(port);
  try {
    return runner::analyse_and_check_capture(file, options, check);
  } catch (const capture::CaptureError& error) {
    fmt::print(stderr, "mqtt-harness {}: {}\n", command, error.what());
    return std::nullopt;
  }
}

}  // namespace mqtt::cli
