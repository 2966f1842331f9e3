// A broker restart in the middle of a fleet run, and statuses that repeat: hand-made histories cut from what the
// soak with a broker restart (docs/benchmarks.md) showed the checker getting wrong. Each wrong judgement has a
// legal history that must stay clean and a broken twin that must still be caught, under its own statement.
#include "model/checker.hpp"

#include <gtest/gtest.h>

#include "checker_expectations.hpp"

namespace mqtt::model {
namespace {

using history::CloseReason;
using testing::ack;
using testing::Evidence;
using testing::find_observation;
using testing::HistoryBuilder;
using testing::judge;
using testing::listing;
using testing::milliseconds;
using testing::publish;
using testing::seconds;
using testing::will_on;

constexpr std::uint16_t keep_alive = 30;  // a faulted connection's will is due 1.5 x 30 s + 10 s after its close

// A dashboard with a persistent session (connection 1, "status/#") and a device (connection 2) with the will
// "offline"; then a broker restart, or a fault of the device's link, ends both connections without DISCONNECT, and
// the dashboard is back at once (session present 1) and subscribes again, as the fleet's observers do.
struct DeviceCut {
  HistoryBuilder h;
  std::uint64_t subscribed = 0;
  std::uint64_t fault = 0;
  std::uint64_t device_connect = 0;
  std::uint64_t device_closed = 0;
  std::uint64_t resubscribed = 0;

  explicit DeviceCut(bool broker_restart) {
    h.connected(1, "dashboard", false, false, std::nullopt, keep_alive);
    subscribed = h.subscribed(1, 1, "status/#", QoS::at_least_once);
    device_connect = h.connected(2, "device", false, false, will_on("status/device", "offline"), keep_alive) - 1;
    // The runner records a broker restart as a fault of connection 0 (actor "broker") before the broker stops;
    // a fault of the device's own link is the control: its will is owed.
    fault = broker_restart ? h.fault(0, "broker-restart") : h.fault(2, "reset");
    if (!broker_restart) h.fault(1, "reset");
    device_closed = h.closed(2, CloseReason::reset);
    h.closed(1, CloseReason::reset);
    h.after(2 * seconds);
    h.connected(3, "dashboard", false, true, std::nullopt, keep_alive);
    resubscribed = h.subscribed(3, 1, "status/#", QoS::at_least_once);
  }
};

TEST(BrokerRestart, TheWillsOfTheConnectionsItEndsAreNotOwed) {
  DeviceCut restart(/*broker_restart=*/true);
  EXPECT_CLEAN(judge(restart.h, 120 * seconds));

  // The same loss of a will after a fault of the device's own link: owed, and caught.
  DeviceCut link(/*broker_restart=*/false);
  EXPECT_VIOLATION(judge(link.h, 120 * seconds), "MQTT-3.1.2-8",
                   (Evidence{link.subscribed, link.device_connect, link.device_closed}));
}

TEST(BrokerRestart, AWillItsBrokerPublishesAnywayIsAllowedAndObserved) {
  DeviceCut restart(/*broker_restart=*/true);
  const auto copy = restart.h.received(3, publish("status/device", "offline", QoS::at_least_once, 1));
  restart.h.sent(3, ack<Puback>(1));
  const auto verdicts = judge(restart.h, 120 * seconds);
  EXPECT_CLEAN(verdicts);
  const auto* observed = find_observation(verdicts, "publishes-wills-of-connections-a-restart-ended");
  ASSERT_NE(observed, nullptr) << listing(verdicts);
  EXPECT_EQ(observed->evidence, (Evidence{restart.fault, copy}));

}

// After the restart the device is back with the same will, its link flaps, and the broker publishes the will
// before the device's side records the close (the soak's dtu-37): the copy is that connection's will, owed at its
// close, not the identical will of the connection the restart ended.
TEST(BrokerRestart, AWillAheadOfItsCloseIsNotTakenForTheRestartsWill) {
  DeviceCut restart(/*broker_restart=*/true);
  auto& h = restart.h;
  h.connected(4, "device", false, true, will_on("status/device", "offline"), keep_alive);
  h.fault(4, "flapping");
  h.received(3, publish("status/device", "offline", QoS::at_least_once, 1));
  h.sent(3, ack<Puback>(1));
  h.closed(4, CloseReason::reset);
  const auto verdicts = judge(h, 120 * seconds);
  EXPECT_CLEAN(verdicts);
  EXPECT_EQ(find_observation(verdicts, "publishes-wills-of-connections-a-restart-ended"), nullptr)
      << listing(verdicts);
}

TEST(BrokerRestart, ASkippedRestartEndsNothingAndTheWillIsOwedAgain) {
  HistoryBuilder h;
  const auto connack = h.connected(2, "device", false, false, will_on("status/device", "offline"), keep_alive);
  h.fault(0, "broker-restart");
  h.note(0, "broker-restart skipped: the previous restart was still running");
  // A dashboard that connects after the fault (no keep alive: its silence until the will's deadline excuses
  // nothing); one open at the fault would be a faulted subscriber, owed nothing the network may have kept.
  h.connected(1, "dashboard");
  const auto suback = h.subscribed(1, 1, "status/#", QoS::at_least_once);
  h.after(5 * seconds);
  const auto closed = h.closed(2, CloseReason::local_abort);  // the device's own abrupt close: the will is owed
  EXPECT_VIOLATION(judge(h, 120 * seconds), "MQTT-3.1.2-8", (Evidence{suback, connack - 1, closed}));
}

// The device publishes the retained status "online" again and again (each time it connects). One publication
// overlaps the dashboard's new subscription (sent before the SUBSCRIBE, acknowledged after it): the broker may
// have handled either first, so one copy of it, live or retained, is legal. The later live copies arrive before
// their publisher's PUBACK; each is the publication the subscription was certainly in place for, not the
// overlapping one, which would leave the last "online" wrongly missing.
struct RepeatedStatus {
  HistoryBuilder h;
  std::uint64_t subscribe_acknowledged = 0;
  std::uint64_t last_sent = 0;
  std::uint64_t last_acknowledged = 0;

  explicit RepeatedStatus(int later_statuses, bool last_delivered) {
    // An earlier "online", retained while nobody listened.
    h.connected(2, "device", false);
    h.sent(2, publish("status/device", "online", QoS::at_least_once, 1, /*retain=*/true));
    h.received(2, ack<Puback>(1));
    h.after(10 * seconds);
    // The overlap: PUBLISH, then SUBSCRIBE, then the PUBACK, then the SUBACK; the retained copy follows.
    h.sent(2, publish("status/device", "online", QoS::at_least_once, 2, /*retain=*/true));
    h.connected(1, "dashboard");
    h.sent(1, HistoryBuilder::subscribe(1, {{"status/#", QoS::at_least_once}}));
    h.received(2, ack<Puback>(2));
    Suback suback;
    suback.packet_id = 1;
    suback.reason_codes = {1};
    subscribe_acknowledged = h.received(1, suback);
    h.received(1, publish("status/device", "online", QoS::at_least_once, 1, /*retain=*/true));
    h.sent(1, ack<Puback>(1));
    for (int status = 0; status < later_statuses; ++status) {
      h.after(20 * seconds);
      const auto id = static_cast<std::uint16_t>(3 + status);
      last_sent = h.sent(2, publish("status/device", "online", QoS::at_least_once, id, /*retain=*/true));
      // The broker forwards before it acknowledges the publisher.
      if (status + 1 < later_statuses || last_delivered) {
        h.received(1, publish("status/device", "online", QoS::at_least_once, static_cast<std::uint16_t>(id)));
        h.sent(1, ack<Puback>(id));
      }
      last_acknowledged = h.received(2, ack<Puback>(id));
    }
  }
};

TEST(RepeatedStatus, APublicationOverlappingANewSubscriptionNeedsOnlyItsRetainedCopy) {
  EXPECT_SETTLED(judge(RepeatedStatus(3, /*last_delivered=*/true).h));

  // The last status never forwarded: caught, and the evidence names that publication.
  RepeatedStatus lost(3, /*last_delivered=*/false);
  EXPECT_VIOLATION(judge(lost.h), "MQTT-4.5.0-1",
                   (Evidence{lost.subscribe_acknowledged, lost.last_acknowledged, lost.last_sent}));
}

// Two identical wills owed to one subscriber: the first never came (its deadline passed), the second came in
// time. The miss is the first will's, and the evidence says so, not the second's.
TEST(RepeatedStatus, AMissingWillIsTheOneWhoseDeadlineTheCopiesMissed) {
  HistoryBuilder h;
  h.connected(1, "dashboard");
  const auto suback = h.subscribed(1, 1, "status/#", QoS::at_least_once);
  const auto first_connack = h.connected(2, "device", false, false, will_on("status/device", "offline"));
  const auto first_closed = h.closed(2, CloseReason::local_abort);
  h.after(60 * seconds);
  h.connected(3, "device", false, true, will_on("status/device", "offline"));
  h.closed(3, CloseReason::local_abort);
  h.received(1, publish("status/device", "offline", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  const auto verdicts = judge(h);
  EXPECT_VIOLATION(verdicts, "MQTT-3.1.2-8", (Evidence{suback, first_connack - 1, first_closed}));
  EXPECT_EQ(verdicts.violations.size(), 1u) << listing(verdicts);
}

}  // namespace
}  // namespace mqtt::model
