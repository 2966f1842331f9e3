#include "simulator/fault_schedule.hpp"

#include <gtest/gtest.h>

#include <random>

namespace mqtt::simulator {
namespace {

FleetSpec two_groups() {
  FleetSpec spec;
  GroupSpec cell;
  cell.name = "cell";
  cell.count = 20;
  GroupSpec wired;
  wired.name = "wired";
  wired.count = 5;
  spec.groups = {cell, wired};
  FaultSpec latency;
  latency.kind = FaultKind::latency;
  latency.group = "cell";
  latency.fraction = 0.25;
  latency.at_ms = 100;
  FaultSpec close;
  close.kind = FaultKind::close;
  close.group = "wired";
  close.fraction = 1;
  close.at_ms = 50;
  spec.faults = {latency, close};
  return spec;
}

TEST(FaultSchedule, DevicesAreListedInGroupOrderWithExpandedClientIds) {
  const auto devices = list_devices(two_groups());
  ASSERT_EQ(devices.size(), 25u);
  EXPECT_EQ(devices.front().client_id, "dtu-cell-1");
  EXPECT_EQ(devices[19].client_id, "dtu-cell-20");
  EXPECT_EQ(devices[20].client_id, "dtu-wired-1");
  EXPECT_EQ(devices[20].group, 1u);
}

TEST(FaultSchedule, SameSeedSameScheduleAndFractionIsRespected) {
  const std::uint64_t seed = 42;
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto spec = two_groups();
  const auto devices = list_devices(spec);
  const auto first = schedule_faults(spec, devices, seed);
  const auto second = schedule_faults(spec, devices, seed);
  ASSERT_EQ(first.size(), 2u);
  // Sorted by time: the close at 50 ms comes first.
  EXPECT_EQ(first[0].kind, FaultKind::close);
  EXPECT_EQ(first[0].devices.size(), 5u);
  EXPECT_EQ(first[1].devices.size(), 5u);  // ceil(0.25 x 20)
  for (std::size_t device : first[1].devices) EXPECT_LT(device, 20u);
  EXPECT_EQ(first[1].devices, second[1].devices);
  // Another seed picks other devices (for this spec and these two seeds).
  const auto other = schedule_faults(spec, devices, seed + 1);
  EXPECT_NE(first[1].devices, other[1].devices);
}

TEST(FaultSchedule, PlaceholdersExpand) {
  EXPECT_EQ(expand_placeholders("dtu/{id}/cmd", "g", 3, "dtu-g-3"), "dtu/dtu-g-3/cmd");
  EXPECT_EQ(expand_placeholders("{group}-{n}-{n}", "cell", 7, ""), "cell-7-7");
}

TEST(FaultSchedule, DeviceSeedsDifferPerDeviceAndRepeatPerSeed) {
  EXPECT_EQ(device_seed(1, 5), device_seed(1, 5));
  EXPECT_NE(device_seed(1, 5), device_seed(1, 6));
  EXPECT_NE(device_seed(1, 5), device_seed(2, 5));
}

TEST(FaultSchedule, ScaleKeepsObserversAndAtLeastOneDevice) {
  FleetSpec spec = two_groups();
  GroupSpec backend;
  backend.name = "backend";
  backend.observer = true;
  backend.count = 1;
  spec.groups.push_back(backend);
  scale_fleet(spec, 0.01);
  EXPECT_EQ(spec.groups[0].count, 1u);
  EXPECT_EQ(spec.groups[1].count, 1u);
  EXPECT_EQ(spec.groups[2].count, 1u);
  scale_fleet(spec, 10);
  EXPECT_EQ(spec.groups[0].count, 10u);
  EXPECT_EQ(spec.groups[2].count, 1u);
}

TEST(FaultNames, RoundTrip) {
  for (auto kind : {FaultKind::latency, FaultKind::bandwidth, FaultKind::stall, FaultKind::blackhole,
                    FaultKind::close, FaultKind::flapping, FaultKind::partition, FaultKind::fragment,
                    FaultKind::slow_reader, FaultKind::power_loss}) {
    EXPECT_EQ(parse_fault_kind(to_string(kind)), kind);
  }
  EXPECT_FALSE(parse_fault_kind("latancy"));
  FaultParameters parameters;
  parameters.latency_ms = 200;
  parameters.jitter_ms = 50;
  EXPECT_EQ(describe(FaultKind::latency, parameters, 3000), "latency 200 ms + jitter 50 ms both for 3000 ms");
}

}  // namespace
}  // namespace mqtt::simulator

namespace mqtt::simulator {
namespace {

TEST(DeviceRandom, IsSmallAndRepeatsPerSeed) {
  static_assert(sizeof(DeviceRandom) == 8);
  DeviceRandom first(99), second(99), other(100);
  const auto a = first(), b = second(), c = other();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::uniform_real_distribution<double> unit(0, 1);
  const double draw = unit(first);
  EXPECT_GE(draw, 0);
  EXPECT_LT(draw, 1);
}

}  // namespace
}  // namespace mqtt::simulator
