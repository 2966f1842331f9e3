// What one process can run: devices per shard, descriptors per client, the suggestion to shard, 3.1 client ids.
#include "runner/fleet_limits.hpp"

#include <gtest/gtest.h>

namespace mqtt::runner {
namespace {

simulator::FleetSpec fleet(std::uint32_t faulted, std::uint32_t direct) {
  simulator::FleetSpec spec;
  spec.name = "limits";
  simulator::GroupSpec observer;
  observer.name = "backend";
  observer.observer = true;
  observer.count = 1;
  spec.groups.push_back(observer);
  simulator::GroupSpec cell;
  cell.name = "cell";
  cell.count = faulted;
  spec.groups.push_back(cell);
  simulator::GroupSpec meter;
  meter.name = "meter";
  meter.count = direct;
  spec.groups.push_back(meter);
  simulator::FaultSpec fault;
  fault.kind = simulator::FaultKind::latency;
  fault.group = "cell";
  spec.faults.push_back(fault);
  simulator::FaultSpec power;
  power.kind = simulator::FaultKind::power_loss;  // acts in the device, not the proxy
  power.group = "meter";
  spec.faults.push_back(power);
  return spec;
}

TEST(FleetLimits, ClientsBehindTheProxyTakeThreeDescriptorsAndTheEmbeddedBrokerOneMore) {
  const auto footprint = measure_fleet(fleet(100, 50), 0, 1, false);
  EXPECT_EQ(footprint.devices, 150u);
  EXPECT_EQ(footprint.observers, 1u);
  EXPECT_EQ(footprint.behind_proxy, 100u);
  EXPECT_EQ(footprint.descriptors, 100u * 3 + 50 + 1 + descriptors_reserved);
  EXPECT_EQ(measure_fleet(fleet(100, 50), 0, 1, true).descriptors, 100u * 4 + 50 * 2 + 2 + descriptors_reserved);
}

TEST(FleetLimits, EachShardCountsOnlyItsOwnDevicesAndShardZeroTheObservers) {
  // Global indices: backend 0, cell 1..10, meter 11..13. Shard 1 of 3 holds 1, 4, 7, 10 (cell) and 13 (meter).
  const auto spec = fleet(10, 3);
  const auto first = measure_fleet(spec, 0, 3, false);
  const auto second = measure_fleet(spec, 1, 3, false);
  const auto third = measure_fleet(spec, 2, 3, false);
  EXPECT_EQ(first.observers, 1u);
  EXPECT_EQ(second.observers, 0u);
  EXPECT_EQ(second.devices, 5u);
  EXPECT_EQ(second.behind_proxy, 4u);
  EXPECT_EQ(first.devices + second.devices + third.devices, 13u);
  EXPECT_EQ(first.behind_proxy + second.behind_proxy + third.behind_proxy, 10u);
}

TEST(FleetLimits, AFleetPastTheOpenFileLimitIsOneSentenceSuggestingShards) {
  const auto footprint = measure_fleet(fleet(20'000, 0), 0, 1, false);
  EXPECT_FALSE(open_file_problem(footprint, footprint.descriptors));
  const auto problem = open_file_problem(footprint, 20'000);
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem,
            "20000 devices and 1 observer(s) need about 60065 open files (20000 of them behind the fault proxy at 3 "
            "each), above the open-file limit of 20000 (ulimit -n): use a smaller --scale, or --shard I/N with N of at "
            "least 4");
  // Four shards do fit: each holds a quarter of the devices.
  EXPECT_FALSE(open_file_problem(measure_fleet(fleet(20'000, 0), 1, 4, false), 20'000));
}

TEST(FleetLimits, ScalingPastTheGroupLimitIsRefusedBeforeAnythingOverflows) {
  const auto spec = fleet(1'000, 10);
  EXPECT_FALSE(scale_problem(spec, 1'000));
  const auto problem = scale_problem(fleet(1'000'000, 10), 1'000);
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "group \"cell\" would have 1000000000 devices, above the limit of 1000000 per group");
}

TEST(FleetLimits, Mqtt31ClientIdsMustFitTwentyThreeCharacters) {
  auto spec = fleet(10, 0);
  spec.groups[1].version = ProtocolVersion::v3_1;
  spec.groups[1].client_id = "fleet-1234abcd-c{n}";  // 19 characters at n = 10
  EXPECT_FALSE(client_id_problem(spec));
  spec.groups[1].client_id = "fleet-1234abcd-cell-{n}";  // 22
  EXPECT_FALSE(client_id_problem(spec));
  spec.groups[1].count = 100;  // 23
  EXPECT_FALSE(client_id_problem(spec));
  spec.groups[1].count = 1'000;  // 24
  const auto problem = client_id_problem(spec);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("\"fleet-1234abcd-cell-1000\" has 24 characters"), std::string::npos) << *problem;
}

}  // namespace
}  // namespace mqtt::runner
