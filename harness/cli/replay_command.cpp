// `mqtt-harness replay CAPTURE --target URL`: re-drives every captured client session against a live broker
// (runner/replay_run.hpp: each client's order and the capture's relative timing, scaled by --speed, or as fast as
// possible; every wait bounded), with client ids and topics in the run's namespace; judges the live broker with the
// reference model and shows where its answers differ from the captured broker's.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include "capture/capture_analyser.hpp"
#include "capture/replay_plan.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/interrupt.hpp"
#include "cli/number_option.hpp"
#include "cli/report_output.hpp"
#include "cli/run_output.hpp"
#include "cli/connection_options.hpp"
#include "cli/packet_text.hpp"
#include "cli/terminal.hpp"
#include "client/target_url.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "results/json.hpp"
#include "runner/accepted_deviations.hpp"
#include "runner/conformance.hpp"
#include "runner/fleet_verdict.hpp"
#include "runner/history_judgement.hpp"
#include "runner/replay_run.hpp"
#include "runner/run_namespace.hpp"
#include "runner/target_engagement.hpp"

namespace mqtt::cli {
namespace {

struct ReplayOptions {
  std::string capture;
  std::string target;
  double speed = 1.0;
  bool as_fast_as_possible = false;
  std::optional<std::string> prefix;  // unset: derived from the seed; "": no namespace
  std::optional<std::uint64_t> seed;
  std::vector<std::uint16_t> ports;
  double settle_s = 2.0;
  double answer_deadline_s = 2.0;
  ReportOutput report;  // like conform and simulate
  std::string accepted;
  bool json = false;
  bool quiet = false;
  ConnectionOptions connection;
};

std::chrono::milliseconds milliseconds_of(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0 + 0.5));
}

// For comparing answers: the live broker's packet as the captured client would have seen it (topics outside the
// run's namespace).
Packet outside_namespace(Packet packet, const runner::RunNamespace& run_namespace) {
  if (auto* publish = std::get_if<Publish>(&packet)) publish->topic = run_namespace.local_topic(publish->topic);
  return packet;
}

// Every replayed session whose live answers differ from the captured broker's, at the first difference.
std::vector<std::string> answer_differences(const capture::ReplayPlan& plan, const runner::ReplayRun& run,
                                            const runner::RunNamespace& run_namespace) {
  std::map<std::uint32_t, std::vector<std::string>> live_answers;  // live connection -> its answers
  for (const auto& event : run.history.events) {
    if (event.kind == history::EventKind::received && event.packet) {
      live_answers[event.connection].push_back(
          capture::answer_text(outside_namespace(*event.packet, run_namespace)));
    }
  }
  std::vector<std::string> differences;
  for (std::size_t index = 0; index < plan.sessions.size(); ++index) {
    if (!run.connections[index]) continue;
    const auto& replayed = plan.sessions[index];
    std::vector<std::string> captured_answers;
    for (const auto& packet : replayed.captured_answers) captured_answers.push_back(capture::answer_text(packet));
    const auto& live = live_answers[*run.connections[index]];
    const auto label =
        fmt::format("#{} {}", replayed.connection,
                    replayed.client_id.empty() ? replayed.client : "\"" + replayed.client_id + "\"");
    std::size_t at = 0;
    while (at < captured_answers.size() && at < live.size() && captured_answers[at] == live[at]) ++at;
    if (at == captured_answers.size() && at == live.size()) continue;
    differences.push_back(fmt::format(
        "{}: answer {} differs: captured broker {}, live broker {} ({} captured, {} live answers)", label, at + 1,
        at < captured_answers.size() ? captured_answers[at] : "sent nothing more",
        at < live.size() ? live[at] : "sent nothing more", captured_answers.size(), live.size()));
  }
  return differences;
}

int run_replay(const ReplayOptions& options) {
  const auto parsed = client::parse_target_url(options.target);
  if (const auto* error = std::get_if<client::UrlError>(&parsed)) {
    fmt::print(stderr, "mqtt-harness replay: {}: {}\n", reports::redact_target(options.target), error->describe());
    return exit_bad_input;
  }
  runner::ReplayRunOptions replay;
  replay.target = std::get<client::TargetUrl>(parsed);
  if (!apply_connection_options("replay", options.connection, replay.target)) return exit_bad_input;
  replay.speed = options.speed;
  replay.as_fast_as_possible = options.as_fast_as_possible;
  replay.settle = milliseconds_of(options.settle_s);
  replay.answer_deadline = milliseconds_of(options.answer_deadline_s);
  const std::uint64_t seed = options.seed.value_or(std::random_device{}());
  if (options.prefix) {
    auto chosen = runner::RunNamespace::from_prefix(*options.prefix);
    if (const auto* error = std::get_if<std::string>(&chosen)) {
      fmt::print(stderr, "mqtt-harness replay: --prefix '{}': {}\n", *options.prefix, *error);
      return exit_bad_input;
    }
    replay.run_namespace = std::get<runner::RunNamespace>(std::move(chosen));
  } else {
    replay.run_namespace = runner::RunNamespace::derived_from_seed("replay", seed);
  }
  const auto& target = replay.target;
  if (!check_report_directory("replay", options.report.destination())) return exit_bad_input;
  const auto& run_namespace = replay.run_namespace;
  const std::string namespace_text = run_namespace.empty() ? "no namespace" : "namespace " + run_namespace.name();

  const auto accepted = read_accepted_deviations("replay", options.accepted);
  if (!accepted) return exit_bad_input;
  // From here on, SIGINT and SIGTERM stop the reading or the replay and leave partial reports (cli/interrupt.hpp).
  const InterruptWatch interrupts("replay");
  replay.stop = interrupts.token();
  auto analysed = analyse_capture("replay", options.capture, options.ports, interrupts.token());
  if (!analysed) return exit_bad_input;
  // The plan keeps the captured names; the run puts every packet into the namespace (runner/run_namespace.hpp).
  // A capture whose reading was interrupted is not replayed at all (the replay sees the stop at once).
  const auto plan = capture::plan_replay(analysed->history, "");
  if (!options.quiet) {
    for (const auto& line : plan.skipped) fmt::print(stderr, "skipped {}\n", line);
  }
  if (plan.sessions.empty() && !analysed->interrupted) {
    fmt::print(stderr, "mqtt-harness replay: {}: no client session with its CONNECT in the capture\n",
               options.capture);
    return exit_bad_input;
  }
  const auto worst_case = runner::replay_worst_case(plan, replay);
  if (!options.json && !options.quiet) {
    fmt::print(stderr, "replaying {} session(s) from {} against {} ({}, seed {}); at most {:.1f} s\n",
               plan.sessions.size(), options.capture, target.redacted(), namespace_text, seed,
               static_cast<double>(worst_case.count()) / 1000.0);
  }

  auto run = runner::run_replay(plan, replay);
  if (!run.unreachable.empty()) {
    fmt::print(stderr, "mqtt-harness replay: target unreachable: {}\n", run.unreachable);
    return exit_unreachable;
  }
  const auto differences = answer_differences(plan, run, run_namespace);

  runner::HistorySource source;
  source.id = "replay:" + std::filesystem::path(options.capture).filename().string();
  source.title =
      fmt::format("{} captured session(s) replayed against {}", plan.sessions.size(), target.redacted());
  source.section = "replay";
  source.steps.push_back(fmt::format("{} (seed {})", namespace_text, seed));
  for (const auto& line : differences) source.steps.push_back("difference: " + line);
  source.history = std::move(run.history);
  runner::HistoryJudgementOptions judgement;
  judgement.kind = "replay";
  judgement.target = target.redacted();
  judgement.seed = seed;
  judgement.duration_ms = run.duration_ms;
  std::vector<runner::HistorySource> sources;
  sources.push_back(std::move(source));
  auto results = runner::judge_histories(std::move(sources), judgement);
  results.transport = describe_transport(target);
  results.stats["namespace"] = run_namespace.name();
  results.stats["replay"] = {{"sessions", plan.sessions.size()},
                             {"open_failures", run.open_failures},
                             {"sessions_not_opened", run.sessions_not_opened},
                             {"sessions_that_stopped_waiting", run.sessions_unanswered},
                             {"differences", differences.size()},
                             {"worst_case_ms", worst_case.count()}};
  auto reasons = run.inconclusive;
  if (!run.target_problem.empty()) reasons.insert(reasons.begin(), run.target_problem);
  runner::mark_inconclusive(results, reasons, "replay");
  // The histories say how each CONNECT ended (refused, reset, closed, unanswered); the replay's own session
  // outcomes are the fallback.
  // (Not after an interruption: CONNECTs it left unanswered say nothing about the target.)
  if (!run.interrupted_at_ms) runner::find_target_problem(results);
  // Silence is best described by the replay's own deadlines ("within 5.3 s (3 sent)").
  if (!run.target_problem.empty() &&
      (results.target_problem.empty() || results.target_problem.find("did not answer") != std::string::npos)) {
    results.target_problem = run.target_problem;
  }
  runner::apply_accepted_deviations(results, *accepted);
  interrupts.record(results);
  reports::redact_in_place(results);  // once, before anything is written or printed
  const auto selection = report_selection(options.report, HistoryDefault::nothing);
  if (!write_reports("replay", results, options.report.destination(), selection)) return exit_bad_input;
  if (options.json) {
    print_results_json(results, selection.history_in_results ? results::CaseHistories::included
                                                              : results::CaseHistories::counted);
  } else if (!options.quiet) {
    const bool colour = colour_enabled(stdout);
    print_interruption(results);
    print_warnings(results);
    fmt::print("replayed {} session(s) from {} against {} in {:.1f} s ({}, seed {})\n", plan.sessions.size(),
               options.capture, target.redacted(), run.duration_ms / 1000.0, namespace_text, seed);
    if (run.sessions_unanswered > 0) {
      fmt::print("{} session(s) stopped waiting for answers that did not come within {:g} s\n",
                 run.sessions_unanswered, options.answer_deadline_s);
    }
    for (const auto& line : differences) fmt::print("{} {}\n", paint("differs", "yellow", colour), line);
    if (differences.empty())
      fmt::print("the live broker answered every session as the captured broker did\n");
    print_violations_by_statement(violation_pointers(results.violations));
    print_acceptance(results);
    for (const auto& reason : reasons) fmt::print("{}: {}\n", paint("inconclusive", "yellow", colour), reason);
    fmt::print("verdict: {} failed, {} warned{}\n", results.summary.failed, results.summary.warned,
               results.summary.inconclusive > 0 ? ", inconclusive" : "");
  }
  // The target took no part (every CONNECT refused or unanswered): one line, and exit 3 whatever else was found.
  if (print_target_problem("replay", results) && !results.interrupted) return exit_unreachable;
  return runner::exit_code(results);
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReplayOptions>();
  auto* command =
      app.add_subcommand("replay", "Re-drive the client sessions of a capture against a live broker");
  command->add_option("capture", options->capture, "Capture file (pcap or pcapng)")->required();
  command->add_option("-L,--target", options->target,
                      "Broker URL mqtt://, mqtts://, ws:// or wss://[user:pass@]host[:port][/path]")
      ->required();
  auto* speed = command->add_option("--speed", options->speed, "Time scale: 2 replays twice as fast")
                    ->check(finite_number(0.001, 1000))
                    ->capture_default_str();
  command
      ->add_flag("--as-fast-as-possible", options->as_fast_as_possible,
                 "Ignore the captured timing; keep only the order")
      ->excludes(speed);
  command->add_option("--prefix", options->prefix,
                      "Namespace for client ids (P-id) and topics (P/topic); default replay-<8 hex digits from the "
                      "seed>, so earlier runs' retained messages and sessions never meet this one; '' for none");
  command->add_option("--seed", options->seed, "Seed for the default namespace");
  command->add_option("-p,--port", options->ports,
                      "Also treat this TCP port as MQTT (repeatable; 1883 always)");
  command->add_option("--settle", options->settle_s, "Seconds to wait for the broker's last answers")
      ->check(finite_number(0, 3600))
      ->capture_default_str();
  command
      ->add_option("--answer-deadline", options->answer_deadline_s,
                   "Seconds a step waits for the answers its captured client had received before it")
      ->check(finite_number(0.001, 3600))
      ->capture_default_str();
  add_report_options(*command, options->report, HistoryDefault::nothing);
  command->add_option("--accepted", options->accepted,
                      "Accepted-deviations file (JSON; docs/accepted-deviations.md): listed violations do not fail");
  command->add_flag("--json", options->json, "Print results.json to stdout instead of the summary");
  command->add_flag("--quiet", options->quiet, "Print nothing but errors");
  add_connection_options(*command, options->connection);
  command->footer(
      help_footer(transport_help_note() + "\n" + credentials_help_note() + "\n" +
                  "Every wait has a deadline: at most 5 s (connect timeout) + the capture's span / --speed (nothing "
                  "with --as-fast-as-possible) + --answer-deadline + 5 s + --settle; the bound is printed at the "
                  "start. A session whose answers do not come in time stops waiting for them; after one TCP connect "
                  "runs out of time no further session is opened. Client ids and topics go into a namespace "
                  "(--prefix); a CONNECT gets the credentials of --target (or -u/-P) when it has any. Sessions that could not be "
                  "opened or got no CONNACK make the replay inconclusive (5). Differences from the captured broker are "
                  "shown, not judged: only the model judges."));
  command->callback([options, &exit_code] { exit_code = run_replay(*options); });
}

}  // namespace mqtt::cli
