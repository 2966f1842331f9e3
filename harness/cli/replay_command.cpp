// `mqtt-harness replay CAPTURE --target URL`: re-drives every captured client session against a live broker,
// keeping each client's order and the capture's relative timing (scaled by --speed, or as fast as possible),
// with client ids and topics under a prefix; judges the live broker with the reference model and shows where
// its answers differ from the captured broker's.
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
#include "cli/run_output.hpp"
#include "cli/packet_text.hpp"
#include "cli/terminal.hpp"
#include "client/connection.hpp"
#include "client/recorder.hpp"
#include "client/session.hpp"
#include "client/target_url.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "results/json.hpp"
#include "runner/conformance.hpp"
#include "runner/history_judgement.hpp"

namespace mqtt::cli {
namespace {

struct ReplayOptions {
  std::string capture;
  std::string target;
  double speed = 1.0;
  bool as_fast_as_possible = false;
  std::string prefix;
  std::optional<std::uint64_t> seed;
  std::vector<std::uint16_t> ports;
  double settle_s = 2.0;
  double answer_deadline_s = 2.0;
  std::uint32_t max_packet_size = client::default_max_packet_size;
  std::string report_dir = "mqtt-harness-report";  // like conform and simulate; "" (-o '') writes nothing
  bool json = false;
};

int run_replay(const ReplayOptions& options) {
  const auto parsed = client::parse_target_url(options.target);
  if (const auto* error = std::get_if<client::UrlError>(&parsed)) {
    fmt::print(stderr, "mqtt-harness replay: {}: {}\n", reports::redact_target(options.target), error->describe());
    return exit_bad_input;
  }
  const auto& target = std::get<client::TargetUrl>(parsed);
  if (!options.report_dir.empty() && !check_report_directory("replay", options.report_dir)) return exit_bad_input;
  if (!options.as_fast_as_possible && !(options.speed > 0)) {
    fmt::print(stderr, "mqtt-harness replay: --speed {}: must be above 0\n", options.speed);
    return exit_bad_input;
  }
  auto analysed = analyse_capture("replay", options.capture, options.ports);
  if (!analysed) return exit_bad_input;
  auto& analysis = *analysed;
  const std::uint64_t seed = options.seed.value_or(std::random_device{}());
  const std::string prefix = options.prefix.empty()
                                 ? fmt::format("replay-{:08x}", static_cast<std::uint32_t>(seed))
                                 : options.prefix;
  const auto plan = capture::plan_replay(analysis.history, prefix);
  for (const auto& line : plan.skipped) fmt::print(stderr, "skipped {}\n", line);
  if (plan.sessions.empty()) {
    fmt::print(stderr, "mqtt-harness replay: {}: no client session with its CONNECT in the capture\n",
               options.capture);
    return exit_bad_input;
  }

  client::EventLoop loop;
  // Broker packets received per live connection, so a step waits for the answers its captured client had
  // seen.
  std::map<std::uint32_t, std::size_t> received;
  client::Recorder recorder([&received](const history::Event& event) {
    if (event.kind == history::EventKind::received) ++received[event.connection];
  });
  std::vector<std::optional<client::Session>> sessions(plan.sessions.size());
  std::size_t open_failures = 0;
  std::string first_failure;
  const auto started = std::chrono::steady_clock::now();
  const std::int64_t first_time = plan.steps.front().time_ns;
  for (const auto& step : plan.steps) {
    if (!options.as_fast_as_possible) {
      const auto offset = std::chrono::nanoseconds(
          static_cast<std::int64_t>(static_cast<double>(step.time_ns - first_time) / options.speed));
      const auto wait = started + offset - std::chrono::steady_clock::now();
      if (wait > client::Duration::zero()) loop.run_for(std::chrono::duration_cast<client::Duration>(wait));
    }
    auto& session = sessions[step.session];
    const auto& replayed = plan.sessions[step.session];
    if (session && step.answers_before > 0) {
      const auto id = session->id();
      loop.run_until([&] { return received[id] >= step.answers_before || !session->connection().is_open(); },
                     std::chrono::duration_cast<client::Duration>(
                         std::chrono::duration<double>(options.answer_deadline_s)));
    }
    switch (step.kind) {
      case capture::ReplayStep::Kind::open: {
        client::OpenOptions open_options;
        open_options.actor = replayed.client_id.empty() ? replayed.client : replayed.client_id;
        open_options.version = replayed.version;
        open_options.max_packet_size = options.max_packet_size;
        client::SessionOptions session_options;
        session_options.keep_alive_pings = false;  // the captured PINGREQs are replayed instead
        auto opened = client::Session::open(loop, recorder, target, open_options, session_options);
        if (auto* failure = std::get_if<std::string>(&opened)) {
          ++open_failures;
          if (first_failure.empty()) first_failure = *failure;
        } else {
          session.emplace(std::move(std::get<client::Session>(opened)));
        }
        break;
      }
      case capture::ReplayStep::Kind::send:
        if (session) session->connection().send(*step.packet);
        break;
      case capture::ReplayStep::Kind::close:
        if (session) session->connection().close();
        break;
      case capture::ReplayStep::Kind::abort:
        if (session) session->connection().abort();
        break;
    }
  }
  if (open_failures == plan.sessions.size()) {
    fmt::print(stderr, "mqtt-harness replay: {}: {}\n", target.redacted(), first_failure);
    return exit_unreachable;
  }
  // Let the broker answer what is still owed (deliveries, acknowledgements, wills), then end open sessions.
  loop.run_for(std::chrono::duration_cast<client::Duration>(std::chrono::duration<double>(options.settle_s)));
  for (auto& session : sessions) {
    if (session && session->connection().is_open()) session->connection().close();
  }
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  auto live = recorder.snapshot();
  std::vector<std::string> differences;
  for (std::size_t index = 0; index < plan.sessions.size(); ++index) {
    if (!sessions[index]) continue;
    const auto& replayed = plan.sessions[index];
    std::vector<std::string> captured_answers;
    for (const auto& packet : replayed.captured_answers)
      captured_answers.push_back(capture::answer_text(packet));
    std::vector<std::string> live_answers;
    for (const auto& event : live.events) {
      if (event.connection == sessions[index]->id() && event.kind == history::EventKind::received &&
          event.packet) {
        live_answers.push_back(capture::answer_text(*event.packet, prefix));
      }
    }
    const auto label =
        fmt::format("#{} {}", replayed.connection,
                    replayed.client_id.empty() ? replayed.client : "\"" + replayed.client_id + "\"");
    std::size_t at = 0;
    while (at < captured_answers.size() && at < live_answers.size() &&
           captured_answers[at] == live_answers[at])
      ++at;
    if (at == captured_answers.size() && at == live_answers.size()) continue;
    differences.push_back(fmt::format(
        "{}: answer {} differs: captured broker {}, live broker {} ({} captured, {} live answers)", label,
        at + 1, at < captured_answers.size() ? captured_answers[at] : "sent nothing more",
        at < live_answers.size() ? live_answers[at] : "sent nothing more", captured_answers.size(),
        live_answers.size()));
  }

  runner::HistorySource source;
  source.id = "replay:" + std::filesystem::path(options.capture).filename().string();
  source.title =
      fmt::format("{} captured session(s) replayed against {}", plan.sessions.size(), target.redacted());
  source.section = "replay";
  source.steps.push_back(fmt::format("prefix {} (seed {})", prefix, seed));
  for (const auto& line : differences) source.steps.push_back("difference: " + line);
  source.history = std::move(live);
  runner::HistoryJudgementOptions judgement;
  judgement.kind = "replay";
  judgement.target = target.redacted();
  judgement.seed = seed;
  judgement.duration_ms = elapsed_ms;
  std::vector<runner::HistorySource> sources;
  sources.push_back(std::move(source));
  auto results = runner::judge_histories(std::move(sources), judgement);
  reports::redact_in_place(results);  // once, before anything is written or printed
  if (!options.report_dir.empty() && !write_reports("replay", results, options.report_dir)) return exit_bad_input;
  if (options.json) {
    print_results_json(results);
  } else {
    const bool colour = colour_enabled(stdout);
    fmt::print("replayed {} session(s) from {} against {} in {:.1f} s (prefix {}, seed {})\n",
               plan.sessions.size(), options.capture, target.redacted(), elapsed_ms / 1000.0, prefix, seed);
    if (open_failures > 0) fmt::print("{} session(s) could not connect: {}\n", open_failures, first_failure);
    for (const auto& line : differences) fmt::print("{} {}\n", paint("differs", "yellow", colour), line);
    if (differences.empty())
      fmt::print("the live broker answered every session as the captured broker did\n");
    for (const auto& violation : results.violations) {
      fmt::print("{} {} {}\n",
                 paint(violation.level == "MUST" ? "violated" : "warned ",
                       violation.level == "MUST" ? "red" : "yellow", colour),
                 violation.statement, violation.message);
    }
    fmt::print("verdict: {} failed, {} warned\n", results.summary.failed, results.summary.warned);
  }
  return runner::exit_code(results);
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReplayOptions>();
  auto* command =
      app.add_subcommand("replay", "Re-drive the client sessions of a capture against a live broker");
  command->add_option("capture", options->capture, "Capture file (pcap or pcapng)")->required();
  command->add_option("-t,--target", options->target, "Broker URL mqtt://[user:pass@]host[:port]")
      ->required();
  auto* speed = command->add_option("--speed", options->speed, "Time scale: 2 replays twice as fast")
                    ->capture_default_str();
  command
      ->add_flag("--as-fast-as-possible", options->as_fast_as_possible,
                 "Ignore the captured timing; keep only the order")
      ->excludes(speed);
  command->add_option("--prefix", options->prefix,
                      "Prefix for client ids (P-id) and topics (P/topic); default replay-<seed>");
  command->add_option("--seed", options->seed, "Seed for the default prefix");
  command->add_option("-p,--port", options->ports,
                      "Also treat this TCP port as MQTT (repeatable; 1883 always)");
  command->add_option("--settle", options->settle_s, "Seconds to wait for the broker's last answers")
      ->capture_default_str();
  command
      ->add_option("--answer-deadline", options->answer_deadline_s,
                   "Seconds a step waits for the answers its captured client had received before it")
      ->capture_default_str();
  command->add_option("--max-packet-size", options->max_packet_size,
                      "Largest remaining length accepted from the broker, in bytes; a larger packet is a decode "
                      "error naming its claimed size and is never buffered")
      ->check(CLI::Range(2u, 268'435'455u))
      ->capture_default_str();
  command->add_option("-o,--report-dir", options->report_dir, "Where every report format goes ('' for none)")
      ->capture_default_str();
  command->add_flag("--json", options->json, "Print results.json to stdout instead of the summary");
  command->footer(
      "Exit codes: 0 no MUST statement violated, 1 a MUST statement violated, 2 bad usage or input, "
      "3 target unreachable, 4 internal error. Differences from the captured broker are shown, not "
      "judged: only the model judges.");
  command->callback([options, &exit_code] { exit_code = run_replay(*options); });
}

}  // namespace mqtt::cli
