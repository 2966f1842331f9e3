// What the broker still owes the fleet's observers (simulator/owed_deliveries.hpp): the counts, and every case
// where counting could hide a missing delivery behind an extra one, which falls back to the quiet rule.
#include "simulator/owed_deliveries.hpp"

#include <gtest/gtest.h>

#include "client/session.hpp"

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
  explicit Fixture(GroupSpec observer = observer_group(telemetry_qos1), std::uint32_t shards = 1,
                   std::vector<GroupSpec> devices = {})
      : group(std::move(observer)) {
    spec.groups = {group};
    spec.groups.insert(spec.groups.end(), devices.begin(), devices.end());
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

TEST(OwedDeliveries, MoreDeliveriesThanExpectedFallBack) {
  Fixture fleet;
  fleet.owed->subscribed(0, false);
  fleet.owed->received(0, header(QoS::at_least_once));
  expect_fallback(*fleet.owed, "more QoS 1 and 2 messages than the fleet expected");
}

// SUBACK return code 0 for a QoS 1 request is a legal grant: every delivery is then QoS 0, so nothing is owed.
// A refused filter (0x80) gets nothing at all; a QoS 2 request granted 1 is still owed at QoS 1.
TEST(OwedDeliveries, WhatTheSubackGrantsAtQos0OrRefusesIsOwedNothing) {
  const std::vector<std::uint8_t> qos0 = {0};
  Fixture granted_qos0;
  granted_qos0.owed->subscribed(0, false, qos0);
  accept(*granted_qos0.owed, "dtu/a/telemetry", QoS::at_least_once);
  accept(*granted_qos0.owed, "dtu/a/telemetry", QoS::exactly_once);
  EXPECT_EQ(granted_qos0.owed->owed(), 0u);
  const std::vector<std::uint8_t> refused = {0x80};
  Fixture refused_filter;
  refused_filter.owed->subscribed(0, false, refused);
  accept(*refused_filter.owed, "dtu/a/telemetry", QoS::at_least_once);
  EXPECT_EQ(refused_filter.owed->owed(), 0u);
  const std::vector<std::uint8_t> qos1 = {1};
  Fixture lowered(observer_group({{"dtu/+/telemetry", QoS::exactly_once}}));
  lowered.owed->subscribed(0, false, qos1);
  accept(*lowered.owed, "dtu/a/telemetry", QoS::exactly_once);
  EXPECT_EQ(lowered.owed->owed(), 1u);
  EXPECT_EQ(lowered.owed->to_json()["counting"], "exact");
}

// A refused filter is no subscription: with the other one it overlaps nothing.
TEST(OwedDeliveries, ARefusedFilterOverlapsNothing) {
  const std::vector<std::uint8_t> codes = {1, 0x80};
  Fixture fleet(observer_group({{"dtu/+/telemetry", QoS::at_least_once}, {"dtu/#", QoS::at_least_once}}));
  fleet.owed->subscribed(0, false, codes);
  accept(*fleet.owed, "dtu/a/telemetry", QoS::at_least_once);
  EXPECT_EQ(fleet.owed->owed(), 1u);
}

client::RequestResult answer(Packet reply) {
  client::RequestResult result;
  result.outcome = client::WaitOutcome::packet;
  result.reply = std::move(reply);
  return result;
}

// A 5.0 PUBACK or PUBREC with a reason code of 0x80 or more: the broker did not take the message and owes nothing
// for it. 0x10 (no matching subscribers) is a success; a PUBCOMP's 0x92 comes after the PUBREC accepted it.
TEST(OwedDeliveries, AMessageTheBrokerRefusedIsOwedNothing) {
  Fixture fleet;
  fleet.owed->subscribed(0, false);
  const std::string topic = "dtu/a/telemetry";
  fleet.owed->sent(QoS::at_least_once);
  fleet.owed->answered("dtu-cell-1", topic, QoS::at_least_once, answer(Puback{ProtocolVersion::v5, 1, 0x87, {}}));
  fleet.owed->sent(QoS::exactly_once);
  fleet.owed->answered("dtu-cell-1", topic, QoS::exactly_once, answer(Pubrec{ProtocolVersion::v5, 2, 0x97, {}}));
  EXPECT_EQ(fleet.owed->owed(), 0u) << "neither is owed, nor in flight any more";
  EXPECT_EQ(fleet.owed->to_json()["refused_not_owed"], 2);
  fleet.owed->sent(QoS::at_least_once);
  fleet.owed->answered("dtu-cell-1", topic, QoS::at_least_once, answer(Puback{ProtocolVersion::v5, 3, 0x10, {}}));
  fleet.owed->sent(QoS::exactly_once);
  fleet.owed->answered("dtu-cell-1", topic, QoS::exactly_once, answer(Pubcomp{ProtocolVersion::v5, 4, 0x92, {}}));
  EXPECT_EQ(fleet.owed->owed(), 2u);
  client::RequestResult withheld;
  withheld.withheld = "beyond the Maximum QoS";
  fleet.owed->sent(QoS::exactly_once);
  fleet.owed->answered("dtu-cell-1", topic, QoS::exactly_once, withheld);
  EXPECT_EQ(fleet.owed->owed(), 2u);
  fleet.owed->sent(QoS::at_least_once);
  fleet.owed->answered("dtu-cell-1", topic, QoS::at_least_once, client::RequestResult{});  // timed out
  expect_fallback(*fleet.owed, "never acknowledged");
}

GroupSpec retaining_devices() {
  GroupSpec devices;
  devices.name = "cell";
  devices.publish.retain = true;
  return devices;
}

GroupSpec retain_as_published_observer(std::uint8_t retain_handling = 0) {
  auto group = observer_group({{"dtu/+/telemetry", QoS::at_least_once, false, true, retain_handling}});
  group.version = ProtocolVersion::v5;
  return group;
}

// 5.0 retain-as-published: the forwarded copy of a retained message keeps RETAIN 1, and is the delivery owed.
TEST(OwedDeliveries, UnderRetainAsPublishedAForwardedRetainedCopyIsTheDelivery) {
  Fixture fleet(retain_as_published_observer(), 1, {retaining_devices()});
  fleet.owed->subscribed(0, false);
  accept(*fleet.owed, "dtu/a/telemetry", QoS::at_least_once);
  EXPECT_EQ(fleet.owed->owed(), 1u);
  fleet.owed->received(0, header(QoS::at_least_once, false, true));
  EXPECT_EQ(fleet.owed->owed(), 0u);
  EXPECT_EQ(fleet.owed->to_json()["retained_not_counted"], 0);
  // Without the option (or under 3.1.1, which has none) a RETAIN 1 copy is a retained one, as before.
  auto plain_group = retain_as_published_observer();
  plain_group.version = ProtocolVersion::v3_1_1;
  Fixture plain(plain_group, 1, {retaining_devices()});
  plain.owed->subscribed(0, false);
  accept(*plain.owed, "dtu/a/telemetry", QoS::at_least_once);
  plain.owed->received(0, header(QoS::at_least_once, false, true));
  EXPECT_EQ(plain.owed->owed(), 1u);
}

// A retained copy before the fleet sent anything was left by an earlier run in the same namespace; its like could
// also come later and pass for a forwarded copy, so such a run is not counted.
TEST(OwedDeliveries, UnderRetainAsPublishedRetainedCopiesFromBeforeTheRunFallBack) {
  Fixture fleet(retain_as_published_observer(), 1, {retaining_devices()});
  fleet.owed->subscribed(0, false);
  fleet.owed->received(0, header(QoS::at_least_once, false, true));
  expect_fallback(*fleet.owed, "retained copies from before the run");
}

// Observers subscribe before the devices start; one whose SUBACK came later is owed the retained copies of what
// the fleet sent meanwhile, which are not counted.
TEST(OwedDeliveries, AnObserverSubscribedAfterTheFleetBeganPublishingRetainedMessagesFallsBack) {
  Fixture late(retain_as_published_observer(), 1, {retaining_devices()});
  accept(*late.owed, "dtu/a/telemetry", QoS::at_least_once);
  late.owed->subscribed(0, false);
  expect_fallback(*late.owed, "subscribed after the fleet began publishing");
  Fixture never_retained(retain_as_published_observer(2), 1, {retaining_devices()});  // Retain Handling 2
  accept(*never_retained.owed, "dtu/a/telemetry", QoS::at_least_once);
  never_retained.owed->subscribed(0, false);
  EXPECT_EQ(never_retained.owed->to_json()["counting"], "exact");
}

// 5.0 Retain Handling 1 sends retained copies only for a new subscription: a resumed session's is not new.
TEST(OwedDeliveries, SubscribingAgainUnderRetainHandling1ToAResumedSessionIsStillCounted) {
  auto group = retain_as_published_observer(1);
  group.session_expiry = 3600;
  Fixture fleet(group, 1, {retaining_devices()});
  fleet.owed->subscribed(0, false);
  fleet.owed->closed(0);
  accept(*fleet.owed, "dtu/a/telemetry", QoS::at_least_once);
  fleet.owed->subscribed(0, true);
  EXPECT_EQ(fleet.owed->owed(), 1u);
  EXPECT_EQ(fleet.owed->to_json()["counting"], "exact");
}

// What the run's warning names when the drain runs to its limit: who is still owed what, and what awaits its
// acknowledgement.
TEST(OwedDeliveries, ItSaysWhoIsStillOwedWhat) {
  Fixture fleet;
  fleet.owed->add_subscriber(DeviceIdentity{0, 2, "backend-2"}, fleet.group);
  fleet.owed->subscribed(0, false);
  fleet.owed->subscribed(1, false);
  accept(*fleet.owed, "dtu/a/telemetry", QoS::at_least_once);
  accept(*fleet.owed, "dtu/b/telemetry", QoS::at_least_once);
  fleet.owed->received(1, header(QoS::at_least_once));
  fleet.owed->sent(QoS::at_least_once);
  EXPECT_EQ(fleet.owed->owed(), 4u);
  fleet.owed->freeze();
  const auto json = fleet.owed->to_json();
  EXPECT_EQ(json["owed_to"], nlohmann::json({{"backend-1", 2}, {"backend-2", 1}}));
  EXPECT_EQ(json["awaiting_acknowledgement"], 1);
}

}  // namespace
}  // namespace mqtt::simulator
