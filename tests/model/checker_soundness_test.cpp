// The checker never accuses legal behaviour: thousands of histories of a conformant simulated broker
// (simulated_broker.hpp), with varied clients, grants, withheld acknowledgements, wills, persistent sessions,
// retained messages, overlapping subscriptions, identical messages without a token, and the choices the
// specification leaves to a broker, must all be judged without a single violation.
//
// A failure names the seed and its options; MQTT_HARNESS_SHOW_SEED=N prints that history (JSON Lines) and its
// verdicts. If the flagged behaviour is the simulator's own non-conformance, fix the simulator, not the
// checker.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "history/json.hpp"
#include "model/checker.hpp"
#include "simulated_broker.hpp"
#include "verdict_transcript.hpp"

namespace mqtt::model {
namespace {

using testing::ConformantSimulation;
using testing::SimulationOptions;

// About 4 s in Release on one core; every option below is drawn often enough to meet the others.
constexpr std::uint64_t first_seed = 1;
constexpr std::uint64_t seed_count = 4000;

// The options of one history follow from its seed, drawn from a generator of their own so the simulation's
// draws stay those of ConformantSimulation(seed, ...).
SimulationOptions options_for(std::uint64_t seed) {
  std::mt19937_64 random(seed ^ 0x5DEECE66DULL);
  const auto draw = [&](std::uint64_t bound) { return static_cast<int>(random() % bound); };
  SimulationOptions options;
  options.clients = 2 + draw(9);
  options.steps = 30 + draw(271);
  options.withhold_acknowledgements = draw(100) < 80;
  options.maximum_qos = draw(3);
  const int plain_payloads[] = {0, 20, 60};
  options.plain_payload_percent = plain_payloads[draw(3)];
  options.copy_per_subscription = draw(100) < 30;
  options.queue_qos0_offline = draw(100) < 30;
  options.acknowledge_before_forwarding = draw(100) < 30;
  return options;
}

// Built with a stream: GCC 12 warns falsely (-Wrestrict) on long chains of std::string concatenation.
std::string describe(const SimulationOptions& options) {
  std::ostringstream text;
  text << "clients " << options.clients << ", steps " << options.steps << ", withhold acknowledgements "
       << options.withhold_acknowledgements << ", maximum QoS " << options.maximum_qos << ", plain payloads "
       << options.plain_payload_percent << "%, copy per subscription " << options.copy_per_subscription
       << ", queue QoS 0 offline " << options.queue_qos0_offline << ", acknowledge before forwarding "
       << options.acknowledge_before_forwarding;
  return text.str();
}

Verdicts judge(const testing::SimulatedHistory& simulated) {
  Checker checker;
  for (const auto& event : simulated.history.events) checker.observe(event);
  return checker.finish(simulated.end_time);
}

void show_requested_seed() {
  const char* requested = std::getenv("MQTT_HARNESS_SHOW_SEED");
  if (requested == nullptr) return;
  const auto seed = std::strtoull(requested, nullptr, 10);
  const auto options = options_for(seed);
  const auto simulated = ConformantSimulation(seed, options).run();
  std::cout << "seed " << seed << ": " << describe(options) << "\n";
  history::write_json_lines(std::cout, simulated.history);
  std::cout << testing::verdict_transcript(judge(simulated));
}

TEST(CheckerSoundness, ConformantSimulationsYieldNoViolation) {
  show_requested_seed();
  std::size_t accused = 0;
  std::size_t deliveries = 0;
  std::map<std::string, std::size_t> by_statement;
  for (auto seed = first_seed; seed < first_seed + seed_count; ++seed) {
    const auto options = options_for(seed);
    const auto simulated = ConformantSimulation(seed, options).run();
    deliveries += simulated.deliveries.size();
    const auto verdicts = judge(simulated);
    if (verdicts.violations.empty()) continue;
    for (const auto& finding : verdicts.violations) by_statement[finding.statement]++;
    if (accused++ < 3) {
      ADD_FAILURE() << "seed " << seed << " (" << describe(options) << "): a conformant history was accused\n"
                    << testing::verdict_transcript(verdicts) << "MQTT_HARNESS_SHOW_SEED=" << seed
                    << " prints the history";
    }
  }
  std::string statements;
  for (const auto& [statement, count] : by_statement)
    statements += " " + statement + "*" + std::to_string(count);
  std::cout << seed_count << " conformant histories (seeds " << first_seed << ".."
            << first_seed + seed_count - 1 << "), " << deliveries << " deliveries, " << accused << " accused"
            << statements << "\n";
  EXPECT_EQ(accused, 0u);
  // Not vacuous: the histories deliver plenty.
  EXPECT_GT(deliveries, seed_count * 20);
}

// Each legal choice of the simulator is drawn often enough to be meaningful.
TEST(CheckerSoundness, OptionsCoverEveryChoice) {
  std::map<std::string, std::size_t> counts;
  for (auto seed = first_seed; seed < first_seed + seed_count; ++seed) {
    const auto options = options_for(seed);
    counts["maximum QoS " + std::to_string(options.maximum_qos)]++;
    if (options.clients >= 8) counts["8 or more clients"]++;
    if (options.plain_payload_percent > 0) counts["plain payloads"]++;
    if (options.copy_per_subscription) counts["copy per subscription"]++;
    if (options.queue_qos0_offline) counts["queue QoS 0 offline"]++;
    if (options.acknowledge_before_forwarding) counts["acknowledge before forwarding"]++;
    if (!options.withhold_acknowledgements) counts["never withhold"]++;
  }
  ASSERT_EQ(counts.size(), 9u);
  for (const auto& [choice, count] : counts) EXPECT_GE(count * 10, seed_count) << choice;
}

}  // namespace
}  // namespace mqtt::model
