// The checker forgets what is settled (harness/model/forgetting.hpp): a long fleet history is judged in state
// that does not grow with the number of messages, and forgetting changes no verdict.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "checker_expectations.hpp"
#include "fleet_traffic.hpp"
#include "history_builder.hpp"
#include "history_mutations.hpp"
#include "model/checker.hpp"
#include "simulated_broker.hpp"
#include "verdict_transcript.hpp"

namespace mqtt::model {
namespace {

using testing::FleetTraffic;
using testing::FleetTrafficOptions;

// The largest of each count over a run, sampled every `every` events.
struct Peak {
  StateSize size;
  std::size_t violations = 0;
  std::size_t unresolved = 0;

  void take(const StateSize& now) {
    size.messages = std::max(size.messages, now.messages);
    size.message_keys = std::max(size.message_keys, now.message_keys);
    size.obligations = std::max(size.obligations, now.obligations);
    size.copy_ledgers = std::max(size.copy_ledgers, now.copy_ledgers);
    size.arrival_marks = std::max(size.arrival_marks, now.arrival_marks);
    size.order_marks = std::max(size.order_marks, now.order_marks);
    size.connections = std::max(size.connections, now.connections);
    size.sessions = std::max(size.sessions, now.sessions);
    size.subscription_records = std::max(size.subscription_records, now.subscription_records);
    size.retained_topics = std::max(size.retained_topics, now.retained_topics);
    size.retained_versions = std::max(size.retained_versions, now.retained_versions);
    size.forgotten_connection_intervals =
        std::max(size.forgotten_connection_intervals, now.forgotten_connection_intervals);
    size.evidence_events = std::max(size.evidence_events, now.evidence_events);
  }
};

Peak judge_fleet(std::uint64_t seed, std::uint64_t publishes, CheckOptions options = {},
                 FleetTrafficOptions traffic = {}) {
  Checker checker(options);
  Peak peak;
  std::uint64_t events = 0;
  traffic.publishes = publishes;
  const auto end = FleetTraffic(seed, traffic, [&](const history::Event& event) {
                     checker.observe(event);
                     if (++events % 10'000 == 0) peak.take(checker.state_size());
                   }).run();
  peak.take(checker.state_size());
  const auto verdicts = checker.finish(end);
  peak.violations = verdicts.violations.size();
  peak.unresolved = verdicts.unresolved.size();
  for (std::size_t index = 0; index < verdicts.violations.size() && index < 3; ++index) {
    std::cout << "violation " << verdicts.violations[index].statement << ": " << verdicts.violations[index].message
              << "\n";
  }
  return peak;
}

// 200 devices at 1,000 publishes per second of history time, QoS 0, 1 and 2, two subscribers acknowledging every
// copy, devices and subscribers reconnecting: five times the messages, the same state.
TEST(Forgetting, ALongFleetHistoryIsJudgedInStateThatDoesNotGrowWithItsMessages) {
  const std::uint64_t seed = 20261206;
  std::cout << "seed " << seed << "\n";
  const auto shorter = judge_fleet(seed, 100'000);
  const auto longer = judge_fleet(seed, 500'000);
  EXPECT_EQ(shorter.violations, 0u);
  EXPECT_EQ(longer.violations, 0u);
  EXPECT_EQ(longer.unresolved, 0u);
  std::cout << "peak messages " << shorter.size.messages << " / " << longer.size.messages << ", obligations "
            << shorter.size.obligations << " / " << longer.size.obligations << ", copy ledgers "
            << shorter.size.copy_ledgers << " / " << longer.size.copy_ledgers << ", arrival marks "
            << shorter.size.arrival_marks << " / " << longer.size.arrival_marks << ", order marks "
            << shorter.size.order_marks << " / " << longer.size.order_marks << ", connections "
            << shorter.size.connections << " / " << longer.size.connections << "\n";
  // The default 10 s of history time settled messages stay is 10,000 publishes here; sweeps come every
  // "state size" events, so at most about twice that is held.
  constexpr std::size_t bound = 40'000;
  for (const auto& [name, shorter_count, longer_count] :
       {std::tuple{"messages", shorter.size.messages, longer.size.messages},
        std::tuple{"message keys", shorter.size.message_keys, longer.size.message_keys},
        std::tuple{"obligations", shorter.size.obligations, longer.size.obligations},
        std::tuple{"copy ledgers", shorter.size.copy_ledgers, longer.size.copy_ledgers},
        std::tuple{"arrival marks", shorter.size.arrival_marks, longer.size.arrival_marks}}) {
    EXPECT_LE(longer_count, 2 * bound) << name;
    EXPECT_LE(longer_count, shorter_count + shorter_count / 4 + 1000) << name << " grew with the history";
  }
  // Ordering keeps one mark per (receiving connection, publisher connection, topic, QoS) while both may still
  // see a copy; a subscriber's reconnect leaves its old marks until the next sweep.
  EXPECT_LE(longer.size.order_marks, 2 * shorter.size.order_marks + 100);
  EXPECT_LE(longer.size.order_marks, bound);
}

// Flapping devices (FleetTrafficOptions::churn): 500 clean-session devices, each connection with a retained will,
// a retained status and a command subscription, half of the reconnects without DISCONNECT (the will fires).
// 200 reconnects per device in the longer run (100,000 connections): connections, sessions, subscription records
// and retained versions stay O(devices + what the forgetting window holds), the same for 40 and 200 reconnects.
TEST(Forgetting, ChurnOfReconnectingDevicesIsJudgedInStateThatDoesNotGrowWithTheReconnects) {
  const std::uint64_t seed = 20261207;
  std::cout << "seed " << seed << "\n";
  FleetTrafficOptions churn;
  churn.churn = true;
  churn.devices = 500;
  churn.reconnect_per_mille = 500;
  churn.publish_interval_ns = 10'000'000;  // 100 msg/s: a device flaps every 10 s of history time
  const auto shorter = judge_fleet(seed, 40'000, {}, churn);
  const auto longer = judge_fleet(seed, 200'000, {}, churn);
  EXPECT_EQ(shorter.violations, 0u);
  EXPECT_EQ(longer.violations, 0u);
  EXPECT_EQ(longer.unresolved, 0u);
  std::cout << "peak connections " << shorter.size.connections << " / " << longer.size.connections
            << ", sessions " << shorter.size.sessions << " / " << longer.size.sessions << ", subscription records "
            << shorter.size.subscription_records << " / " << longer.size.subscription_records
            << ", retained versions " << shorter.size.retained_versions << " / " << longer.size.retained_versions
            << " on " << longer.size.retained_topics << " topics, messages " << shorter.size.messages << " / "
            << longer.size.messages << ", forgotten-id intervals " << longer.size.forgotten_connection_intervals
            << "\n";
  const std::size_t devices = 500;
  // 100,000 connections were opened in the longer run; what stays is a few per device: the open one and those
  // closed within the window (10 s, one flap) plus two sweep periods.
  EXPECT_LE(longer.size.connections, 8 * devices);
  EXPECT_LE(longer.size.sessions, devices + 2);
  // A command subscription per connection: ended clean-session records wait until no tracked message is older,
  // so they stay a little longer than their connections.
  EXPECT_LE(longer.size.subscription_records, 20 * devices);
  EXPECT_LE(longer.size.retained_topics, devices);
  EXPECT_LE(longer.size.retained_versions, 12 * devices);
  EXPECT_LE(longer.size.forgotten_connection_intervals, 4 * devices);
  for (const auto& [name, shorter_count, longer_count] :
       {std::tuple{"connections", shorter.size.connections, longer.size.connections},
        std::tuple{"subscription records", shorter.size.subscription_records, longer.size.subscription_records},
        std::tuple{"retained versions", shorter.size.retained_versions, longer.size.retained_versions},
        std::tuple{"messages", shorter.size.messages, longer.size.messages},
        std::tuple{"obligations", shorter.size.obligations, longer.size.obligations}}) {
    EXPECT_LE(longer_count, shorter_count + shorter_count / 4 + 1000) << name << " grew with the reconnects";
  }
}

// Churn verdicts are those of a checker that keeps everything: short churn histories (every device flapping,
// wills firing, retained values replaced), judged with a short forgetting window so that connections,
// records, wills and retained versions are forgotten many times over.
TEST(Forgetting, ChurnVerdictsAreThoseOfACheckerThatKeepsEverything) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::cout << "churn seed " << seed << "\n";
    FleetTrafficOptions churn;
    churn.churn = true;
    churn.devices = 20 + static_cast<int>(seed);
    churn.reconnect_per_mille = 300;
    churn.publishes = 3'000;
    history::History history;
    const auto end = FleetTraffic(seed, churn, [&](const history::Event& event) { history.events.push_back(event); })
                         .run();
    (void)end;
    CheckOptions forgetting;
    forgetting.forget_after_ns = 200'000'000;  // 0.2 s of history time: 200 publishes
    auto keeping = forgetting;
    keeping.forget_settled = false;
    const auto kept = testing::verdict_transcript(check(history, keeping));
    const auto forgot = testing::verdict_transcript(check(history, forgetting));
    EXPECT_EQ(forgot, kept) << "churn history, seed " << seed;
  }
}

// QoS 0 fan-in: devices that only ever publish at QoS 0 send no request whose answer would confirm their
// publications, yet a message whose copy reached every subscriber owed one (or that no online subscriber was owed)
// settles like any other: five times the messages, the same state (issue 16's fanin-1000-qos0 run).
TEST(Forgetting, AQos0FanInIsJudgedInStateThatDoesNotGrowWithItsMessages) {
  const std::uint64_t seed = 20261208;
  std::cout << "seed " << seed << "\n";
  FleetTrafficOptions fan_in;
  fan_in.qos0_only = true;
  fan_in.devices = 1000;
  fan_in.reconnect_per_mille = 0;
  fan_in.publish_interval_ns = 100'000;  // 10,000 msg/s
  CheckOptions with_evidence;
  with_evidence.evidence_events = true;  // the copies a streamed fleet run keeps (runner/fleet_judge)
  with_evidence.forget_after_ns = 1'000'000'000;  // 1 s: the window holds 10,000 publishes
  const auto shorter = judge_fleet(seed, 100'000, with_evidence, fan_in);
  const auto longer = judge_fleet(seed, 500'000, with_evidence, fan_in);
  EXPECT_EQ(shorter.violations, 0u);
  EXPECT_EQ(longer.violations, 0u);
  EXPECT_EQ(longer.unresolved, 0u);
  std::cout << "peak messages " << shorter.size.messages << " / " << longer.size.messages << ", copy ledgers "
            << shorter.size.copy_ledgers << " / " << longer.size.copy_ledgers << ", arrival marks "
            << shorter.size.arrival_marks << " / " << longer.size.arrival_marks << ", evidence events "
            << shorter.size.evidence_events << " / " << longer.size.evidence_events << "\n";
  // A message, its key, a copy ledger per subscriber (two) and its PUBLISH's evidence copy stay the window plus
  // up to two sweep periods.
  constexpr std::size_t window = 10'000;
  for (const auto& [name, shorter_count, longer_count] :
       {std::tuple{"messages", shorter.size.messages, longer.size.messages},
        std::tuple{"message keys", shorter.size.message_keys, longer.size.message_keys},
        std::tuple{"copy ledgers", shorter.size.copy_ledgers, longer.size.copy_ledgers},
        std::tuple{"arrival marks", shorter.size.arrival_marks, longer.size.arrival_marks},
        std::tuple{"evidence events", shorter.size.evidence_events, longer.size.evidence_events}}) {
    EXPECT_LE(longer_count, 8 * window) << name;
    EXPECT_LE(longer_count, shorter_count + shorter_count / 4 + 1000) << name << " grew with the history";
  }
}

// A settled QoS 1/2 message waits out the forgetting window for the copies the broker may still invent, and what it
// holds meanwhile is the message and, per subscriber (two here), a settled duty and a copy ledger: no duty text,
// no evidence list, no packet-id nodes (issue 16: a QoS 1 fan-in's memory is the window's settled messages).
// Counted in entries (StateSize::settled_message_entries), sampled every 10,000 events.
TEST(Forgetting, ASettledMessageHoldsOnlyItsDutiesAndLedgersInTheWindow) {
  const std::uint64_t seed = 20261209;
  std::cout << "seed " << seed << "\n";
  FleetTrafficOptions fan_in;
  fan_in.devices = 1000;
  fan_in.reconnect_per_mille = 0;
  fan_in.subscriber_flap_per_mille = 0;
  fan_in.publish_interval_ns = 100'000;  // 10,000 msg/s
  fan_in.publishes = 60'000;
  CheckOptions options;
  options.evidence_events = true;  // as a streamed fleet run judges
  options.forget_after_ns = 1'000'000'000;
  Checker checker(options);
  std::size_t samples = 0;
  std::size_t most_settled = 0;
  double most_entries_each = 0;
  std::uint64_t events = 0;
  const auto end = FleetTraffic(seed, fan_in, [&](const history::Event& event) {
                     checker.observe(event);
                     if (++events % 10'000 != 0) return;
                     const auto size = checker.state_size();
                     if (size.settled_messages == 0) return;
                     ++samples;
                     most_settled = std::max(most_settled, size.settled_messages);
                     most_entries_each = std::max(most_entries_each, static_cast<double>(size.settled_message_entries) /
                                                                         static_cast<double>(size.settled_messages));
                   }).run();
  const auto verdicts = checker.finish(end);
  std::cout << "samples " << samples << ", most settled messages " << most_settled << ", most entries per settled "
            << "message " << most_entries_each << "\n";
  EXPECT_TRUE(verdicts.violations.empty());
  ASSERT_GT(samples, 10u);
  ASSERT_GT(most_settled, 5'000u);  // the window held settled messages to measure
  // The message, and per subscriber a duty and a ledger: 5 (some QoS 0 publishes are owed to one or none).
  EXPECT_LE(most_entries_each, 5.0);
}

// QoS 0 fan-in verdicts are those of a checker that keeps everything, with a short window (subscribers flapping:
// copies that never came while one was offline).
TEST(Forgetting, Qos0FanInVerdictsAreThoseOfACheckerThatKeepsEverything) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    std::cout << "qos0 fan-in seed " << seed << "\n";
    FleetTrafficOptions fan_in;
    fan_in.qos0_only = true;
    fan_in.devices = 20 + static_cast<int>(seed);
    fan_in.subscriber_flap_per_mille = 20;
    fan_in.publishes = 3'000;
    history::History history;
    FleetTraffic(seed, fan_in, [&](const history::Event& event) { history.events.push_back(event); }).run();
    CheckOptions forgetting;
    forgetting.forget_after_ns = 200'000'000;
    auto keeping = forgetting;
    keeping.forget_settled = false;
    const auto kept = check(history, keeping);
    const auto forgot = check(history, forgetting);
    EXPECT_EQ(testing::verdict_transcript(forgot), testing::verdict_transcript(kept)) << "seed " << seed;
  }
}

// The same history with forgetting off holds every message: the bound above is forgetting's doing.
TEST(Forgetting, WithoutForgettingEveryMessageStays) {
  CheckOptions keep;
  keep.forget_settled = false;
  const auto kept = judge_fleet(20261206, 50'000, keep);
  EXPECT_EQ(kept.violations, 0u);
  EXPECT_GE(kept.size.messages, 50'000u);
}

std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.insert(line);
  return lines;
}

// A device's connection fails in a way the broker may never notice (no keep-alive): its will is allowed, not owed,
// and is forgotten after the window. The device reconnects with the same will; taking the old connection over, the
// broker publishes the old will then, and the copy can only be attributed to the new, identical will. When the new
// connection drops, its own will comes: two copies of "the same" will, yet each will was published once. A guard
// run of soak-dtu-hour under load accused exactly this as MQTT-3.1.2-10; a checker keeping everything does not.
TEST(Forgetting, ALateCopyOfAForgottenIdenticalWillIsNotTheNewWillPublishedAgain) {
  using testing::HistoryBuilder;
  HistoryBuilder h;
  h.connected(1, "dashboard");
  h.subscribed(1, 1, "dtu/+/status", QoS::at_least_once);
  h.connected(2, "dtu-9", true, false, testing::will_on("dtu/dtu-9/status", "offline"));
  h.fault(2, "power-loss");
  h.closed(2, history::CloseReason::local_abort);
  h.after(20 * testing::seconds);  // past the forgetting window: the first will owed nothing
  h.connected(3, "dtu-9", true, false, testing::will_on("dtu/dtu-9/status", "offline"));
  h.received(1, HistoryBuilder::publish("dtu/dtu-9/status", "offline", QoS::at_least_once, 1));  // the old will
  h.sent(1, HistoryBuilder::ack<Puback>(1));
  h.closed(3, history::CloseReason::local_abort);
  h.received(1, HistoryBuilder::publish("dtu/dtu-9/status", "offline", QoS::at_least_once, 2));  // the new one
  h.sent(1, HistoryBuilder::ack<Puback>(2));

  CheckOptions keeping;
  keeping.forget_settled = false;
  CheckOptions sweeping;
  sweeping.forget_sweep_every = 1;
  const auto kept = testing::verdict_transcript(check(h.history(), keeping));
  EXPECT_EQ(kept.find("MQTT-3.1.2-10"), std::string::npos) << kept;
  EXPECT_EQ(testing::verdict_transcript(check(h.history(), sweeping)), kept);
  EXPECT_EQ(testing::verdict_transcript(check(h.history(), CheckOptions{})), kept);
}

// Verdicts (violations with their evidence, observations, unresolved obligations, exercised statements) are
// those of a checker that keeps everything, on the differential test's mutated histories and on conformant
// simulations, with the default window and sweeps; with a sweep after every event, no accusation is added.
TEST(Forgetting, VerdictsAreThoseOfACheckerThatKeepsEverything) {
  CheckOptions keep;
  keep.forget_settled = false;
  std::size_t compared = 0;
  const auto compare = [&](const history::History& history, CheckOptions options, const std::string& name) {
    auto keeping = options;
    keeping.forget_settled = false;
    const auto expected = testing::verdict_transcript(check(history, keeping));
    auto sweeping = options;
    sweeping.forget_sweep_every = 1;
    EXPECT_EQ(testing::verdict_transcript(check(history, options)), expected) << name;
    // Sweeping after every event forgets as early as the window allows: a copy the broker invents later than the
    // window after the message settled may go unjudged (forgetting.hpp), but nothing is ever accused that a
    // checker keeping everything would not accuse.
    const auto kept_lines = lines_of(expected);
    for (const auto& line : lines_of(testing::verdict_transcript(check(history, sweeping)))) {
      if (line.starts_with("violation ")) {
        EXPECT_TRUE(kept_lines.contains(line)) << name << ": " << line;
      }
    }
    ++compared;
  };
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    const auto mutated = testing::HistoryMutator(seed).generate();
    compare(mutated.history, mutated.options, "mutated history, seed " + std::to_string(seed));
  }
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    testing::SimulationOptions options;
    options.clients = 2 + static_cast<int>(seed % 8);
    options.steps = 200;
    options.plain_payload_percent = seed % 3 == 0 ? 40 : 0;
    const auto simulated = testing::ConformantSimulation(seed, options).run();
    compare(simulated.history, {}, "simulated history, seed " + std::to_string(seed));
  }
  EXPECT_EQ(compared, 800u);
}

}  // namespace
}  // namespace mqtt::model
