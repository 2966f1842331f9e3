// The false-failure guard, mirror image of the defect detection test: the embedded reference broker takes
// each legal variation (a behaviour the 3.1.1 specification permits, harness/broker/variation.hpp) in turn,
// and once all compatible ones together; the whole 3.1.1 suite and every shipped fleet scenario
// (scenarios/fleet/, scaled down and run faster) run against it, and the checker must report no violation at
// all. A run on the default broker comes first, so a failure there is not blamed on a variation.
//
// Each run prints one GUARD line (docs/broker.md's legal-variation table is made from them) and, for every
// violation, a FALSE VIOLATION line with the statement, the case and the checker's message, followed by the
// history slice the checker gave as evidence.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <future>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "broker/broker.hpp"
#include "broker/variation.hpp"
#include "cli/packet_text.hpp"
#include "runner/conformance.hpp"
#include "runner/fleet_run.hpp"
#include "runner/fleet_scenario.hpp"
#include "simulator/fleet_spec.hpp"

namespace mqtt::runner {
namespace {

constexpr std::uint64_t guard_seed = 20261201;

// The shipped fleets are minutes of hundreds of devices; the guard keeps their story (the same faults, churn
// and reconnects, in the same order) but plays it with about a dozen devices at four times the speed, so all
// runs together stay within about three minutes on two cores. Keep-alives are seconds and stay as written.
constexpr double fleet_devices = 12;
constexpr double fleet_speed = 4;
constexpr std::uint32_t minimum_settle_ms = 2'500;

// Soak scenarios (scenarios/fleet/soak-*.json) last an hour: they are played faster still, so that every fleet's
// publishing takes at most 15 s here, like the longest of the others.
constexpr double longest_fleet_ms = 15'000;

void play_faster(simulator::FleetSpec& spec) {
  const double speed = std::max(fleet_speed, spec.duration_ms / longest_fleet_ms);
  const auto faster = [speed](std::uint32_t milliseconds) {
    return static_cast<std::uint32_t>(static_cast<double>(milliseconds) / speed);
  };
  spec.duration_ms = faster(spec.duration_ms);
  spec.settle_ms = std::max(minimum_settle_ms, faster(spec.settle_ms));
  for (auto& group : spec.groups) {
    group.start_ms = faster(group.start_ms);
    group.publish.rate_per_second *= speed;  // the same messages per device over the shorter run
    group.connect_rate *= speed;
    group.churn.online_ms = faster(group.churn.online_ms);
    group.churn.offline_ms = faster(group.churn.offline_ms);
    group.reconnect.initial_ms = faster(group.reconnect.initial_ms);
    group.reconnect.maximum_ms = faster(group.reconnect.maximum_ms);
  }
  for (auto& fault : spec.faults) {
    fault.at_ms = faster(fault.at_ms);
    fault.duration_ms = faster(fault.duration_ms);
    fault.parameters.period_ms = faster(fault.parameters.period_ms);
  }
}

std::vector<std::filesystem::path> shipped_fleet_scenarios() {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(MQTT_SOURCE_DIR "/scenarios/fleet")) {
    // Every shipped fleet, the 5.0 ones included (shared-ingest-v5: delayed wills under four-times-faster flapping).
    if (entry.path().extension() != ".json") continue;
    paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

simulator::FleetSpec guard_fleet(const std::filesystem::path& path) {
  simulator::FleetSpec spec = load_fleet_scenario(path.string());
  double devices = 0;
  for (const auto& group : spec.groups) {
    if (!group.observer) devices += group.count;
  }
  if (devices > fleet_devices) simulator::scale_fleet(spec, fleet_devices / devices);
  play_faster(spec);
  return spec;
}

// One run of the guard: the suite and every fleet, each against its own broker with the same variations (a
// broker per run, so no run sees another's retained messages or sessions).
struct GuardRun {
  results::Results suite;
  results::Results suite5;  // the MQTT 5.0 suite, on a broker of its own
  std::vector<FleetOutcome> fleets;
  std::vector<std::string> fleet_names;
};

GuardRun run_guard(const broker::BrokerOptions& broker_options) {
  GuardRun run;
  const auto scenarios = shipped_fleet_scenarios();
  std::vector<std::future<FleetOutcome>> fleets;
  for (std::size_t index = 0; index < scenarios.size(); ++index) {
    run.fleet_names.push_back(scenarios[index].stem().string());
    fleets.push_back(std::async(std::launch::async, [&broker_options, path = scenarios[index], index] {
      broker::EmbeddedBroker target(broker_options);
      FleetRunOptions options;
      options.target.host = "127.0.0.1";
      options.target.port = target.port();
      options.seed = guard_seed + index + 1;
      return run_fleet_scenario(guard_fleet(path), options);
    }));
  }
  {
    broker::EmbeddedBroker target(broker_options);
    ConformanceOptions options;
    options.target = "mqtt://127.0.0.1:" + std::to_string(target.port());
    options.seed = guard_seed;
    options.jobs = 8;
    options.keep_history = true;  // to print the whole story of an accused connection
    run.suite = run_conformance(options);
  }
  {
    broker::EmbeddedBroker target(broker_options);
    ConformanceOptions options;
    options.target = "mqtt://127.0.0.1:" + std::to_string(target.port());
    options.seed = guard_seed;
    options.jobs = 8;
    options.keep_history = true;
    options.mqtt_version = "5.0";
    run.suite5 = run_conformance(options);
  }
  for (auto& fleet : fleets) run.fleets.push_back(fleet.get());
  return run;
}

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : " ") + item;
  return out.empty() ? "—" : out;
}

void print_events(const std::vector<history::Event>& events) {
  // All of them when few, otherwise the start and the end (where the checker's point usually is).
  constexpr std::size_t head = 4;
  constexpr std::size_t tail = 12;
  for (std::size_t index = 0; index < events.size(); ++index) {
    if (events.size() > head + tail && index == head) {
      std::printf("    ... %zu events ...\n", events.size() - head - tail);
      index = events.size() - tail;
    }
    const auto& event = events[index];
    std::printf("    %-12s %s\n", event.actor.c_str(), cli::event_text(event).c_str());
  }
}

// The violation and its evidence: every event of the connections in the checker's slice, taken from the
// case's whole history when there is one (the slice alone may leave out the packet that makes the behaviour
// legal, such as a PUBLISH that came before the SUBACK).
void print_violation(std::string_view label, const results::Violation& violation,
                     const std::vector<results::CaseResult>& cases) {
  std::printf("FALSE VIOLATION | %s | %s %s | %s | %s\n", std::string(label).c_str(), violation.level.c_str(),
              violation.statement.c_str(), violation.case_id.c_str(), violation.message.c_str());
  std::set<std::uint32_t> connections;
  for (const auto& event : violation.history_slice) connections.insert(event.connection);
  for (const auto& result : cases) {
    if (result.id != violation.case_id || result.history.empty()) continue;
    std::vector<history::Event> events;
    for (const auto& event : result.history) {
      if (connections.contains(event.connection)) events.push_back(event);
    }
    print_events(events);
    return;
  }
  print_events(violation.history_slice);
}

// Judges one guard run: prints its GUARD line and every violation, and fails the test on any of them.
void expect_no_violation(std::string_view label, const GuardRun& run) {
  std::size_t histories = run.suite.cases.size() + run.suite5.cases.size();
  std::size_t violations = run.suite.violations.size() + run.suite5.violations.size();
  std::set<std::string> statements;
  for (const auto& violation : run.suite.violations) statements.insert(violation.statement);
  for (const auto& violation : run.suite5.violations) statements.insert(violation.statement);
  for (const auto& fleet : run.fleets) {
    ++histories;
    violations += fleet.results.violations.size();
    for (const auto& violation : fleet.results.violations) statements.insert(violation.statement);
  }
  std::printf("GUARD | `%s` | %zu | %zu | %s |\n", std::string(label).c_str(), histories, violations,
              joined(statements).c_str());
  std::printf("suite: %d passed, %d inconclusive, %d skipped, %d failed, %d warned, %d errors (seed %llu)\n",
              run.suite.summary.passed, run.suite.summary.inconclusive, run.suite.summary.skipped,
              run.suite.summary.failed, run.suite.summary.warned, run.suite.summary.errors,
              static_cast<unsigned long long>(run.suite.seed));

  for (const auto& violation : run.suite.violations) print_violation(label, violation, run.suite.cases);
  EXPECT_TRUE(run.suite.violations.empty()) << label << ": the checker accused a legal behaviour (lines above)";
  EXPECT_EQ(run.suite.summary.errors, 0) << label;
  // Not vacuous: most of the suite must still have exercised the broker and passed.
  EXPECT_GT(run.suite.summary.passed, 100) << label;
  std::printf("suite 5.0: %d passed, %d inconclusive, %d skipped, %d failed, %d warned, %d errors\n",
              run.suite5.summary.passed, run.suite5.summary.inconclusive, run.suite5.summary.skipped,
              run.suite5.summary.failed, run.suite5.summary.warned, run.suite5.summary.errors);
  for (const auto& violation : run.suite5.violations) print_violation(label, violation, run.suite5.cases);
  EXPECT_TRUE(run.suite5.violations.empty()) << label << ": the checker accused a legal 5.0 behaviour (lines above)";
  EXPECT_EQ(run.suite5.summary.errors, 0) << label;
  EXPECT_GT(run.suite5.summary.passed, 90) << label;

  for (std::size_t index = 0; index < run.fleets.size(); ++index) {
    const auto& fleet = run.fleets[index];
    const auto& name = run.fleet_names[index];
    ASSERT_TRUE(fleet.unreachable.empty()) << name << ": " << fleet.unreachable;
    const auto& stats = fleet.results.stats;
    std::printf("fleet %s: %s devices, %s published, %s delivered, %zu violations (seed %llu)\n", name.c_str(),
                stats["fleet"].value("devices", nlohmann::json(0)).dump().c_str(),
                stats["messages"].value("published", nlohmann::json(0)).dump().c_str(),
                stats["messages"].value("delivered", nlohmann::json(0)).dump().c_str(),
                fleet.results.violations.size(), static_cast<unsigned long long>(fleet.results.seed));
    for (const auto& violation : fleet.results.violations) print_violation(label, violation, fleet.results.cases);
    EXPECT_TRUE(fleet.results.violations.empty()) << label << ", fleet " << name << ": the checker accused a legal "
                                                  << "behaviour (lines above)";
    // The retained-status statistic's side of the guard: no legal behaviour looks like a wrong retained value.
    if (const auto retained = stats.value("retained", nlohmann::json::object()); !retained.empty()) {
      std::printf("fleet %s: retained %s\n", name.c_str(), retained.dump().c_str());
      for (const char* kind : {"stale", "unexpected", "missing", "delivered_when_cleared"}) {
        EXPECT_EQ(retained.value(kind, 0), 0) << label << ", fleet " << name << ": retained status " << kind;
      }
    }
  }
  std::fflush(stdout);
}

class LegalVariation : public ::testing::TestWithParam<std::string_view> {};

// "default": the broker as shipped; "all-compatible": every variation that combines with the others.
constexpr std::string_view default_broker = "default";
constexpr std::string_view all_compatible = "all-compatible";

TEST_P(LegalVariation, SuiteAndFleetsReportNoViolation) {
  broker::BrokerOptions broker_options;
  if (GetParam() == all_compatible) {
    broker_options.variations = broker::all_compatible_variations();
  } else if (GetParam() != default_broker) {
    const auto variation = broker::parse_variation(GetParam());
    ASSERT_TRUE(variation.has_value()) << GetParam();
    broker_options.variations.insert(*variation);
  }
  std::printf("seed %llu\n", static_cast<unsigned long long>(guard_seed));
  expect_no_violation(GetParam(), run_guard(broker_options));
}

std::vector<std::string_view> guard_runs() {
  // Every variation of both versions: each run judges the 3.1.1 suite, the 5.0 suite and the shipped fleets.
  std::vector<std::string_view> runs{default_broker};
  for (const auto& info : broker::variation_catalog()) runs.push_back(info.name);
  runs.push_back(all_compatible);
  return runs;
}

INSTANTIATE_TEST_SUITE_P(, LegalVariation, ::testing::ValuesIn(guard_runs()),
                         [](const ::testing::TestParamInfo<std::string_view>& info) {
                           std::string name;
                           for (char c : info.param) name += c == '-' ? '_' : c;
                           return name;
                         });

}  // namespace
}  // namespace mqtt::runner
