// The flat containers on the judging thread's per-message path (issue 16): they must answer exactly as the
// node-based ones they replaced (std::set of first arrivals, std::map of publication copies, names as keys).
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "codec/encoder.hpp"
#include "model/arrival_set.hpp"
#include "model/publication_copies.hpp"
#include "model/topic_table.hpp"

namespace mqtt::model::detail {
namespace {

TEST(ArrivalSet, AnswersAsASetForAppendsAndLateArrivals) {
  ArrivalSet arrivals;
  std::set<std::size_t> reference;
  for (const std::size_t index : {3u, 5u, 9u, 4u, 5u, 1u, 9u, 12u, 0u, 7u}) {
    EXPECT_EQ(arrivals.insert(index), reference.insert(index).second) << index;
  }
  for (std::size_t index = 0; index < 14; ++index) {
    EXPECT_EQ(arrivals.contains(index), reference.contains(index)) << index;
  }
  arrivals.erase_if([](std::size_t index) { return index % 3 == 0; });
  std::erase_if(reference, [](std::size_t index) { return index % 3 == 0; });
  EXPECT_EQ(arrivals.size(), reference.size());
  for (std::size_t index = 0; index < 14; ++index) EXPECT_EQ(arrivals.contains(index), reference.contains(index));
}

// A client's PUBLISH event whose actor names it.
history::Event publish_named(std::uint64_t sequence, std::string actor) {
  history::Event event;
  event.sequence = sequence;
  event.time_ns = static_cast<std::int64_t>(sequence) * 1000;
  event.connection = 3;
  event.kind = history::EventKind::sent;
  event.actor = std::move(actor);
  Publish publish;
  publish.qos = QoS::at_least_once;
  publish.packet_id = static_cast<std::uint16_t>(sequence);
  publish.topic = "fleet/" + event.actor + "/telemetry";
  publish.payload = Bytes(event.actor.begin(), event.actor.end());
  event.packet = Packet{publish};
  event.raw = encode(*event.packet);
  return event;
}

// The compact copy keeps the actor, topic, payload and raw bytes in one buffer: each comes back as it was.
TEST(PublicationCopies, ACopyGivesBackThePublishItsActorAndBytes) {
  PublicationCopies copies;
  auto event = publish_named(9, "a rather long device name, past the short-string buffer");
  auto& publish = std::get<Publish>(*event.packet);
  publish.version = ProtocolVersion::v5;
  publish.dup = true;
  publish.retain = true;
  publish.properties.push_back(Property{PropertyId::content_type, std::string("text/plain")});
  event.raw = encode(*event.packet);
  ASSERT_TRUE(copies.add(event));
  const auto* copy = copies.find(9);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->actor(), event.actor);
  EXPECT_EQ(copy->publish(), publish);
  EXPECT_EQ(copy->raw(), event.raw);
  EXPECT_EQ(copy->connection, event.connection);
  EXPECT_EQ(copy->time_ns, event.time_ns);
}

TEST(PublicationCopies, FindsEachLiveCopyAcrossForgettingAndCompaction) {
  PublicationCopies copies;
  for (std::uint64_t sequence = 1; sequence <= 500; ++sequence) {
    copies.add(publish_named(sequence * 2, "a" + std::to_string(sequence)));
  }
  // A long-lived copy at the front (an unsettled message) while later ones are forgotten: compaction must keep it.
  for (std::uint64_t sequence = 2; sequence <= 499; ++sequence) EXPECT_TRUE(copies.erase(sequence * 2));
  EXPECT_FALSE(copies.erase(4));   // already forgotten
  EXPECT_FALSE(copies.erase(3));   // never there
  EXPECT_EQ(copies.size(), 2u);
  ASSERT_NE(copies.find(2), nullptr);
  EXPECT_EQ(copies.find(2)->actor(), "a1");
  ASSERT_NE(copies.find(1000), nullptr);
  EXPECT_EQ(copies.find(1000)->actor(), "a500");
  EXPECT_EQ(copies.find(4), nullptr);
  // Out of sequence order: kept sorted; a sequence already present keeps its first copy, as std::map::emplace did.
  EXPECT_TRUE(copies.add(publish_named(7, "late")));
  EXPECT_FALSE(copies.add(publish_named(2, "again")));
  ASSERT_NE(copies.find(7), nullptr);
  EXPECT_EQ(copies.find(7)->actor(), "late");
  EXPECT_EQ(copies.find(2)->actor(), "a1");
  EXPECT_EQ(copies.size(), 3u);
  EXPECT_TRUE(copies.erase(2));
  EXPECT_TRUE(copies.erase(7));
  EXPECT_TRUE(copies.erase(1000));
  EXPECT_EQ(copies.size(), 0u);
  EXPECT_TRUE(copies.add(publish_named(5, "after")));
  ASSERT_NE(copies.find(5), nullptr);
  EXPECT_EQ(copies.find(5)->actor(), "after");
}

TEST(TopicTable, OneIdPerNameAndValidOnlyOnceChecked) {
  TopicTable topics;
  const auto a = topics.intern("dtu/1/telemetry");
  const auto b = topics.intern("dtu/2/telemetry");
  EXPECT_NE(a, b);
  EXPECT_EQ(topics.intern("dtu/1/telemetry"), a);
  EXPECT_EQ(topics.find("dtu/2/telemetry"), b);
  EXPECT_EQ(topics.find("dtu/3/telemetry"), no_topic);
  // A name given an id without the check (a will's, a refused connection's) is not taken as valid.
  EXPECT_FALSE(topics.valid(a));
  EXPECT_FALSE(topics.valid(no_topic));
  topics.mark_valid(a);
  EXPECT_TRUE(topics.valid(a));
  EXPECT_FALSE(topics.valid(b));
}

}  // namespace
}  // namespace mqtt::model::detail
