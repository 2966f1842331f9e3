// What the broker still owes the fleet's observers (simulator/owed_deliveries.hpp): the counts, and every case
// where counting could hide a missing delivery behind an extra one, which falls back to the quiet rule.
#include "simulator/owed_deliveries.hpp"

#include <gtest/gtest.h>

namespace mqtt::simulator {
namespace {

GroupSpec observer_group(std::vector<Subscription> subscriptions) {
  GroupSpec group;
  group.name = "backend";
  group.observer = true;
  group.subscriptions = std::move(subscriptions);
  return group;
}

const std::vector<Subscription> telemetry_qos1 = {{"dtu/+/telemetry", QoS::at_least_once}};

struct Fixture {
  FleetSpec spec;
  GroupSpec group;
  std::unique_ptr<OwedDeliveries> owed;
  explicit Fixture(GroupSpec observer = observer_group(telemetry_qos1), std::uint32_t shards = 1)
      : group(std::move(observer)) {
    spec.groups = {group};
    owed = std::make_unique<OwedDeliveries>(spec, shards);
    owed->add_subscriber(DeviceIdentity{0, 1, "backend-1"}, group);
  }
};

Publish header(QoS qos, bool dup = false, bool retain = false) {
  Publish publish;
  publish.qos = qos;
  publish.dup = dup;
  publish.retain = retain;
  return publish;
}

void accept(OwedDeliveries& owed, const std::string& topic, QoS qos) {
  owed.sent(qos);
  owed.accepted("dtu-cell-1", topic, qos);
}

// Each case where a count could be wrong falls back to the quiet rule for the rest of the run, and says why.
void expect_fallback(OwedDeliveries& owed, const std::string& why) {
  EXPECT_FALSE(owed.owed());
  const auto json = owed.to_json();
  EXPECT_EQ(json["counting"], "quiet-rule");
  EXPECT_NE(json.value("fallback", "").find(why), std::string::npos) << json.dump();
}

TEST(OwedDeliveries, AnAcceptedQos1MessageIsOwedUntilItArrives) {
  Fixture fleet;
  fleet.owed->subscribed(0, false);
  accept(*fleet.owed, "dtu/a/telemetry", QoS::at_least_once);
  accept(*fleet.owed, "dtu/b/telemetry", QoS::exactly_once);
  EXPECT_EQ(fleet.owed->owed(), 2u);
  fleet.owed->received(0, header(QoS::at_least_once));
  EXPECT_EQ(fleet.owed->owed(), 1u);
  fleet.owed->received(0, header(QoS::exactly_once));
  EXPECT_EQ(fleet.owed->owed(), 0u);
  EXPECT_EQ(fleet.owed->to_json()["counting"], "exact");
}

TEST(OwedDeliveries, AMessageAwaitingItsAcknowledgementMayBeOwed) {
  Fixture fleet;
  fleet.owed->subscribed(0, false);
  fleet.owed->sent(QoS::at_least_once);
  EXPECT_EQ(fleet.owed->owed(), 1u);
  fleet.owed->not_sent(QoS::at_least_once);  // withheld by the session: nothing owed
  EXPECT_EQ(fleet.owed->owed(), 0u);
}

TEST(OwedDeliveries, Qos0IsNeverOwedNorWhatASubscriptionGrantsAtQos0NorWhatMatchesNoFilter) {
  Fixture fleet(observer_group({{"dtu/+/telemetry", QoS::at_most_once}, {"dtu/+/status", QoS::at_least_once}}));
  fleet.owed->subscribed(0, false);
  accept(*fleet.owed, "dtu/a/telemetry", QoS::at_least_once);
  accept(*fleet.owed, "dtu/a/status", QoS::at_most_once);
  accept(*fleet.owed, "other/a", QoS::exactly_once);
  fleet.owed->received(0, header(QoS::at_most_once));
  EXPECT_EQ(fleet.owed->owed(), 0u);
}

TEST(OwedDeliveries, NothingIsOwedBeforeTheSubscription) {
  Fixture fleet;
  accept(*fleet.owed, "dtu/a/telemetry", QoS::at_least_once);
  EXPECT_EQ(fleet.owed->owed(), 0u);
}

TEST(OwedDeliveries, DuplicatesAndRetainedCopiesAreNotFirstDeliveries) {
  Fixture fleet;
  fleet.owed->subscribed(0, false);
  accept(*fleet.owed, "dtu/a/telemetry", QoS::at_least_once);
  fleet.owed->received(0, header(QoS::at_least_once, true));
  fleet.owed->received(0, header(QoS::at_least_once, false, true));
  EXPECT_EQ(fleet.owed->owed(), 1u) << "either may repeat, or stand for, something else";
  EXPECT_EQ(fleet.owed->to_json()["duplicates_not_counted"], 1);
  EXPECT_EQ(fleet.owed->to_json()["retained_not_counted"], 1);
}

TEST(OwedDeliveries, NoLocalKeepsAnObserversOwnMessageFromIt) {
  Fixture fleet(observer_group({{"dtu/+/status", QoS::at_least_once, true}}));
  fleet.owed->subscribed(0, false);
  fleet.owed->sent(QoS::at_least_once);
  fleet.owed->accepted("backend-1", "dtu/backend-1/status", QoS::at_least_once);
  EXPECT_EQ(fleet.owed->owed(), 0u);
  accept(*fleet.owed, "dtu/a/status", QoS::at_least_once);
  EXPECT_EQ(fleet.owed->owed(), 1u);
}

TEST(OwedDeliveries, APersistentObserverIsStillOwedWhileAwayAndAfterItsSessionResumes) {
  auto group = observer_group(telemetry_qos1);
  group.clean_session = false;
  Fixture fleet(group);
  fleet.owed->subscribed(0, false);
  fleet.owed->closed(0);
  accept(*fleet.owed, "dtu/a/telemetry", QoS::at_least_once);
  fleet.owed->subscribed(0, true);
  EXPECT_EQ(fleet.owed->owed(), 1u) << "queued for it while it was away";
  fleet.owed->received(0, header(QoS::at_least_once));
  EXPECT_EQ(fleet.owed->owed(), 0u);
}

TEST(OwedDeliveries, SubscribingAgainWhileTheFleetRetainsMessagesFallsBack) {
  auto group = observer_group(telemetry_qos1);
  group.clean_session = false;
  group.status = StatusSpec{};
  Fixture fleet(group);
  fleet.owed->subscribed(0, false);
  fleet.owed->closed(0);
  fleet.owed->subscribed(0, true);
  expect_fallback(*fleet.owed, "retained copies are not counted");
}

TEST(OwedDeliveries, ClosesAfterTheDrainChangeNothing) {
  Fixture fleet;
  fleet.owed->subscribed(0, false);
  fleet.owed->freeze();
  fleet.owed->closed(0);
  EXPECT_EQ(fleet.owed->to_json()["counting"], "exact");
}

TEST(OwedDeliveries, ACleanSessionObserverThatLostItsConnectionFallsBack) {
  Fixture fleet;
  fleet.owed->subscribed(0, false);
  fleet.owed->closed(0);
  expect_fallback(*fleet.owed, "lost its clean session");
}

TEST(OwedDeliveries, APersistentSessionNotResumedOrFoundFromBeforeFallsBack) {
  auto group = observer_group(telemetry_qos1);
  group.clean_session = false;
  Fixture lost(group);
  lost.owed->subscribed(0, false);
  lost.owed->subscribed(0, false);
  expect_fallback(*lost.owed, "lost its session");
  Fixture stale(group);
  stale.owed->subscribed(0, true);
  expect_fallback(*stale.owed, "a session from before the run");
}

TEST(OwedDeliveries, OverlappingSubscriptionsFallBack) {
  Fixture fleet(observer_group({{"dtu/+/telemetry", QoS::at_least_once}, {"dtu/#", QoS::at_least_once}}));
  fleet.owed->subscribed(0, false);
  accept(*fleet.owed, "dtu/a/telemetry", QoS::at_least_once);
  expect_fallback(*fleet.owed, "overlapping subscriptions");
}

TEST(OwedDeliveries, SharedSubscriptionsSubscribingDevicesShardsAndBrokerRestartsFallBack) {
  Fixture shared(observer_group({{"$share/g/dtu/+/telemetry", QoS::at_least_once}}));
  expect_fallback(*shared.owed, "shared subscription");
  Fixture sharded(observer_group(telemetry_qos1), 2);
  expect_fallback(*sharded.owed, "sharded");
  FleetSpec spec;
  GroupSpec devices;
  devices.name = "cell";
  devices.subscriptions = telemetry_qos1;
  spec.groups = {devices};
  OwedDeliveries subscribing(spec, 1);
  expect_fallback(subscribing, "devices of group \"cell\" subscribe");
  spec.groups.clear();
  spec.faults.push_back(FaultSpec{FaultKind::broker_restart});
  OwedDeliveries restarts(spec, 1);
  expect_fallback(restarts, "broker restart");
}

TEST(OwedDeliveries, AnUnansweredMessageAnObserverWouldGetFallsBackAnOtherDoesNot) {
  Fixture fleet;
  fleet.owed->subscribed(0, false);
  fleet.owed->sent(QoS::at_least_once);
  fleet.owed->unanswered("other/topic", QoS::at_least_once);
  EXPECT_EQ(fleet.owed->owed(), 0u);
  fleet.owed->sent(QoS::at_least_once);
  fleet.owed->unanswered("dtu/a/telemetry", QoS::at_least_once);
  expect_fallback(*fleet.owed, "never acknowledged");
}

TEST(OwedDeliveries, AWillThatReachesAnObserverAtQos1FallsBack) {
  Fixture fleet;
  fleet.owed->will("dtu/a/telemetry", QoS::at_most_once);
  fleet.owed->will("dtu/a/gone", QoS::at_least_once);
  EXPECT_EQ(fleet.owed->owed(), 0u);
  fleet.owed->will("dtu/a/telemetry", QoS::at_least_once);
  expect_fallback(*fleet.owed, "wills");
}

TEST(OwedDeliveries, MoreDeliveriesThanExpectedFallBack) {
  Fixture fleet;
  fleet.owed->subscribed(0, false);
  fleet.owed->received(0, header(QoS::at_least_once));
  expect_fallback(*fleet.owed, "more QoS 1 and 2 messages than the fleet expected");
}

}  // namespace
}  // namespace mqtt::simulator
