// The end of a fleet run: the drain's decisions from the count of deliveries and the clock, no network.
#include "simulator/fleet_drain.hpp"

#include <gtest/gtest.h>

namespace mqtt::simulator {
namespace {

using std::chrono::milliseconds;
using Clock = FleetDrain::Clock;

const Clock::time_point settle_end = Clock::time_point() + std::chrono::hours(1);

FleetDrain::Start start(milliseconds limit, std::uint64_t deliveries) {
  FleetDrain::Start start;
  start.begin = settle_end;
  start.limit = limit;
  start.deliveries = deliveries;
  return start;
}

TEST(FleetDrain, NothingArrivingAtTheEndOfTheSettleTimeEndsTheRunOnTime) {
  auto begin = start(milliseconds(10'000), 40);
  begin.before.emplace(settle_end - milliseconds(500), 40);
  FleetDrain drain(begin);
  EXPECT_FALSE(drain.look(settle_end, settle_end, 40));
  EXPECT_EQ(drain.stop(), DrainStop::quiet);
  EXPECT_EQ(drain.to_json()["drained_ms"], 0.0);
  EXPECT_EQ(drain.to_json()["deliveries"], 0);
}

TEST(FleetDrain, KeepsGoingWhileDeliveriesArriveThenStopsAfterAQuietInterval) {
  auto begin = start(milliseconds(10'000), 40);
  begin.before.emplace(settle_end - milliseconds(500), 30);
  FleetDrain drain(begin);
  auto next = drain.look(settle_end, settle_end, 40);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, settle_end + milliseconds(500));
  next = drain.look(*next, *next, 55);
  ASSERT_TRUE(next) << "15 arrived in the interval";
  EXPECT_FALSE(drain.look(*next, *next, 55));
  EXPECT_EQ(drain.stop(), DrainStop::quiet);
  const auto figures = drain.to_json();
  EXPECT_EQ(figures["stopped_by"], "quiet");
  EXPECT_EQ(figures["drained_ms"], 1000.0);
  EXPECT_EQ(figures["deliveries"], 15);
  EXPECT_EQ(figures["still_arriving"], false);
}

TEST(FleetDrain, WithoutACountBeforeTheEndItWatchesOneWholeInterval) {
  FleetDrain drain(start(milliseconds(10'000), 7));
  auto next = drain.look(settle_end, settle_end, 7);
  ASSERT_TRUE(next) << "no interval watched yet";
  EXPECT_FALSE(drain.look(*next, *next, 7));
  EXPECT_EQ(drain.stop(), DrainStop::quiet);
}

TEST(FleetDrain, ALateLookIsNoProofOfQuiet) {
  FleetDrain drain(start(milliseconds(10'000), 7));
  auto next = drain.look(settle_end, settle_end, 7);
  ASSERT_TRUE(next);
  // The loop woke 2 s late: the deliveries may be read right after this look.
  next = drain.look(*next, *next + milliseconds(2'000), 7);
  ASSERT_TRUE(next);
  EXPECT_EQ(drain.stop(), DrainStop::running);
  EXPECT_FALSE(drain.look(*next, *next, 7));
  EXPECT_EQ(drain.stop(), DrainStop::quiet);
}

TEST(FleetDrain, TheLimitStopsItAndSaysWhetherDeliveriesWereStillArriving) {
  FleetDrain drain(start(milliseconds(800), 0));
  auto next = drain.look(settle_end, settle_end, 0);
  ASSERT_TRUE(next);
  next = drain.look(*next, *next, 10);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, settle_end + milliseconds(800)) << "the last look is at the limit, not past it";
  EXPECT_FALSE(drain.look(*next, *next, 12));
  EXPECT_EQ(drain.stop(), DrainStop::cap);
  EXPECT_TRUE(drain.still_arriving());
  EXPECT_EQ(drain.to_json()["stopped_by"], "cap");
  EXPECT_EQ(drain.to_json()["drained_ms"], 800.0);
}

TEST(FleetDrain, NoDrainStopsAtOnce) {
  auto begin = start(milliseconds(0), 5);
  begin.before.emplace(settle_end - milliseconds(500), 3);
  FleetDrain drain(begin);
  EXPECT_FALSE(drain.look(settle_end, settle_end, 5));
  EXPECT_EQ(drain.stop(), DrainStop::cap);
  EXPECT_TRUE(drain.still_arriving());
}

TEST(FleetDrain, AnInterruptionEndsIt) {
  FleetDrain drain(start(milliseconds(10'000), 0));
  ASSERT_TRUE(drain.look(settle_end, settle_end, 0));
  drain.interrupt(settle_end + milliseconds(100));
  EXPECT_EQ(drain.stop(), DrainStop::interrupted);
  EXPECT_FALSE(drain.look(settle_end + milliseconds(500), settle_end + milliseconds(500), 0));
  EXPECT_EQ(drain.to_json()["drained_ms"], 100.0);
}

// With the owed count (simulator/owed_deliveries.hpp): nothing owed ends the drain at its first look, without
// waiting for a quiet interval, even while QoS 0 deliveries still arrive (they may legally be lost).
TEST(FleetDrain, NothingOwedEndsItAtOnce) {
  auto begin = start(milliseconds(10'000), 40);
  begin.before.emplace(settle_end - milliseconds(500), 30);
  FleetDrain drain(begin);
  EXPECT_FALSE(drain.look(settle_end, settle_end, 40, 0));
  EXPECT_EQ(drain.stop(), DrainStop::nothing_owed);
  EXPECT_EQ(drain.to_json()["stopped_by"], "nothing-owed");
  EXPECT_EQ(drain.to_json()["owed"], 0);
  EXPECT_EQ(drain.to_json()["drained_ms"], 0.0);
}

// A broker that delivers in bursts farther apart than the quiet interval: silence while deliveries are owed is
// a pause, not the end; the drain goes on until the last owed one is in.
TEST(FleetDrain, QuietWhileSomethingIsOwedDoesNotEndIt) {
  FleetDrain drain(start(milliseconds(10'000), 40));
  auto next = drain.look(settle_end, settle_end, 40, 6);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, settle_end + FleetDrain::owed_interval) << "owed: it looks often, to end soon after the last";
  for (int look = 0; look < 39; ++look) {
    next = drain.look(*next, *next, 40, 6);
    ASSERT_TRUE(next) << "look " << look << ": 6 owed, nothing arrived for " << (look + 1) * 50 << " ms";
  }
  EXPECT_FALSE(drain.look(*next, *next, 46, 0));
  EXPECT_EQ(drain.stop(), DrainStop::nothing_owed);
  EXPECT_EQ(drain.to_json()["deliveries"], 6);
  EXPECT_EQ(drain.to_json()["drained_ms"], 2000.0);
}

// Owed is not arriving: what the last look saw arrive and what is still owed are reported apart.
TEST(FleetDrain, SomethingStillOwedAtTheLimitIsReportedAsOwedNotAsArriving) {
  FleetDrain drain(start(milliseconds(100), 40));
  auto next = drain.look(settle_end, settle_end, 40, 3);
  ASSERT_TRUE(next);
  next = drain.look(*next, *next, 40, 3);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, settle_end + milliseconds(100));
  EXPECT_FALSE(drain.look(*next, *next, 40, 3));
  EXPECT_EQ(drain.stop(), DrainStop::cap);
  EXPECT_FALSE(drain.still_arriving()) << "nothing came in the last look";
  EXPECT_EQ(drain.to_json()["still_arriving"], false);
  EXPECT_EQ(drain.to_json()["owed"], 3);
  FleetDrain arriving(start(milliseconds(100), 40));
  next = arriving.look(settle_end, settle_end, 40, 3);
  ASSERT_TRUE(next);
  next = arriving.look(*next, *next, 41, 2);
  ASSERT_TRUE(next);
  EXPECT_FALSE(arriving.look(*next, *next, 42, 1));
  EXPECT_TRUE(arriving.still_arriving());
  EXPECT_EQ(arriving.to_json()["owed"], 1);
}

// Without a count (the engine could not count exactly for this run) it is the quiet rule, and says so.
TEST(FleetDrain, WithoutAnOwedCountItIsTheQuietRule) {
  auto begin = start(milliseconds(10'000), 40);
  begin.before.emplace(settle_end - milliseconds(500), 40);
  FleetDrain drain(begin);
  EXPECT_FALSE(drain.look(settle_end, settle_end, 40, std::nullopt));
  EXPECT_EQ(drain.stop(), DrainStop::quiet);
  EXPECT_TRUE(drain.to_json()["owed"].is_null());
}

}  // namespace
}  // namespace mqtt::simulator
