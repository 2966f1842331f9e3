// `mqtt-harness simulate`: run a fleet scenario (simulated devices on a faulty network) against a target (or
// the embedded reference broker), judge the whole history with the reference model, write every report
// format, and exit with the documented code.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>

#include "broker/broker.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/run_output.hpp"
#include "cli/packet_text.hpp"
#include "cli/terminal.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "results/json.hpp"
#include "runner/conformance.hpp"
#include "runner/fleet_run.hpp"
#include "runner/fleet_scenario.hpp"
#include "runner/source_position.hpp"

namespace mqtt::cli {
namespace {

struct SimulateOptions {
  std::string scenario;
  std::string target;
  std::optional<std::uint64_t> seed;
  std::optional<double> duration_s;
  double scale = 1.0;
  std::string shard;
  std::string report_dir = "mqtt-harness-report";
  std::vector<std::string> defects;
  bool json = false;
  bool quiet = false;
};

void print_summary(const results::Results& results, const std::filesystem::path& report_dir) {
  const bool colour = colour_enabled(stdout);
  for (const auto& violation : results.violations) {
    fmt::print("{} {} {}: {}\n", paint("violation", "red", colour), violation.level, violation.statement,
               violation.message);
  }
  const auto& stats = results.stats;
  const auto number = [&](const char* section, const char* key) -> std::string {
    if (!stats.contains(section) || !stats[section].contains(key)) return "-";
    return stats[section][key].dump();
  };
  fmt::print("devices {}, connections {}, reconnects {}, faults {}\n", number("fleet", "devices"),
             number("fleet", "connections"), number("fleet", "reconnects"),
             number("fleet", "faults_recorded"));
  fmt::print("messages published {}, delivered {}, lost {}, duplicates {}\n", number("messages", "published"),
             number("messages", "delivered"), number("messages", "lost"), number("messages", "duplicates"));
  if (stats.contains("delivery_latency_ms")) {
    for (const auto& [qos, figures] : stats["delivery_latency_ms"].items()) {
      if (figures.value("count", 0) == 0) continue;
      fmt::print("delivery latency {}: p50 {} ms, p99 {} ms, p99.9 {} ms ({} deliveries)\n", qos,
                 figures["p50"].dump(), figures["p99"].dump(), figures["p99.9"].dump(),
                 figures["count"].dump());
    }
  }
  fmt::print("{} violations in {:.1f} s (seed {})\n", results.violations.size(), results.duration_ms / 1000.0,
             results.seed);
  fmt::print("target: {}\nreport: {}\n", results.target, (report_dir / "report.html").string());
}

bool parse_shard(const std::string& text, std::uint32_t& index, std::uint32_t& count) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return false;
  try {
    std::size_t used = 0;
    const unsigned long i = std::stoul(text.substr(0, slash), &used);
    if (used != slash) return false;
    const std::string rest = text.substr(slash + 1);
    const unsigned long n = std::stoul(rest, &used);
    if (used != rest.size() || n == 0 || n > 100'000 || i >= n) return false;
    index = static_cast<std::uint32_t>(i);
    count = static_cast<std::uint32_t>(n);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

int run_simulate(const SimulateOptions& options) {
  simulator::FleetSpec spec;
  try {
    spec = runner::load_fleet_scenario(options.scenario);
  } catch (const runner::DataFileError& error) {
    fmt::print(stderr, "mqtt-harness simulate: {}\n", error.what());
    return exit_bad_input;
  }
  if (options.duration_s) spec.duration_ms = static_cast<std::uint32_t>(*options.duration_s * 1000.0);
  simulator::scale_fleet(spec, options.scale);

  runner::FleetRunOptions run;
  run.seed = options.seed.value_or(std::random_device{}());
  if (!options.shard.empty() && !parse_shard(options.shard, run.shard_index, run.shard_count)) {
    fmt::print(stderr, "mqtt-harness simulate: --shard {}: must be I/N with 0 <= I < N\n", options.shard);
    return exit_bad_input;
  }

  // Without --target the embedded reference broker serves on a free loopback port for this run.
  std::unique_ptr<broker::EmbeddedBroker> embedded;
  std::string label;
  if (options.target.empty()) {
    broker::BrokerOptions broker_options;
    for (const auto& name : options.defects) {
      const auto defect = broker::parse_defect(name);
      if (!defect) {
        fmt::print(stderr,
                   "mqtt-harness simulate: --defect {}: unknown defect (see 'mqtt-harness list --defects')\n",
                   name);
        return exit_bad_input;
      }
      broker_options.defects.insert(*defect);
    }
    embedded = std::make_unique<broker::EmbeddedBroker>(broker_options);
    run.target.host = "127.0.0.1";
    run.target.port = embedded->port();
    label = fmt::format("embedded reference broker (mqtt://127.0.0.1:{}){}", embedded->port(),
                        options.defects.empty() ? "" : " with defects");
  } else {
    if (!options.defects.empty()) {
      fmt::print(stderr,
                 "mqtt-harness simulate: --defect only applies to the embedded broker (no --target)\n");
      return exit_bad_input;
    }
    auto parsed = client::parse_target_url(options.target);
    if (const auto* error = std::get_if<client::UrlError>(&parsed)) {
      fmt::print(stderr, "mqtt-harness simulate: {}: {}\n", reports::redact_target(options.target),
                 error->describe());
      return exit_bad_input;
    }
    run.target = std::get<client::TargetUrl>(parsed);
  }
  run.target_label = label;
  if (!check_report_directory("simulate", options.report_dir)) return exit_bad_input;

  ProgressLine progress(stderr);
  if (is_terminal(stderr) && !options.quiet) {  // the live line judges as it goes: only when someone watches
    run.progress = [&](const simulator::FleetProgress& step) {
      progress.update(fmt::format("{:6.1f} s  {}/{} connected  {} published  {} delivered  {:.0f} msg/s  {}",
                                  step.elapsed_s, step.connected, step.devices, step.published, step.delivered,
                                  step.messages_per_second,
                                  step.violations == 0 ? std::string("no violation so far")
                                                       : fmt::format("{} violation(s) so far", step.violations)));
    };
  }
  if (!options.quiet && !options.json) {
    fmt::print(
        stderr, "simulating {} ({} devices{}) with seed {}\n", spec.name,
        [&] {
          std::uint64_t devices = 0;
          for (const auto& group : spec.groups) devices += group.observer ? 0 : group.count;
          return devices;
        }(),
        run.shard_count > 1 ? fmt::format(", shard {}/{}", run.shard_index, run.shard_count) : "", run.seed);
  }
  auto outcome = runner::run_fleet_scenario(spec, run);
  progress.finish();
  if (embedded) embedded->stop();
  if (!outcome.unreachable.empty()) {
    fmt::print(stderr, "mqtt-harness simulate: target unreachable: {}\n", outcome.unreachable);
    return exit_unreachable;
  }
  auto& results = outcome.results;
  const std::filesystem::path report_dir = options.report_dir;
  return finish_run("simulate", std::move(results), report_dir, options.json, options.quiet,
                    [&](const results::Results& shown) { print_summary(shown, report_dir); });
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<SimulateOptions>();
  auto* command = app.add_subcommand(
      "simulate",
      "Run a fleet of simulated devices on a faulty network against a broker and judge the history");
  command->add_option("scenario", options->scenario, "Fleet scenario file (JSON; see scenarios/fleet/)")
      ->required();
  command->add_option("-t,--target", options->target,
                      "Broker URL mqtt://[user:pass@]host[:port] (default: the embedded reference broker)");
  command->add_option("--seed", options->seed,
                      "Seed for fault choices, publish times and QoS draws (replays a run)");
  command
      ->add_option("--duration", options->duration_s, "Publishing time in seconds (overrides the scenario)")
      ->check(CLI::Range(0.1, 86400.0));
  command->add_option("--scale", options->scale, "Multiply every device group's count (observers stay)")
      ->check(CLI::Range(0.0001, 1000.0))
      ->capture_default_str();
  command->add_option("--shard", options->shard,
                      "Run only shard I of N (devices whose index % N == I; observers in shard 0), e.g. 0/4");
  command
      ->add_option("-o,--report-dir", options->report_dir,
                   "Where results.json, report.html, junit.xml, summary.md, history.jsonl, history.pcap go")
      ->capture_default_str();
  command->add_option("--defect", options->defects,
                      "Make the embedded broker break one behaviour (repeatable; see 'list --defects')");
  command->add_flag("--json", options->json, "Print results.json to stdout instead of the summary");
  command->add_flag("-q,--quiet", options->quiet, "Print nothing but errors");
  command->footer(
      "Exit codes: 0 no MUST statement violated, 1 a MUST statement was violated, 2 bad usage or "
      "input (scenario errors name FILE:LINE:COL and the key), 3 target unreachable, 4 internal error.");
  command->callback([options, &exit_code] { exit_code = run_simulate(*options); });
}

}  // namespace mqtt::cli
