// The wills and clean-session observers of the owed count (simulator/owed_deliveries.hpp,
// owed_deliveries_wills.cpp): a will is owed once the broker must publish it, to the observers subscribed then; a
// clean observer's session ends with its connection; what may come and need not leaves the end to the quiet rule.
#include <gtest/gtest.h>

#include "simulator/owed_deliveries.hpp"

namespace mqtt::simulator {
namespace {

using Clock = OwedDeliveries::Clock;
using std::chrono::seconds;

const Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1);

GroupSpec observer_group(std::vector<Subscription> subscriptions, bool clean = true) {
  GroupSpec group;
  group.name = "backend";
  group.observer = true;
  group.clean_session = clean;
  group.subscriptions = std::move(subscriptions);
  return group;
}

// An observer of the devices' wills (dtu/+/gone at QoS 1), persistent or clean.
struct Fixture {
  FleetSpec spec;
  std::unique_ptr<OwedDeliveries> owed;
  explicit Fixture(bool clean = false, std::vector<Subscription> filters = {{"dtu/+/gone", QoS::at_least_once}}) {
    spec.groups = {observer_group(std::move(filters), clean)};
    owed = std::make_unique<OwedDeliveries>(spec, 1);
    owed->add_subscriber(DeviceIdentity{0, 1, "backend-1"}, spec.groups[0]);
    owed->subscribed(0, false);
  }
};

Publish header(QoS qos, bool retain = false) {
  Publish publish;
  publish.qos = qos;
  publish.retain = retain;
  return publish;
}

// A connection of device dtu-cell-1 with a will to dtu/dtu-cell-1/gone, accepted by its CONNACK, that ended.
OwedDeliveries::WillConnection will_connection(QoS qos = QoS::at_least_once) {
  OwedDeliveries::WillConnection connection;
  connection.client_id = "dtu-cell-1";
  connection.topic = "dtu/dtu-cell-1/gone";
  connection.qos = qos;
  connection.connack_seen = true;
  connection.accepted = true;
  return connection;
}

TEST(OwedWills, AWillIsOwedOnceItsConnectionClosedWithoutDisconnect) {
  Fixture fleet;
  EXPECT_EQ(fleet.owed->owed(), 0u) << "nothing before the close";
  fleet.owed->will_closed(will_connection(), t0);
  EXPECT_EQ(fleet.owed->owed(), 1u);
  EXPECT_EQ(fleet.owed->to_json()["wills_owed"], 1);
  fleet.owed->received(0, header(QoS::at_least_once));
  EXPECT_EQ(fleet.owed->owed(), 0u);
  EXPECT_EQ(fleet.owed->to_json()["counting"], "exact");
}

TEST(OwedWills, AWillRemovedByDisconnectRefusedByItsConnackOrAtQos0IsNeverOwed) {
  Fixture fleet;
  auto disconnected = will_connection();
  disconnected.disconnect_sent = true;
  fleet.owed->will_closed(disconnected, t0);
  auto refused = will_connection();
  refused.accepted = false;
  fleet.owed->will_closed(refused, t0);
  fleet.owed->will_closed(will_connection(QoS::at_most_once), t0);
  EXPECT_EQ(fleet.owed->owed(), 0u);
  Fixture granted_qos0;
  const std::vector<std::uint8_t> qos0 = {0};
  granted_qos0.owed->subscribed(0, true, qos0);
  granted_qos0.owed->will_closed(will_connection(), t0);
  EXPECT_EQ(granted_qos0.owed->owed(), 0u) << "granted QoS 0: the copy may be lost";
  EXPECT_EQ(granted_qos0.owed->to_json()["counting"], "exact");
}

// Retained or not, a will reaches the subscribers of its moment as a forwarded copy (RETAIN 0 without
// retain-as-published), the delivery owed.
TEST(OwedWills, ARetainedWillIsOwedAsAForwardedCopy) {
  Fixture fleet;
  fleet.owed->will_closed(will_connection(), t0);
  fleet.owed->received(0, header(QoS::at_least_once, true));
  EXPECT_EQ(fleet.owed->owed(), 1u) << "a RETAIN 1 copy is a retained one, not the will's forwarded copy";
  fleet.owed->received(0, header(QoS::at_least_once));
  EXPECT_EQ(fleet.owed->owed(), 0u);
}

// A fault on the device's link, or a CONNACK that never came: the will may come and need not. While it has not
// come the count cannot tell it from an owed delivery, so that look leaves the end to the quiet rule; once it is in,
// the count is exact again.
TEST(OwedWills, AWillThatMayComeLeavesTheEndToTheQuietRuleUntilItCame) {
  Fixture fleet;
  auto unconfirmed = will_connection();
  unconfirmed.connack_seen = false;
  unconfirmed.accepted = false;
  fleet.owed->will_closed(unconfirmed, t0);
  EXPECT_FALSE(fleet.owed->owed());
  EXPECT_NE(fleet.owed->to_json().value("uncertain", "").find("need not come"), std::string::npos);
  EXPECT_EQ(fleet.owed->to_json()["counting"], "exact");
  fleet.owed->received(0, header(QoS::at_least_once));
  EXPECT_EQ(fleet.owed->owed(), 0u);
  EXPECT_FALSE(fleet.owed->to_json().contains("uncertain"));
  Fixture faulted_fleet;
  auto faulted = will_connection();
  faulted.faulted = true;
  faulted.disconnect_sent = true;  // the fault may have swallowed it
  faulted_fleet.owed->will_closed(faulted, t0);
  EXPECT_FALSE(faulted_fleet.owed->owed());
  // An owed will besides: nothing arrived, so at least that one is owed (the drain waits for it).
  faulted_fleet.owed->will_closed(will_connection(), t0);
  EXPECT_EQ(faulted_fleet.owed->owed(), 1u);
  faulted_fleet.owed->received(0, header(QoS::at_least_once));
  EXPECT_FALSE(faulted_fleet.owed->owed()) << "the copy may be the one that need not come";
}

// 5.0 Will Delay: published at the delay's end (or the session's, if shorter), not at the close; cancelled when the
// device resumes its session first; published at once when it comes back with a new session.
TEST(OwedWills, ADelayedWillIsOwedFromTheDelaysEndUnlessTheSessionResumedFirst) {
  auto delayed = will_connection();
  delayed.delay = seconds(2);
  Fixture resumed;
  resumed.owed->will_closed(delayed, t0);
  EXPECT_EQ(resumed.owed->owed(t0 + seconds(1), t0 + seconds(10)), 1u) << "due within the run";
  EXPECT_EQ(resumed.owed->to_json()["wills_pending"], 1);
  resumed.owed->will_connected("dtu-cell-1", true, t0 + std::chrono::milliseconds(500));
  EXPECT_EQ(resumed.owed->owed(t0 + seconds(3), t0 + seconds(10)), 0u) << "resumed before the delay: never published";
  EXPECT_EQ(resumed.owed->to_json()["counting"], "exact");

  Fixture new_session;
  new_session.owed->will_closed(delayed, t0);
  new_session.owed->will_connected("dtu-cell-1", false, t0 + std::chrono::milliseconds(500));
  EXPECT_EQ(new_session.owed->owed(t0 + seconds(1), t0 + seconds(10)), 1u) << "its session ended: published now";

  Fixture after_the_run;
  after_the_run.owed->will_closed(delayed, t0);
  EXPECT_EQ(after_the_run.owed->owed(t0 + seconds(1), t0 + seconds(1)), 0u) << "due after the run: not owed in it";

  Fixture too_close;
  too_close.owed->will_closed(delayed, t0);
  too_close.owed->will_connected("dtu-cell-1", true, t0 + std::chrono::milliseconds(1500));
  EXPECT_FALSE(too_close.owed->owed());
  EXPECT_NE(too_close.owed->to_json().value("fallback", "").find("as its will's delay ran out"), std::string::npos);
}

// A clean observer's session ends with its connection: what it was owed is owed no more, what is published while
// it is away never is, and what is accepted after its new SUBACK is owed again.
TEST(OwedWills, ACleanObserverThatReconnectsIsOwedOnlyWhatCameAfterItsNewSubscription) {
  Fixture fleet(true, {{"dtu/+/telemetry", QoS::at_least_once}});
  const auto accept = [&](const std::string& topic) {
    fleet.owed->sent(QoS::at_least_once);
    fleet.owed->accepted("dtu-cell-1", topic, QoS::at_least_once);
  };
  accept("dtu/a/telemetry");
  accept("dtu/b/telemetry");
  fleet.owed->received(0, header(QoS::at_least_once));
  EXPECT_EQ(fleet.owed->owed(), 1u);
  fleet.owed->closed(0);
  EXPECT_EQ(fleet.owed->owed(), 0u) << "its session ended: the undelivered one is owed no more";
  accept("dtu/c/telemetry");
  fleet.owed->will_closed([] {
    auto will = will_connection();
    will.topic = "dtu/dtu-cell-1/telemetry";
    return will;
  }(), t0);
  EXPECT_EQ(fleet.owed->owed(), 0u) << "published while it was away";
  fleet.owed->connected(0);
  fleet.owed->subscribed(0, false);
  accept("dtu/d/telemetry");
  EXPECT_EQ(fleet.owed->owed(), 1u);
  fleet.owed->received(0, header(QoS::at_least_once));
  EXPECT_EQ(fleet.owed->owed(), 0u);
  EXPECT_EQ(fleet.owed->to_json()["counting"], "exact");
}

// Around its new subscription the broker may route a message to it or not: one accepted between its CONNACK and
// its SUBACK, or in flight when the SUBACK came, may come and need not. Counters cannot tell which answer is whose,
// so every answer is unsure until nothing is in flight.
TEST(OwedWills, MessagesAroundACleanObserversNewSubscriptionMayCome) {
  Fixture fleet(true, {{"dtu/+/telemetry", QoS::at_least_once}});
  fleet.owed->closed(0);
  fleet.owed->connected(0);
  fleet.owed->sent(QoS::at_least_once);
  fleet.owed->accepted("dtu-cell-1", "dtu/a/telemetry", QoS::at_least_once);  // before its SUBACK
  fleet.owed->sent(QoS::at_least_once);
  fleet.owed->subscribed(0, false);
  fleet.owed->sent(QoS::at_least_once);  // after the SUBACK, answered before the one in flight at it
  fleet.owed->accepted("dtu-cell-2", "dtu/b/telemetry", QoS::at_least_once);
  fleet.owed->accepted("dtu-cell-1", "dtu/c/telemetry", QoS::at_least_once);
  EXPECT_FALSE(fleet.owed->owed()) << "none is owed, each may come";
  fleet.owed->sent(QoS::at_least_once);
  fleet.owed->accepted("dtu-cell-1", "dtu/d/telemetry", QoS::at_least_once);  // nothing was in flight any more
  EXPECT_EQ(fleet.owed->owed(), 1u);
  for (int copy = 0; copy < 4; ++copy) fleet.owed->received(0, header(QoS::at_least_once));
  EXPECT_EQ(fleet.owed->owed(), 0u);
  EXPECT_EQ(fleet.owed->to_json()["counting"], "exact");
}

TEST(OwedWills, ACleanObserverThatFindsASessionFallsBack) {
  Fixture fleet(true);
  fleet.owed->closed(0);
  fleet.owed->subscribed(0, true);
  EXPECT_FALSE(fleet.owed->owed());
  EXPECT_NE(fleet.owed->to_json().value("fallback", "").find("found one from before"), std::string::npos);
}

// A clean observer back while a 5.0 will's delay runs is a subscriber of the will's moment.
TEST(OwedWills, ACleanObserverBackDuringAWillsDelayIsOwedIt) {
  Fixture fleet(true);
  auto delayed = will_connection();
  delayed.delay = seconds(2);
  fleet.owed->will_closed(delayed, t0);
  fleet.owed->closed(0);
  EXPECT_EQ(fleet.owed->owed(t0, t0 + seconds(10)), 0u);
  fleet.owed->connected(0);
  fleet.owed->subscribed(0, false);
  EXPECT_EQ(fleet.owed->owed(t0 + seconds(1), t0 + seconds(10)), 1u);
}

}  // namespace
}  // namespace mqtt::simulator
