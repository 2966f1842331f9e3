#include <gtest/gtest.h>

#include "client/packet_id_allocator.hpp"

namespace mqtt::client {
namespace {

TEST(PacketIdAllocator, StartsAtOneAndNeverHandsOutZero) {
  PacketIdAllocator ids;
  EXPECT_EQ(ids.allocate(), 1);
  EXPECT_EQ(ids.allocate(), 2);
  EXPECT_FALSE(ids.reserve(0));
}

TEST(PacketIdAllocator, SkipsIdsInUseAndWrapsAfter65535) {
  PacketIdAllocator ids;
  ASSERT_TRUE(ids.reserve(2));
  EXPECT_EQ(ids.allocate(), 1);
  EXPECT_EQ(ids.allocate(), 3);  // 2 is in flight
  for (int i = 4; i <= 65535; ++i) ASSERT_EQ(ids.allocate(), i);
  EXPECT_EQ(ids.in_use_count(), 65535u);
  EXPECT_FALSE(ids.allocate());  // all in flight
  ids.release(7);
  EXPECT_EQ(ids.allocate(), 7);  // wraps past 65535, skipping 0 and the ids still in use
}

TEST(PacketIdAllocator, ReleasedIdIsNotReusedAtOnce) {
  PacketIdAllocator ids;
  const auto first = ids.allocate();
  ids.release(*first);
  EXPECT_FALSE(ids.in_use(*first));
  EXPECT_NE(ids.allocate(), first);
  EXPECT_FALSE(ids.reserve(2));  // already allocated
  ids.release(12345);            // harmless
  EXPECT_EQ(ids.in_use_count(), 1u);
}

}  // namespace
}  // namespace mqtt::client
