// The checker's speed and memory on a long generated fleet history (tests/model/fleet_traffic.hpp: 200 devices,
// QoS 0/1/2 telemetry to two acknowledging subscribers, reconnects), judged event by event as a live run does.
// Usage: bench_checker PUBLISHES [forget|keep] [SEED] [churn|fanin-qos0|fanin-qos1] [evidence]
//   forget (default): the checker drops settled state (harness/model/forgetting.hpp); keep: it holds everything.
//   churn: the flapping-fleet workload (FleetTrafficOptions::churn): 500 clean-session devices with retained
//   wills, a retained status per connect and a command subscription, reconnecting on half of the publishes.
//   fanin-qos0: 1,000 devices publishing only QoS 0 at 10,000 msg/s of history time, no reconnects (issue 16's
//   fanin-1000-qos0 run); fanin-qos1: the same at QoS 1 and 2 as well (FleetTraffic picks the QoS per publish).
//   evidence: keep evidence copies of events (CheckOptions::evidence_events), as a streamed fleet run does.
// Prints events, the seconds spent generating and judging, events per second of judgement (generation timed
// apart on the same seed and subtracted), the peak RSS and the checker's state size at the end.
// BENCH_CHECKER_VERDICTS=FILE writes the verdicts in full to FILE (every violation with its evidence slice, the
// unresolved, the observations and the exercised statements), to compare two builds' judgements line by line.
// Exit codes: 0 done, 2 bad arguments, 1 the conformant history was accused (a checker or generator bug).
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fleet_traffic.hpp"
#include "history/json.hpp"
#include "model/checker.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

long peak_rss_kilobytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

void write_numbers(std::ostream& out, const std::vector<std::uint64_t>& numbers) {
  for (const auto number : numbers) out << ' ' << number;
  out << '\n';
}

void write_verdicts(const char* path, const mqtt::model::Verdicts& verdicts) {
  std::ofstream out(path);
  for (const auto& finding : verdicts.violations) {
    out << "violation " << finding.spec << ' ' << finding.statement << ' ' << finding.level << ": " << finding.message
        << "\n  evidence";
    write_numbers(out, finding.evidence);
    for (const auto& event : finding.evidence_events) out << "  " << mqtt::history::to_json_line(event) << '\n';
  }
  for (const auto& unresolved : verdicts.unresolved) {
    out << "unresolved " << static_cast<int>(unresolved.kind) << ' ' << unresolved.spec << ' ' << unresolved.statement
        << ' ' << static_cast<int>(unresolved.return_code) << ": " << unresolved.reason << "\n  evidence";
    write_numbers(out, unresolved.evidence);
  }
  for (const auto& observation : verdicts.observed) {
    out << "observed " << observation.behaviour << ": " << observation.detail << "\n  evidence";
    write_numbers(out, observation.evidence);
  }
  for (const auto& statement : verdicts.exercised) out << "exercised " << statement << '\n';
  for (const auto& [spec, statements] : verdicts.exercised_by_spec) {
    for (const auto& statement : statements) out << "exercised " << spec << ' ' << statement << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mqtt;
  if (argc < 2 || argc > 6) {
    std::fprintf(stderr, "usage: bench_checker PUBLISHES [forget|keep] [SEED] [churn|fanin-qos0|fanin-qos1] [evidence]\n");
    return 2;
  }
  char* end = nullptr;
  const auto publishes = std::strtoull(argv[1], &end, 10);
  const std::string mode = argc > 2 ? argv[2] : "forget";
  const std::uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 20261206;
  const std::string workload = argc > 4 ? argv[4] : "fleet";
  const bool evidence = argc > 5 && std::string(argv[5]) == "evidence";
  if (*end != '\0' || publishes == 0 || (mode != "forget" && mode != "keep") ||
      (workload != "fleet" && workload != "churn" && workload != "fanin-qos0" && workload != "fanin-qos1") ||
      (argc > 5 && !evidence)) {
    std::fprintf(stderr,
                 "bench_checker: PUBLISHES must be a positive integer, the mode forget or keep, the workload churn, "
                 "fanin-qos0 or fanin-qos1, the last argument evidence\n");
    return 2;
  }
  model::testing::FleetTrafficOptions traffic;
  traffic.publishes = publishes;
  if (workload == "churn") {
    traffic.churn = true;
    traffic.devices = 500;
    traffic.reconnect_per_mille = 500;
  } else if (workload.starts_with("fanin")) {
    traffic.devices = 1000;
    traffic.reconnect_per_mille = 0;
    traffic.publish_interval_ns = 100'000;  // 10,000 msg/s
    traffic.qos0_only = workload == "fanin-qos0";
  }

  // Generation alone, on the same seed: the same events, handed to nobody.
  std::uint64_t events = 0;
  auto start = std::chrono::steady_clock::now();
  model::testing::FleetTraffic(seed, traffic, [&](const history::Event&) { ++events; }).run();
  const double generation_seconds = seconds_since(start);

  model::CheckOptions options;
  options.forget_settled = mode == "forget";
  options.evidence_events = evidence;
  model::Checker checker(options);
  start = std::chrono::steady_clock::now();
  const auto end_time =
      model::testing::FleetTraffic(seed, traffic, [&](const history::Event& event) { checker.observe(event); }).run();
  const auto size = checker.state_size();
  const auto verdicts = checker.finish(end_time);
  const double total_seconds = seconds_since(start);
  const double judgement_seconds = total_seconds - generation_seconds;

  std::printf("workload %s, mode %s, seed %llu, %llu publishes, %llu events\n", workload.c_str(), mode.c_str(),
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(publishes),
              static_cast<unsigned long long>(events));
  std::printf("generation %.2f s, generation + judgement %.2f s, judgement %.2f s: %.0f events/s\n",
              generation_seconds, total_seconds, judgement_seconds, events / judgement_seconds);
  std::printf("peak RSS %.1f MB\n", peak_rss_kilobytes() / 1024.0);
  std::printf("state at the end: %zu messages, %zu obligations, %zu copy ledgers, %zu arrival marks, %zu order "
              "marks, %zu connections, %zu sessions, %zu subscription records, %zu retained versions on %zu "
              "topics, %zu evidence events\n",
              size.messages, size.obligations, size.copy_ledgers, size.arrival_marks, size.order_marks,
              size.connections, size.sessions, size.subscription_records, size.retained_versions,
              size.retained_topics, size.evidence_events);
  std::printf("settled messages waiting out the window: %zu, holding %zu entries (%.1f each)\n", size.settled_messages,
              size.settled_message_entries,
              size.settled_messages == 0 ? 0.0
                                         : static_cast<double>(size.settled_message_entries) / size.settled_messages);
  if (const char* path = std::getenv("BENCH_CHECKER_VERDICTS")) write_verdicts(path, verdicts);
  std::printf("verdicts: %zu violations, %zu unresolved\n", verdicts.violations.size(), verdicts.unresolved.size());
  return verdicts.violations.empty() ? 0 : 1;
}
