// Aligning shard clocks from the markers the broker delivered to several shards (runner/clock_alignment.hpp).
#include "runner/clock_alignment.hpp"

#include <gtest/gtest.h>

namespace mqtt::runner {
namespace {

ShardClockRecord record(std::uint32_t shard, std::int64_t round_trip_ns, std::vector<ClockMarker> markers) {
  return ShardClockRecord{.topic = "mqtt-harness-clock/fleet-1",
                          .shard = shard,
                          .markers = std::move(markers),
                          .round_trip_ns = round_trip_ns,
                          .problem = ""};
}

TEST(ClockAlignment, SharedMarkersGiveTheOffsetWithinTheLargerRoundTrip) {
  // Shard 2's clock is 5 s ahead: it received shard 1's start marker 5 s "later", and its own 5 s later too.
  const auto alignment = align_shard_clocks({
      record(0, 300'000, {{0, "start", 1'000'000}, {1, "start", 2'000'000}}),
      record(1, 200'000, {{0, "start", 5'001'050'000}, {1, "start", 5'002'000'000}}),
  });
  ASSERT_EQ(alignment.size(), 2u);
  EXPECT_EQ(alignment[0].offset_ns, 0);
  EXPECT_EQ(alignment[0].method, "first shard");
  EXPECT_EQ(alignment[1].offset_ns,
            5'001'050'000 - 1'000'000);       // the median of 5.00005 s and 5 s: the larger
  EXPECT_EQ(alignment[1].bound_ns, 300'000);  // the larger round trip; the spread (50 us) is smaller
  EXPECT_EQ(alignment[1].method, "markers shared with shard 1");
}

TEST(ClockAlignment, ChainsThroughShardsAndKeepsAgreeingSystemClocks) {
  // Shard 3 shares a marker only with shard 2, which is 2 s ahead of shard 1; shard 3 agrees with shard 2 to
  // within the round trip, i.e. it is 2 s ahead of shard 1 as well.
  const auto alignment = align_shard_clocks({
      record(0, 100'000, {{0, "start", 10'000'000}}),
      record(1, 100'000, {{0, "start", 2'010'000'000}, {1, "end", 2'500'000'000}}),
      record(2, 100'000, {{1, "end", 2'500'050'000}}),
  });
  EXPECT_EQ(alignment[1].offset_ns, 2'000'000'000);
  EXPECT_EQ(alignment[2].offset_ns, 2'000'050'000);
  EXPECT_EQ(alignment[2].bound_ns, 200'000);
  EXPECT_EQ(alignment[2].method, "markers shared with shard 2");

  // One machine: the markers say 40 us with a 300 us bound; the system clock is the more precise and is kept.
  const auto same_machine = align_shard_clocks(
      {record(0, 300'000, {{0, "start", 1'000'000}}), record(1, 100'000, {{0, "start", 1'040'000}})});
  EXPECT_EQ(same_machine[1].offset_ns, 0);
  EXPECT_NE(same_machine[1].method.find("system clock (agrees with the markers"), std::string::npos);
}

TEST(ClockAlignment, WithoutASharedMarkerTheSystemClockStaysAndSaysSo) {
  auto failed = record(2, 0, {});
  failed.problem = "clock session: no CONNACK";
  const auto alignment = align_shard_clocks(
      {record(0, 100'000, {{0, "start", 1}}), record(1, 100'000, {{1, "start", 7}}), failed, std::nullopt});
  EXPECT_EQ(alignment[1].bound_ns, -1);
  EXPECT_EQ(alignment[1].method, "system clock (no marker shared with the first shard's group)");
  EXPECT_EQ(alignment[2].method, "system clock (clock session: no CONNACK)");
  EXPECT_EQ(alignment[3].method, "system clock (no clock record)");
}

}  // namespace
}  // namespace mqtt::runner
