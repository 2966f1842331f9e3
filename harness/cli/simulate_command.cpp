// `mqtt-harness simulate`: run a fleet scenario (simulated devices on a faulty network) against a target (or
// the embedded reference broker), judge its history with the reference model while it runs, write every report
// format, and exit with the documented code.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>

#include <sys/resource.h>

#include "broker/broker.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/interrupt.hpp"
#include "cli/number_option.hpp"
#include "cli/report_output.hpp"
#include "cli/run_output.hpp"
#include "cli/connection_options.hpp"
#include "cli/embedded_target.hpp"
#include "cli/packet_text.hpp"
#include "cli/terminal.hpp"
#include "history/event_log_file.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "results/json.hpp"
#include "runner/accepted_deviations.hpp"
#include "runner/conformance.hpp"
#include "runner/fleet_limits.hpp"
#include "runner/fleet_run.hpp"
#include "runner/fleet_scenario.hpp"
#include "runner/fleet_timeline.hpp"
#include "runner/shard_clock.hpp"
#include "runner/source_position.hpp"
#include "runner/target_engagement.hpp"

namespace mqtt::cli {
namespace {

struct SimulateOptions {
  std::string scenario;
  std::string target;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> prefix;  // unset: derived from the seed; "": no namespace
  std::optional<double> duration_s;
  double scale = 1.0;
  std::string shard;
  ReportOutput report;
  std::vector<std::string> defects;
  std::string accepted;
  bool json = false;
  bool quiet = false;
  std::string embedded_transport;  // empty: mqtt
  ConnectionOptions connection;
  std::string broker_restart_command;  // for the scenario's broker-restart faults (simulator/broker_restart.hpp)
};

void print_summary(const results::Results& results, const std::filesystem::path& report_dir) {
  const bool colour = colour_enabled(stdout);
  print_interruption(results);
  print_warnings(results);
  print_violations_by_statement(violation_pointers(results.violations));
  print_acceptance(results);
  print_statistics(results);
  const auto& stats = results.stats;
  const std::string run_namespace = stats.value("namespace", std::string());
  fmt::print("{} violations in {:.1f} s (seed {}, {})\n", results.violations.size(), results.duration_ms / 1000.0,
             results.seed, run_namespace.empty() ? std::string("no namespace") : "namespace " + run_namespace);
  for (const auto& row : results.cases) {
    if (row.verdict == results::Verdict::inconclusive) {
      fmt::print("{}: {}\n", paint("inconclusive", "yellow", colour), row.message);
    }
  }
  fmt::print("target: {}\n", results.target);
  if (!report_dir.empty()) fmt::print("report: {}\n", (report_dir / "report.html").string());
}

// 5 when the run found no MUST violation but did not put the broker to the test (fleet_verdict.hpp).
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

// "--duration 8 --scale 10", or the scenario file when neither was given: what a problem with the fleet's size or
// timeline is blamed on.
std::string overrides_text(const SimulateOptions& options) {
  std::string text;
  if (options.duration_s) text += fmt::format("--duration {:g}", *options.duration_s);
  if (options.scale != 1.0) text += fmt::format("{}--scale {:g}", text.empty() ? "" : " ", options.scale);
  return text.empty() ? options.scenario : text;
}

// "--duration 1h" for a soak run: a number with the unit s, m, h or d becomes seconds; a bare number is seconds
// already. What is left is checked as a number (finite_number), so "1x" or "h" is one clear line.
CLI::Validator duration_in_seconds() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty()) return std::string();
        double factor = 0;
        switch (text.back()) {
          case 's': factor = 1; break;
          case 'm': factor = 60; break;
          case 'h': factor = 3600; break;
          case 'd': factor = 86400; break;
          default: return std::string();
        }
        const std::string number = text.substr(0, text.size() - 1);
        char* end = nullptr;
        const double value = std::strtod(number.c_str(), &end);
        if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(value)) {
          return "'" + text + "' is not a duration (seconds, or a number with s, m, h or d)";
        }
        text = fmt::format("{:.17g}", value * factor);
        return std::string();
      },
      "DURATION");
}

int refuse(const std::string& subject, const std::string& problem) {
  fmt::print(stderr, "mqtt-harness simulate: {}: {}\n", subject, problem);
  return exit_bad_input;
}

// The open-file limit, raised first to its hard maximum (a process may; Linux starts it lower).
std::uint64_t open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? ~std::uint64_t{0} : static_cast<std::uint64_t>(limit.rlim_cur);
}

int run_simulate(const SimulateOptions& options) {
  simulator::FleetSpec spec;
  try {
    spec = runner::load_fleet_scenario(options.scenario);
  } catch (const runner::DataFileError& error) {
    fmt::print(stderr, "mqtt-harness simulate: {}\n", error.what());
    return exit_bad_input;
  }
  // The loader checked the file's own timeline; --duration and --scale can still push events outside it.
  if (const auto problem = runner::scale_problem(spec, options.scale)) return refuse(overrides_text(options), *problem);
  if (options.duration_s) spec.duration_ms = static_cast<std::uint32_t>(std::lround(*options.duration_s * 1000.0));
  simulator::scale_fleet(spec, options.scale);
  if (const auto problem = runner::find_timeline_problem(spec)) {
    return refuse(overrides_text(options), problem->message);
  }
  const auto accepted = read_accepted_deviations("simulate", options.accepted);
  if (!accepted) return exit_bad_input;

  runner::FleetRunOptions run;
  run.seed = options.seed.value_or(std::random_device{}());
  if (options.prefix) {
    auto parsed = runner::RunNamespace::from_prefix(*options.prefix);
    if (const auto* error = std::get_if<std::string>(&parsed)) {
      fmt::print(stderr, "mqtt-harness simulate: --prefix '{}': {}\n", *options.prefix, *error);
      return exit_bad_input;
    }
    run.run_namespace = std::get<runner::RunNamespace>(std::move(parsed));
  } else {
    run.run_namespace = runner::RunNamespace::derived_from_seed("fleet", run.seed);
  }
  if (!options.shard.empty() && !parse_shard(options.shard, run.shard_index, run.shard_count)) {
    fmt::print(stderr, "mqtt-harness simulate: --shard {}: must be I/N with 0 <= I < N\n", options.shard);
    return exit_bad_input;
  }

  // Without --target the embedded reference broker serves on a free loopback port for this run.
  std::unique_ptr<EmbeddedTarget> embedded;
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
    if (options.connection.transport.any_tls_option()) {
      fmt::print(stderr, "mqtt-harness simulate: the TLS options need --target (the embedded broker's certificate is "
                 "made for the run: --embedded-transport mqtts or wss)\n");
      return exit_bad_input;
    }
    const auto scheme = parse_embedded_transport(options.embedded_transport.empty() ? "mqtt"
                                                                                    : options.embedded_transport);
    if (!scheme) {
      fmt::print(stderr, "mqtt-harness simulate: --embedded-transport {}: expected mqtt, mqtts, ws or wss\n",
                 options.embedded_transport);
      return exit_bad_input;
    }
    try {
      embedded = std::make_unique<EmbeddedTarget>(broker_options, *scheme);
    } catch (const std::exception& error) {
      fmt::print(stderr, "mqtt-harness simulate: {}\n", error.what());
      return exit_internal;
    }
    run.target = embedded->target();
    if (!apply_credential_options("simulate", options.connection.credentials, run.target)) return exit_bad_input;
    label = fmt::format("embedded reference broker ({}){}", run.target.redacted(),
                        options.defects.empty() ? "" : " with defects");
  } else {
    if (!options.defects.empty() || !options.embedded_transport.empty()) {
      fmt::print(stderr, "mqtt-harness simulate: --{} only applies to the embedded broker (no --target)\n",
                 options.defects.empty() ? "embedded-transport" : "defect");
      return exit_bad_input;
    }
    auto parsed = client::parse_target_url(options.target);
    if (const auto* error = std::get_if<client::UrlError>(&parsed)) {
      fmt::print(stderr, "mqtt-harness simulate: {}: {}\n", reports::redact_target(options.target),
                 error->describe());
      return exit_bad_input;
    }
    run.target = std::get<client::TargetUrl>(parsed);
    if (!apply_connection_options("simulate", options.connection, run.target)) return exit_bad_input;
  }
  run.target_label = label;
  // The scenario's broker-restart faults: by the user's command, or the embedded broker restarted in-process,
  // else skipped with a warning. The command is never printed or recorded (it may hold credentials).
  std::unique_ptr<simulator::BrokerRestarts> broker_restarts;
  {
    const auto restarts = std::count_if(spec.faults.begin(), spec.faults.end(), [](const auto& fault) {
      return fault.kind == simulator::FaultKind::broker_restart;
    });
    if (!options.broker_restart_command.empty() && embedded) {
      fmt::print(stderr, "mqtt-harness simulate: --broker-restart-command needs --target (the embedded broker is "
                         "restarted in-process)\n");
      return exit_bad_input;
    }
    if (!options.broker_restart_command.empty()) {
      broker_restarts = std::make_unique<simulator::BrokerRestarts>(
          [command = options.broker_restart_command](std::uint32_t down_ms) {
            return simulator::run_restart_command(command, down_ms, std::chrono::milliseconds(down_ms) + std::chrono::seconds(60));
          },
          "--broker-restart-command");
    } else if (embedded) {
      broker_restarts = std::make_unique<simulator::BrokerRestarts>(
          [&embedded](std::uint32_t down_ms) {
            embedded->restart(std::chrono::milliseconds(down_ms));
            return simulator::BrokerRestartOutcome{true, "restarted in-process (its sessions were in memory)"};
          },
          "the embedded broker, in-process");
    } else {
      broker_restarts = std::make_unique<simulator::BrokerRestarts>();
      if (restarts > 0 && !options.quiet) {
        fmt::print(stderr, "mqtt-harness simulate: warning: the scenario's {} broker-restart fault(s) will be skipped: "
                           "give --broker-restart-command to restart {}\n",
                   restarts, reports::redact_target(options.target));
      }
    }
    if (restarts > 0) run.broker_restarts = broker_restarts.get();
  }
  {
    const auto footprint = runner::measure_fleet(spec, run.shard_index, run.shard_count, embedded != nullptr);
    if (const auto problem = runner::open_file_problem(footprint, open_file_limit())) {
      return refuse(overrides_text(options), *problem);
    }
    auto namespaced = spec;
    runner::place_in_namespace(namespaced, run.run_namespace);
    if (const auto problem = runner::client_id_problem(namespaced)) return refuse(options.scenario, *problem);
  }
  if (!check_report_directory("simulate", options.report.destination())) return exit_bad_input;

  // From here on, SIGINT and SIGTERM stop the fleet and leave partial reports (cli/interrupt.hpp); installed
  // before the line that says the run starts.
  const InterruptWatch interrupts("simulate");
  run.stop = interrupts.token();
  ProgressLine progress(stderr);
  // The whole history stays in memory only for the history files that are made from it after the run (a shard's
  // results.json keeps its history for `report --merge-shards`); otherwise it is judged as it goes and forgotten.
  auto selection = report_selection(options.report, HistoryDefault::log);
  if (run.shard_count > 1 && options.report.history.empty()) selection.history_in_results = true;
  run.keep_history = selection.history_jsonl || selection.history_pcap || selection.history_in_results;
  if (is_terminal(stderr) && !options.quiet) {
    run.progress = [&](const simulator::FleetProgress& step) {
      progress.update(fmt::format("{:6.1f} s  {}/{} connected  {} PUBLISH sent  {} received  {:.0f} msg/s  {}",
                                  step.elapsed_s, step.connected, step.devices, step.published, step.delivered,
                                  step.messages_per_second,
                                  step.violations == 0 ? std::string("no violation so far")
                                                       : fmt::format("{} violation(s) so far", step.violations)));
    };
  }
  if (!options.quiet && !options.json) {
    fmt::print(
        stderr, "simulating {} ({} devices{}) with seed {}, {}\n", spec.name,
        [&] {
          std::uint64_t devices = 0;
          for (const auto& group : spec.groups) devices += group.observer ? 0 : group.count;
          return devices;
        }(),
        run.shard_count > 1 ? fmt::format(", shard {}/{}", run.shard_index, run.shard_count) : "", run.seed,
        run.run_namespace.empty() ? std::string("no namespace")
                                  : "namespace " + run.run_namespace.name());
  }
  // The compact history goes to disk as the run records it (on the judging thread, right after the model saw each
  // event): a run that is killed leaves it readable up to the last write (history/event_log_file.hpp: every
  // 64 KiB or 1 s; fsync at the end). Secrets are masked first.
  std::unique_ptr<history::EventLogWriter> history_log;
  if (writes_history_log(options.report, HistoryDefault::log)) {
    try {
      std::filesystem::create_directories(options.report.destination());
      history_log = std::make_unique<history::EventLogWriter>(options.report.destination() / "history.log");
    } catch (const std::exception& error) {
      fmt::print(stderr, "mqtt-harness simulate: {}\n", error.what());
      return exit_bad_input;
    }
    // A log that cannot be written (a full disk) stops being written; the run and its judgement go on.
    run.record = [&](const history::Event& event) {
      if (!history_log) return;
      try {
        history_log->append(reports::needs_redaction(event) ? reports::redact_event(event) : event);
      } catch (const std::exception& error) {
        fmt::print(stderr, "mqtt-harness simulate: {}; the history log stops here\n", error.what());
        history_log.reset();
      }
    };
    run.tick = [&] {
      if (history_log) history_log->tick();
    };
    run.recorded = [&] {
      if (!history_log) return;
      try {
        history_log->close();
      } catch (const std::exception& error) {
        fmt::print(stderr, "mqtt-harness simulate: {}\n", error.what());
      }
    };
  }
  // Shards measure their clocks against each other through the broker (runner/shard_clock.hpp) for the merge;
  // not without a namespace, where a scenario's '#' subscription could receive the markers.
  std::optional<runner::ShardClock> clock;
  if (run.shard_count > 1 && !run.run_namespace.empty()) {
    clock.emplace(run.target, run.run_namespace.name(), run.shard_index);
    clock->start();
  }
  auto outcome = runner::run_fleet_scenario(spec, run);
  if (history_log) {
    outcome.results.stats["history_log"] = {{"events", history_log->events()}, {"bytes", history_log->bytes()}};
  }
  if (clock) outcome.results.stats["fleet"]["clock"] = runner::to_json(clock->stop());
  if (run.broker_restarts) {
    broker_restarts->wait();  // before the embedded broker stops; bounded by the restart's own deadline
    outcome.results.stats["broker_restarts"] = broker_restarts->to_json();
  }
  progress.finish();
  if (embedded) embedded->stop();
  if (!outcome.unreachable.empty()) {
    fmt::print(stderr, "mqtt-harness simulate: target unreachable: {}\n", outcome.unreachable);
    return exit_unreachable;
  }
  auto& results = outcome.results;
  results.transport = describe_transport(run.target);
  // The fleet's own connect outcomes name the problem most precisely; the histories are the fallback.
  if (!outcome.target_problem.empty()) {
    results.target_problem = outcome.target_problem;
  } else if (!outcome.interrupted) {  // (see FleetOutcome::interrupted)
    runner::find_target_problem(results);
  }
  runner::apply_accepted_deviations(results, *accepted);
  interrupts.record(results);
  print_target_problem("simulate", results);
  const std::filesystem::path report_dir = options.report.destination();
  return finish_run("simulate", std::move(results), report_dir, selection, options.json, options.quiet,
                    [&](const results::Results& shown) {
                      print_summary(shown, report_dir);
                      print_acceptance(shown);
                    });
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<SimulateOptions>();
  auto* command = app.add_subcommand(
      "simulate",
      "Run a fleet of simulated devices on a faulty network against a broker and judge the history");
  command->add_option("scenario", options->scenario, "Fleet scenario file (JSON; see scenarios/fleet/)")
      ->required();
  command->add_option("-L,--target", options->target,
                      "Broker URL mqtt://, mqtts://, ws:// or wss://[user:pass@]host[:port][/path] (default: the "
                      "embedded reference broker)");
  command->add_option("--seed", options->seed,
                      "Seed for fault choices, publish times, QoS draws and the default namespace (replays a run)");
  command->add_option("--prefix", options->prefix,
                      "Namespace for the run's topics (P/topic) and client ids (P-id); default fleet-<8 hex digits "
                      "from the seed), so earlier runs' retained messages and sessions never meet this one; '' for "
                      "none");
  command
      ->add_option("--duration", options->duration_s,
                   "Publishing time: seconds, or a number with s, m, h or d (1h, 90m; overrides the scenario; at "
                   "most 7 days)")
      ->transform(duration_in_seconds())
      ->check(finite_number(0.1, 7 * 86400));
  command->add_option("--scale", options->scale, "Multiply every device group's count (observers stay)")
      ->check(finite_number(0.0001, 1000))
      ->capture_default_str();
  command->add_option("--shard", options->shard,
                      "Run only shard I of N (devices whose index % N == I; observers in shard 0), e.g. 0/4");
  add_report_options(*command, options->report, HistoryDefault::log);
  command->add_option("--defect", options->defects,
                      "Make the embedded broker break one behaviour (repeatable; see 'list --defects')");
  command->add_option("--accepted", options->accepted,
                      "Accepted-deviations file (JSON; docs/accepted-deviations.md): listed violations do not fail");
  command->add_option("--embedded-transport", options->embedded_transport,
                      "Without --target: serve the embedded broker over mqtt (default), mqtts, ws or wss (TLS with a "
                      "certificate made for the run, verified)");
  command->add_flag("--json", options->json, "Print results.json to stdout instead of the summary");
  command->add_flag("--quiet", options->quiet, "Print nothing but errors");
  command->add_option("--broker-restart-command", options->broker_restart_command,
                      "Shell command (/bin/sh -c) that restarts the --target broker for the scenario's broker-restart "
                      "faults, e.g. 'systemctl restart mosquitto'; run with MQTT_HARNESS_BROKER_DOWN_MS set, given "
                      "down_ms + 60 s, its exit code recorded, the command itself never printed. Without it (and "
                      "with --target) those faults are skipped with a warning");
  add_connection_options(*command, options->connection);
  command->footer(help_footer(
      transport_help_note() + "\n" + credentials_help_note() + "\n" +
      "Every wait has a deadline: a run talks to the broker for at most 5 s (reachability) + 5 s (observers "
      "connecting) + the publishing time + the settle time + 0.2 s; judging follows. Scenario errors name "
      "FILE:LINE:COL and the key (exit 2). A fleet that did not exercise the broker (nothing published, devices "
      "that never connected or ended the run reconnecting) is inconclusive (5); the reasons are printed."));
  command->callback([options, &exit_code] { exit_code = run_simulate(*options); });
}

}  // namespace mqtt::cli
