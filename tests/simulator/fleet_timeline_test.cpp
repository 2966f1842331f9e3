// The fleet timeline rules: which faults and connect ramps fit inside the publishing window, at the boundary and
// just past it.
#include "runner/fleet_timeline.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "runner/fleet_scenario.hpp"

namespace mqtt::runner {
namespace {

using simulator::FaultKind;

simulator::FleetSpec fleet_with(FaultKind kind, std::uint32_t at_ms, std::uint32_t duration_ms) {
  simulator::FleetSpec spec;
  spec.name = "timeline";
  spec.duration_ms = 10'000;
  spec.settle_ms = 2'000;
  simulator::GroupSpec group;
  group.name = "cell";
  group.count = 10;
  group.connect_rate = 0;
  group.reconnect.initial_ms = 500;
  group.reconnect.maximum_ms = 2'000;
  spec.groups.push_back(group);
  simulator::FaultSpec fault;
  fault.kind = kind;
  fault.group = "cell";
  fault.at_ms = at_ms;
  fault.duration_ms = duration_ms;
  spec.faults.push_back(fault);
  return spec;
}

bool fits(const simulator::FleetSpec& spec) { return !find_timeline_problem(spec).has_value(); }

TEST(FleetTimeline, WindowedFaultsMustEndByTheEndOfPublishing) {
  EXPECT_TRUE(fits(fleet_with(FaultKind::blackhole, 7'000, 3'000)));
  EXPECT_FALSE(fits(fleet_with(FaultKind::blackhole, 7'000, 3'001)));
  EXPECT_FALSE(fits(fleet_with(FaultKind::latency, 10'000, 0)));
}

TEST(FleetTimeline, ClosesAndFlapsLeaveTheDevicesTheirFirstRetry) {
  EXPECT_TRUE(fits(fleet_with(FaultKind::close, 9'499, 0)));
  EXPECT_FALSE(fits(fleet_with(FaultKind::close, 9'500, 0)));
  EXPECT_TRUE(fits(fleet_with(FaultKind::flapping, 5'000, 4'499)));
  const auto problem = find_timeline_problem(fleet_with(FaultKind::flapping, 5'000, 4'500));
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->object, "/faults/0");
  EXPECT_EQ(problem->keys.front(), "duration_ms");
  EXPECT_NE(problem->message.find("reconnect.initial_ms, 0.5 s"), std::string::npos) << problem->message;
}

TEST(FleetTimeline, APartitionLeavesACONNECTDeadlineAndTheLongestBackoff) {
  // 5 s for a CONNECT lost in the partition, then up to reconnect.maximum_ms (2 s).
  EXPECT_TRUE(fits(fleet_with(FaultKind::partition, 1'000, 1'999)));
  EXPECT_FALSE(fits(fleet_with(FaultKind::partition, 1'000, 2'000)));
  EXPECT_TRUE(find_timeline_problem(fleet_with(FaultKind::partition, 1'000, 2'000), std::chrono::seconds(1)) ==
              std::nullopt)
      << "a shorter connect deadline needs less room";
}

TEST(FleetTimeline, PowerMustComeBackBeforePublishingEnds) {
  EXPECT_TRUE(fits(fleet_with(FaultKind::power_loss, 5'000, 4'999)));
  EXPECT_FALSE(fits(fleet_with(FaultKind::power_loss, 5'000, 5'000)));
}

TEST(FleetTimeline, TheBrokerMustBeBackWithTheLongestBackoffLeftBeforePublishingEnds) {
  // Up 6.5 s + 1.5 s down = 8 s, then up to reconnect.maximum_ms (2 s): the devices are back by 10 s at the latest.
  auto spec = fleet_with(FaultKind::broker_restart, 6'500, 1'499);
  spec.faults[0].group.clear();  // the broker's, not a group's
  EXPECT_TRUE(fits(spec));
  spec.faults[0].duration_ms = 1'500;
  const auto problem = find_timeline_problem(spec);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->object, "/faults/0");
  EXPECT_EQ(problem->keys.front(), "down_ms");
  EXPECT_NE(problem->message.find("the broker-restart fault (faults[0]) brings the broker back at 8.0 s"),
            std::string::npos)
      << problem->message;
  spec.faults[0].at_ms = 10'000;
  EXPECT_EQ(find_timeline_problem(spec)->keys.front(), "at_ms");
}

TEST(FleetTimeline, FaultsOnObserversMayRunIntoTheSettleTime) {
  auto spec = fleet_with(FaultKind::stall, 9'000, 3'000);  // ends at 12 s: past publishing, inside the settle
  EXPECT_FALSE(fits(spec));
  spec.groups[0].observer = true;
  EXPECT_TRUE(fits(spec));
  spec.faults[0].duration_ms = 3'001;
  EXPECT_FALSE(fits(spec));
}

TEST(FleetTimeline, TheReconnectStormAtEightSecondsNamesItsPartition) {
  auto spec = load_fleet_scenario(
      (std::filesystem::path(MQTT_HARNESS_SOURCE_DIR) / "scenarios" / "fleet" / "reconnect-storm.json").string());
  EXPECT_TRUE(fits(spec));
  spec.duration_ms = 8'000;
  const auto problem = find_timeline_problem(spec);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->object, "/faults/1");
  EXPECT_EQ(problem->message,
            "the partition fault on \"fleet\" (faults[1]) ends at 8.0 s and a CONNECT sent into the partition waits "
            "5.0 s for its CONNACK, then the backoff up to reconnect.maximum_ms, 5.0 s: its devices would not be back "
            "before the end of the publishing window at 8.0 s (that needs more than 18.0 s)");
}

TEST(FleetTimeline, TheLastDeviceOfTheRampMustBeDueBeforePublishingEnds) {
  auto spec = fleet_with(FaultKind::latency, 0, 100);
  spec.groups[0].count = 101;
  spec.groups[0].connect_rate = 10;  // the last device is due at 10.0 s
  EXPECT_FALSE(fits(spec));
  spec.groups[0].count = 100;  // 9.9 s
  EXPECT_TRUE(fits(spec));
  spec.groups[0].start_ms = 100;  // 10.0 s again
  EXPECT_FALSE(fits(spec));
}

}  // namespace
}  // namespace mqtt::runner
