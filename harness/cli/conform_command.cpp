// `mqtt-harness conform`: run the conformance suite against a target (or the embedded reference broker),
// print a summary, write every report format, and exit with the documented code.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "broker/broker.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/interrupt.hpp"
#include "cli/report_output.hpp"
#include "cli/run_output.hpp"
#include "cli/packet_text.hpp"
#include "cli/terminal.hpp"
#include "cli/connection_options.hpp"
#include "cli/embedded_target.hpp"
#include "client/target_url.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "results/json.hpp"
#include "results/reason_groups.hpp"
#include "runner/conformance.hpp"
#include "runner/source_position.hpp"

namespace mqtt::cli {
namespace {

struct ConformOptions {
  std::string target;
  std::string mqtt = "3.1.1";
  std::string filter = "*";
  std::vector<std::string> exclude;
  std::string accepted;
  int jobs = 16;  // cases mostly wait on the broker; 16 at a time measured 8.1 s vs 19.2 s at 4 (mosquitto)
  std::optional<std::uint64_t> seed;
  ReportOutput report;
  std::string profile;
  std::string cases_dir;
  std::vector<std::string> defects;
  std::vector<std::string> variations;
  bool json = false;
  bool quiet = false;
  std::string embedded_transport;  // empty: mqtt
  ConnectionOptions connection;
};

// Inconclusive cases grouped by their reason: many cases often share one (a refused client, a silent target).
void print_inconclusive(const results::Results& results, bool colour) {
  const std::string label = paint("inconclusive", verdict_colour(results::Verdict::inconclusive), colour);
  for (const auto& group : results::group_by_reason(results.cases, results::Verdict::inconclusive)) {
    if (group.case_ids.size() == 1) {
      fmt::print("{} {}: {}\n", label, group.case_ids.front(), group.reason);
      continue;
    }
    fmt::print("{} {} cases: {}\n", label, group.case_ids.size(), group.reason);
    std::string line = "       ";
    for (const auto& id : group.case_ids) {
      if (line.size() + id.size() + 2 > 110) {
        fmt::print("{}\n", line);
        line = "       ";
      }
      line += " " + id;
    }
    fmt::print("{}\n", line);
  }
}

void print_summary(const results::Results& results, const std::filesystem::path& report_dir) {
  const bool colour = colour_enabled(stdout);
  print_interruption(results);
  print_warnings(results);
  if (results.target_problem.empty()) {
    for (const auto& result : results.cases) {
      const auto verdict = result.verdict;
      if (verdict != results::Verdict::failed && verdict != results::Verdict::warned &&
          verdict != results::Verdict::error) {
        continue;
      }
      fmt::print("{} {}: {}\n", paint(fmt::format("{:7}", to_string(verdict)), verdict_colour(verdict), colour),
                 result.id, result.message);
      // Accepted ones are listed with the accepted ones below.
      print_violations_by_statement(violation_pointers(result.violations), "        ");
    }
    print_inconclusive(results, colour);
    print_acceptance(results);
    print_observations(results);
  }
  const auto& summary = results.summary;
  fmt::print("{} cases: {} passed, {} failed, {} warned, {} accepted, {} inconclusive, {} skipped, {} errors in "
             "{:.1f} s (seed {})\n",
             results.cases.size(), summary.passed, summary.failed, summary.warned, summary.accepted,
             summary.inconclusive, summary.skipped, summary.errors, results.duration_ms / 1000.0, results.seed);
  fmt::print("target: {}\n", results.target);
  if (!report_dir.empty()) fmt::print("report: {}\n", (report_dir / "report.html").string());
}

int run_conform(const ConformOptions& options) {
  if (!check_report_directory("conform", options.report.destination())) return exit_bad_input;
  runner::ConformanceOptions run;
  run.mqtt_version = options.mqtt;
  run.filter = options.filter;
  run.exclude = options.exclude;
  run.jobs = options.jobs;
  auto accepted = read_accepted_deviations("conform", options.accepted);
  if (!accepted) return exit_bad_input;
  run.accepted = std::move(*accepted);
  run.seed = options.seed;
  if (!options.profile.empty()) run.profile_file = options.profile;
  if (!options.cases_dir.empty()) run.cases_dir = options.cases_dir;

  // Without --target the embedded reference broker serves on a free loopback port for this run.
  std::unique_ptr<EmbeddedTarget> embedded;
  results::Transport transport;
  if (options.target.empty()) {
    if (options.connection.transport.any_tls_option()) {
      fmt::print(stderr, "mqtt-harness conform: the TLS options need --target (the embedded broker's certificate is "
                 "made for the run: --embedded-transport mqtts or wss)\n");
      return exit_bad_input;
    }
    const auto scheme = parse_embedded_transport(options.embedded_transport.empty() ? "mqtt"
                                                                                    : options.embedded_transport);
    if (!scheme) {
      fmt::print(stderr, "mqtt-harness conform: --embedded-transport {}: expected mqtt, mqtts, ws or wss\n",
                 options.embedded_transport);
      return exit_bad_input;
    }
    broker::BrokerOptions broker_options;
    for (const auto& name : options.defects) {
      const auto defect = broker::parse_defect(name);
      if (!defect) {
        fmt::print(stderr, "mqtt-harness conform: --defect {}: unknown defect (see 'mqtt-harness list --defects')\n",
                   name);
        return exit_bad_input;
      }
      broker_options.defects.insert(*defect);
    }
    for (const auto& name : options.variations) {
      const auto variation = broker::parse_variation(name);
      if (!variation) {
        fmt::print(stderr,
                   "mqtt-harness conform: --variation {}: unknown variation (see 'mqtt-harness list --variations')\n",
                   name);
        return exit_bad_input;
      }
      broker_options.variations.insert(*variation);
    }
    if (const auto conflict = broker::conflict_in(broker_options.variations)) {
      fmt::print(stderr, "mqtt-harness conform: --variation: {}\n", *conflict);
      return exit_bad_input;
    }
    try {
      embedded = std::make_unique<EmbeddedTarget>(broker_options, *scheme);
    } catch (const std::exception& error) {
      fmt::print(stderr, "mqtt-harness conform: {}\n", error.what());
      return exit_internal;
    }
    const client::TargetUrl& served = embedded->target();
    run.target = fmt::format("{}://127.0.0.1:{}{}", client::to_string(served.scheme), served.port, served.path);
    run.tls = served.tls;
    transport = describe_transport(served);
    client::TargetUrl url;
    if (!apply_credential_options("conform", options.connection.credentials, url)) return exit_bad_input;
    run.username = url.username;
    run.password = url.password;
  } else {
    if (!options.defects.empty() || !options.variations.empty() || !options.embedded_transport.empty()) {
      fmt::print(stderr, "mqtt-harness conform: --{} only applies to the embedded broker (no --target)\n",
                 !options.defects.empty() ? "defect" : !options.variations.empty() ? "variation" : "embedded-transport");
      return exit_bad_input;
    }
    run.target = options.target;
    // A URL that does not parse is reported by the runner, with the others of its kind.
    auto parsed = client::parse_target_url(options.target);
    if (auto* url = std::get_if<client::TargetUrl>(&parsed)) {
      if (!apply_connection_options("conform", options.connection, *url)) return exit_bad_input;
      run.tls = url->tls;
      run.username = url->username;
      run.password = url->password;
      transport = describe_transport(*url);
    }
  }

  ProgressLine progress(stderr);
  const bool colour = colour_enabled(stderr);
  run.progress = [&](const runner::CaseProgress& step) {
    progress.update(fmt::format("[{}/{}] {} {}", step.finished, step.total,
                                paint(to_string(step.verdict), verdict_colour(step.verdict), colour), step.id));
  };

  // From here on, SIGINT and SIGTERM stop the run and leave partial reports (cli/interrupt.hpp).
  const InterruptWatch interrupts("conform");
  run.stop = interrupts.token();
  results::Results results;
  try {
    results = runner::run_conformance(run);
  } catch (const runner::DataFileError& error) {
    progress.finish();
    fmt::print(stderr, "mqtt-harness conform: {}\n", error.what());
    return exit_bad_input;
  } catch (const runner::ConformanceInputError& error) {
    progress.finish();
    fmt::print(stderr, "mqtt-harness conform: {}\n", reports::redact_text(error.what()));
    return exit_bad_input;
  }
  progress.finish();
  results.transport = transport;
  if (embedded) {
    embedded->stop();
    results.target = fmt::format("embedded reference broker ({}){}{}", run.target,
                                 options.defects.empty() ? "" : " with defects",
                                 options.variations.empty() ? "" : " with variations");
  }

  interrupts.record(results);
  const std::filesystem::path report_dir = options.report.destination();
  print_target_problem("conform", results);
  return finish_run("conform", std::move(results), report_dir,
                    report_selection(options.report, HistoryDefault::everything), options.json, options.quiet,
                    [&](const results::Results& shown) { print_summary(shown, report_dir); });
}

}  // namespace

void add_conform_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ConformOptions>();
  auto* command = app.add_subcommand("conform", "Run the MQTT conformance suite against a broker");
  command->add_option("-L,--target", options->target,
                      "Broker URL mqtt://, mqtts://, ws:// or wss://[user:pass@]host[:port][/path] (default: the "
                      "embedded reference broker)");
  command->add_option("--mqtt", options->mqtt, "Protocol version of the cases to run")->capture_default_str();
  command->add_option("-f,--filter", options->filter,
                      "Glob(s) on case ids, comma-separated; '!GLOB' leaves cases out ('!malformed.*' runs all others)")
      ->capture_default_str();
  command->add_option("--exclude", options->exclude,
                      "Leave out the cases matching this glob (repeatable); they are listed as skipped, \"excluded\"");
  command->add_option("--accepted", options->accepted,
                      "Accepted-deviations file (JSON; docs/accepted-deviations.md): the violations it lists are "
                      "reported as accepted and do not fail the run");
  command->add_option("-j,--jobs", options->jobs, "Cases run concurrently")->check(CLI::Range(1, 256))
      ->capture_default_str();
  command->add_option("--seed", options->seed, "Seed for client ids, topics and payload tokens (replays a run)");
  add_report_options(*command, options->report, HistoryDefault::everything);
  command->add_option("--profile", options->profile,
                      "Target profile (JSON): what the broker legitimately chooses or is configured with");
  command->add_option("--cases-dir", options->cases_dir, "Run the case files in this folder instead of the built-in suite");
  command->add_option("--defect", options->defects,
                      "Make the embedded broker break one behaviour (repeatable; see 'list --defects')");
  command->add_option("--variation", options->variations,
                      "Make the embedded broker choose a permitted behaviour other than its default (repeatable; "
                      "see 'list --variations')");
  command->add_option("--embedded-transport", options->embedded_transport,
                      "Without --target: serve the embedded broker over mqtt (default), mqtts, ws or wss (TLS with a "
                      "certificate made for the run, verified)");
  command->add_flag("--json", options->json, "Print results.json to stdout instead of the summary");
  command->add_flag("--quiet", options->quiet, "Print nothing but errors");
  add_connection_options(*command, options->connection);
  command->footer(help_footer(transport_help_note() + "\n" + credentials_help_note()));
  command->callback([options, &exit_code] { exit_code = run_conform(*options); });
}

}  // namespace mqtt::cli
