// `mqtt-harness inspect CAPTURE`: per-connection summary of the MQTT traffic in a pcap/pcapng file, and the
// captured broker's behaviour judged offline by the reference model (same results and report files as
// conform).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>

#include "capture/capture_analyser.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/interrupt.hpp"
#include "cli/report_output.hpp"
#include "cli/run_output.hpp"
#include "cli/terminal.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "results/json.hpp"
#include "runner/capture_judgement.hpp"
#include "runner/accepted_deviations.hpp"
#include "runner/conformance.hpp"
#include "runner/history_judgement.hpp"

namespace mqtt::cli {
namespace {

struct InspectOptions {
  std::string capture;
  std::vector<std::uint16_t> ports;
  ReportOutput report;  // like conform and simulate
  std::string accepted;
  bool json = false;
  bool quiet = false;
};

std::string counts_text(const std::map<std::string, std::uint64_t>& counts) {
  std::string text;
  for (const auto& [name, count] : counts)
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", name, count);
  return text.empty() ? "nothing" : text;
}

std::string qos_text(const std::array<std::uint64_t, 3>& qos) {
  return fmt::format("QoS 0/1/2: {}/{}/{}", qos[0], qos[1], qos[2]);
}

std::string joined(const std::set<std::string>& items, std::size_t limit = 8) {
  std::string text;
  std::size_t shown = 0;
  for (const auto& item : items) {
    if (shown++ == limit) {
      text += fmt::format(", ... ({} in all)", items.size());
      break;
    }
    text += (text.empty() ? "" : ", ") + item;
  }
  return text;
}

std::vector<std::string> summary_lines(const capture::ConnectionSummary& row) {
  std::vector<std::string> lines;
  lines.push_back(
      fmt::format("#{} {} -> {} ({}{}), frames {}-{}, {:.3f} s", row.connection, row.client, row.server,
                  row.transport, row.from_syn ? "" : ", capture starts mid-connection", row.first_frame,
                  row.last_frame, static_cast<double>(row.last_time_ns - row.first_time_ns) / 1e9));
  const std::string version = row.version            ? std::string(to_string(*row.version))
                              : row.assumed_version ? std::string(to_string(*row.assumed_version)) + " (assumed)"
                                                    : "unknown";
  lines.push_back(fmt::format("  client id \"{}\", MQTT {}, clean session {}, keep alive {}, will {}",
                              row.client_id, version,
                              row.clean_session ? (*row.clean_session ? "yes" : "no") : "unknown",
                              row.keep_alive ? fmt::format("{} s", *row.keep_alive) : "unknown",
                              row.will.empty() ? "none" : row.will));
  lines.push_back(fmt::format("  sent {} ({}); {} bytes", counts_text(row.sent),
                              qos_text(row.publish_qos_sent), row.bytes_sent));
  lines.push_back(fmt::format("  received {} ({}); {} bytes", counts_text(row.received),
                              qos_text(row.publish_qos_received), row.bytes_received));
  if (!row.topics.empty()) lines.push_back("  topics: " + joined(row.topics));
  if (!row.filters.empty()) lines.push_back("  subscriptions: " + joined(row.filters));
  lines.push_back("  " + row.close + (row.judged ? "" : "; not judged after a capture gap"));
  if (!row.not_judged.empty()) lines.push_back("  inconclusive, not judged: " + row.not_judged);
  for (const auto& note : row.notes) lines.push_back("  note: " + note);
  return lines;
}

int run_inspect(const InspectOptions& options) {
  if (!check_report_directory("inspect", options.report.destination())) return exit_bad_input;
  const auto accepted = read_accepted_deviations("inspect", options.accepted);
  if (!accepted) return exit_bad_input;
  runner::HistoryJudgementOptions judgement;
  // From here on, SIGINT and SIGTERM stop the reading; what was read is judged and reported (cli/interrupt.hpp).
  const InterruptWatch interrupts("inspect");
  auto checked =
      analyse_and_check_capture("inspect", options.capture, options.ports, judgement.check, interrupts.token());
  if (!checked) return exit_bad_input;
  auto& analysis = checked->analysis;
  const auto unsupported = analysis.interrupted ? std::nullopt : runner::unsupported_capture(analysis);
  if (unsupported) {
    fmt::print(stderr, "mqtt-harness inspect: {}: {}\n", options.capture, *unsupported);
    return exit_bad_input;
  }
  const auto inconclusive = runner::capture_inconclusive_reasons(analysis, checked->verdicts);

  runner::HistorySource source;
  source.id = "capture:" + std::filesystem::path(options.capture).filename().string();
  source.title = fmt::format("{} MQTT connection(s) in {}", analysis.connections.size(), options.capture);
  source.section = "capture";
  std::set<std::string> versions;
  for (const auto& row : analysis.connections) {
    for (auto& line : summary_lines(row)) source.steps.push_back(std::move(line));
    const auto version = row.version ? row.version : row.assumed_version;
    if (version && row.not_judged.empty()) versions.insert(std::string(to_string(*version)));
  }
  for (const auto& note : analysis.notes) source.steps.push_back("note: " + note);
  source.history = std::move(analysis.history);
  source.verdicts = std::move(checked->verdicts);
  judgement.kind = "capture";
  judgement.target = "capture " + options.capture;
  judgement.mqtt_version = versions.size() == 1 ? *versions.begin() : "3.1.1";
  judgement.duration_ms = static_cast<double>(analysis.duration_ns) / 1e6;
  std::vector<runner::HistorySource> sources;
  sources.push_back(std::move(source));
  auto results = runner::judge_histories(std::move(sources), judgement);
  runner::mark_capture_inconclusive(results, inconclusive);
  runner::apply_accepted_deviations(results, *accepted);
  interrupts.record(results);
  reports::redact_in_place(results);  // once, before anything is written or printed

  const auto selection = report_selection(options.report, HistoryDefault::nothing);
  if (!write_reports("inspect", results, options.report.destination(), selection)) return exit_bad_input;
  if (options.json) {
    print_results_json(results, selection.history_in_results ? results::CaseHistories::included
                                                              : results::CaseHistories::counted);
  } else if (!options.quiet) {
    const bool colour = colour_enabled(stdout);
    print_interruption(results);
    fmt::print("capture {}: {} frames, {} TCP segments, {} MQTT connection(s), {:.3f} s\n", options.capture,
               analysis.frames, analysis.tcp_segments, analysis.connections.size(),
               static_cast<double>(analysis.duration_ns) / 1e9);
    print_warnings(results);
    for (const auto& line : results.cases.front().steps) fmt::print("{}\n", line);
    std::size_t must = 0;
    for (const auto& violation : results.violations) must += violation.level == "MUST" ? 1 : 0;
    print_violations_by_statement(violation_pointers(results.violations), "", [](const results::Violation& violation) {
      return !violation.history_slice.empty() && violation.history_slice.back().frame
                 ? fmt::format(" (frame {})", *violation.history_slice.back().frame)
                 : std::string();
    });
    print_observations(results);
    print_statistics(results);
    print_acceptance(results);
    std::size_t exercised = 0;
    for (const auto& statement : results.statements) exercised += statement.cases.empty() ? 0 : 1;
    // Nothing judged is not conformant: without a violation, a capture that did not put the broker to the test
    // says why instead.
    // Nor is an interrupted run.
    const bool undecided = must == 0 && (results.summary.inconclusive > 0 || results.interrupted);
    fmt::print("verdict: {} ({} statement(s) exercised, {} MUST and {} SHOULD violation(s))\n",
               paint(must > 0                ? "violations"
                     : results.interrupted ? "interrupted"
                     : undecided           ? "inconclusive"
                                           : "conformant",
                     must > 0 ? "red" : undecided ? "yellow" : "green", colour),
               exercised, must, results.violations.size() - must);
    for (const auto& reason : inconclusive) fmt::print("{} {}\n", paint("inconclusive:", "yellow", colour), reason);
    if (options.report.writes()) {
      fmt::print("report: {}\n", (options.report.destination() / "report.html").string());
    }
  }
  int code = runner::exit_code(results);
  if (code == exit_passed && results.summary.inconclusive > 0) code = exit_inconclusive;
  keep_until_exit(std::move(results));
  return code;
}

}  // namespace

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<InspectOptions>();
  auto* command = app.add_subcommand(
      "inspect", "Summarise the MQTT traffic in a pcap/pcapng capture and judge the captured broker offline");
  command->add_option("capture", options->capture, "Capture file (pcap or pcapng)")->required();
  command->add_option("-p,--port", options->ports,
                      "Also treat this TCP port as MQTT (repeatable; 1883 always)");
  add_report_options(*command, options->report, HistoryDefault::nothing);
  command->add_option("--accepted", options->accepted,
                      "Accepted-deviations file (JSON; docs/accepted-deviations.md): listed violations do not fail");
  command->add_flag("--json", options->json, "Print results.json to stdout instead of the summary");
  command->add_flag("--quiet", options->quiet, "Print nothing but errors");
  command->footer(help_footer(
      "An unreadable, truncated, corrupt or unsupported capture is exit 2 (the error names the frame). A capture "
      "with no MQTT connection, only MQTT 5.0 connections (not judged yet) or no statement exercised is "
      "inconclusive (5); the reasons are printed."));
  command->callback([options, &exit_code] { exit_code = run_inspect(*options); });
}

}  // namespace mqtt::cli
