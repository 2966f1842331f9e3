// Violations carry the events that prove them (CheckOptions::evidence_events), found without the whole history:
// after a long fleet history the slice of a late violation holds its cited events and the CONNECTs of their
// connections from the history's start, each slice and all of them together stay bounded, and so does the store.
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "fleet_traffic.hpp"
#include "history_builder.hpp"
#include "model/checker.hpp"
#include "codec/encoder.hpp"
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

// A recent client PUBLISH is kept once, as its compact copy, and the ring of recent events refers to it: when the
// copy goes (its message was not tracked, or was forgotten), the ring must still hand out the event exactly as
// it was noted, and a PUBLISH the copy cannot rebuild exactly (looked_ns) keeps its own copy in the ring.
TEST(EvidenceSlices, ARecentPublishOutlivesItsCompactCopy) {
  detail::EvidenceStore store;
  std::vector<history::Event> noted;
  for (std::uint64_t sequence = 1; sequence <= 6; ++sequence) {
    history::Event event;
    event.sequence = sequence;
    event.time_ns = static_cast<std::int64_t>(sequence) * 1000;
    event.connection = 1;
    event.actor = "d" + std::to_string(sequence);
    event.kind = history::EventKind::sent;
    event.packet = Packet{HistoryBuilder::publish("t/" + std::to_string(sequence), "mh1 p" + std::to_string(sequence),
                                                  QoS::at_most_once)};
    event.raw = encode(*event.packet);
    if (sequence == 4) event.looked_ns = 3500;
    store.note(event);
    noted.push_back(event);
  }
  EXPECT_EQ(store.slice({2}), std::vector<history::Event>{noted[1]});  // from its compact copy
  store.keep_new_publications({1, 3});  // 2, 4, 5 and 6 made no tracked message: their copies go
  store.forget_publication(3);
  EXPECT_EQ(store.size(), 6u + 1u);  // the six recent events, and the copy of 1
  for (const std::uint64_t sequence : {2u, 3u, 4u, 5u, 6u}) {
    EXPECT_EQ(store.slice({sequence}), std::vector<history::Event>{noted[sequence - 1]}) << sequence;
  }
  // Pushed out of the ring by later events, a publication whose copy went can no longer be cited.
  for (std::uint64_t sequence = 7; sequence < 7 + detail::EvidenceStore::recent_events; ++sequence) {
    history::Event event;
    event.sequence = sequence;
    event.kind = history::EventKind::note;
    store.note(event);
  }
  EXPECT_TRUE(store.slice({2}).empty());
  EXPECT_EQ(store.slice({1}), std::vector<history::Event>{noted[0]});
}

}  // namespace
}  // namespace mqtt::model
