// Violations carry the events that prove them (CheckOptions::evidence_events), found without the whole history:
// after a long fleet history the slice of a late violation holds its cited events and the CONNECTs of their
// connections from the history's start, each slice and all of them together stay bounded, and so does the store.
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <set>

#include "fleet_traffic.hpp"
#include "history_builder.hpp"
#include "model/checker.hpp"
#include "model/evidence_store.hpp"

namespace mqtt::model {
namespace {

using testing::HistoryBuilder;

struct LongRun {
  Checker checker;
  std::uint64_t last_sequence = 0;
  std::int64_t last_time = 0;
  std::size_t peak_evidence_events = 0;

  explicit LongRun(std::uint64_t publishes) : checker(options()) {
    testing::FleetTrafficOptions traffic;
    traffic.publishes = publishes;
    traffic.subscriber_flap_per_mille = 0;  // the collector keeps connection 201 for the whole history
    testing::FleetTraffic(20261206, traffic, [&](const history::Event& event) {
      checker.observe(event);
      last_sequence = event.sequence;
      last_time = event.time_ns;
      if (event.sequence % 10'000 == 0) {
        peak_evidence_events = std::max(peak_evidence_events, checker.state_size().evidence_events);
      }
    }).run();
  }

  static CheckOptions options() {
    CheckOptions options;
    options.evidence_events = true;
    return options;
  }

  // Device d0 (connection 1) publishes a QoS 1 message on a topic nobody subscribed to, and the broker delivers
  // it to the collector (connection 201) anyway [MQTT-3.3.2-3]; returns the two events' sequence numbers.
  std::pair<std::uint64_t, std::uint64_t> stray_delivery(int index) {
    const auto token = "mh1 stray-" + std::to_string(index);
    const auto publish = add(1, history::EventKind::sent,
                             HistoryBuilder::publish("elsewhere/" + std::to_string(index), token,
                                                     QoS::at_least_once, 60000));
    add(1, history::EventKind::received, HistoryBuilder::ack<Puback>(60000));
    const auto delivery = add(201, history::EventKind::received,
                              HistoryBuilder::publish("elsewhere/" + std::to_string(index), token,
                                                      QoS::at_least_once, 60001));
    add(201, history::EventKind::sent, HistoryBuilder::ack<Puback>(60001));
    return {publish, delivery};
  }

  std::uint64_t add(std::uint32_t connection, history::EventKind kind, Packet packet) {
    history::Event event;
    event.sequence = ++last_sequence;
    last_time += 1'000'000;
    event.time_ns = last_time;
    event.connection = connection;
    event.kind = kind;
    event.packet = std::move(packet);
    checker.observe(event);
    return event.sequence;
  }
};

TEST(EvidenceSlices, ALateViolationCarriesItsEventsAndTheConnectsFromTheStart) {
  LongRun run(200'000);
  const auto [publish, delivery] = run.stray_delivery(0);
  const auto verdicts = run.checker.finish(run.last_time);
  ASSERT_EQ(verdicts.violations.size(), 1u);
  const auto& finding = verdicts.violations.front();
  EXPECT_EQ(finding.statement, "MQTT-3.3.2-3");
  std::set<std::uint64_t> sliced;
  std::set<std::uint32_t> connects;
  for (const auto& event : finding.evidence_events) {
    sliced.insert(event.sequence);
    if (event.packet && std::holds_alternative<Connect>(*event.packet)) connects.insert(event.connection);
  }
  EXPECT_TRUE(sliced.contains(publish));
  EXPECT_TRUE(sliced.contains(delivery));
  EXPECT_EQ(connects, (std::set<std::uint32_t>{1, 201}));  // from the first events of the history
  EXPECT_LE(finding.evidence_events.size(), detail::EvidenceStore::per_violation);
}

TEST(EvidenceSlices, TheStoreDoesNotGrowWithTheHistory) {
  const LongRun shorter(50'000);
  const LongRun longer(250'000);
  std::cout << "peak evidence events kept: " << shorter.peak_evidence_events << " / " << longer.peak_evidence_events
            << "\n";
  EXPECT_GT(shorter.peak_evidence_events, 0u);
  EXPECT_LE(longer.peak_evidence_events, shorter.peak_evidence_events + shorter.peak_evidence_events / 4 + 1000);
}

TEST(EvidenceSlices, AllSlicesTogetherStayUnderTheOverallCap) {
  LongRun run(20'000);
  for (int index = 0; index < 1500; ++index) run.stray_delivery(index);
  const auto verdicts = run.checker.finish(run.last_time);
  ASSERT_EQ(verdicts.violations.size(), 1500u);
  std::size_t total = 0;
  for (const auto& finding : verdicts.violations) {
    EXPECT_LE(finding.evidence_events.size(), detail::EvidenceStore::per_violation);
    EXPECT_EQ(finding.evidence.size(), 2u);  // sequence numbers stay, slice or not
    total += finding.evidence_events.size();
  }
  EXPECT_EQ(total, detail::EvidenceStore::overall);  // 1500 x 4 events would be more
  EXPECT_TRUE(verdicts.violations.back().evidence_events.empty());
}

}  // namespace
}  // namespace mqtt::model
