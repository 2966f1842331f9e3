// What became of each connection attempt in a history: accepted, refused by code, unanswered, failed reconnects.
#include "simulator/connect_outcomes.hpp"

#include <gtest/gtest.h>

namespace mqtt::simulator {
namespace {

using history::EventKind;

class HistoryBuilder {
 public:
  HistoryBuilder& open(std::uint32_t connection, const std::string& actor) {
    return add(connection, actor, EventKind::open, std::nullopt);
  }
  HistoryBuilder& open_failed(const std::string& actor) { return add(0, actor, EventKind::open_failed, std::nullopt); }
  HistoryBuilder& connect(std::uint32_t connection, const std::string& actor) {
    Connect connect;
    connect.client_id = actor;
    return add(connection, actor, EventKind::sent, Packet(connect));
  }
  HistoryBuilder& connack(std::uint32_t connection, const std::string& actor, std::uint8_t code,
                          ProtocolVersion version = ProtocolVersion::v3_1_1) {
    Connack connack;
    connack.version = version;
    connack.reason_code = code;
    return add(connection, actor, EventKind::received, Packet(connack));
  }
  HistoryBuilder& closed(std::uint32_t connection, const std::string& actor) {
    return add(connection, actor, EventKind::closed, std::nullopt);
  }
  const history::History& history() const { return history_; }

 private:
  HistoryBuilder& add(std::uint32_t connection, const std::string& actor, EventKind kind, std::optional<Packet> packet) {
    history::Event event;
    event.sequence = history_.events.size() + 1;
    event.time_ns = static_cast<std::int64_t>(event.sequence) * 1'000'000;
    event.connection = connection;
    event.actor = actor;
    event.kind = kind;
    event.packet = std::move(packet);
    history_.events.push_back(std::move(event));
    return *this;
  }
  history::History history_;
};

TEST(ConnectOutcomes, CountsAcceptedRefusedAndUnansweredConnects) {
  HistoryBuilder builder;
  builder.open(1, "a").connect(1, "a").connack(1, "a", 0);
  builder.open(2, "b").connect(2, "b").connack(2, "b", 5).closed(2, "b");
  builder.open(3, "c").connect(3, "c").closed(3, "c");  // the server closed without a CONNACK
  builder.open(4, "d").connect(4, "d");                  // still waiting when the history ended
  builder.open_failed("e");
  const auto outcomes = connect_outcomes(builder.history());
  EXPECT_EQ(outcomes.opened, 4u);
  EXPECT_EQ(outcomes.open_failures, 1u);
  EXPECT_EQ(outcomes.connects_sent, 4u);
  EXPECT_EQ(outcomes.accepted, 1u);
  EXPECT_EQ(outcomes.refused_total(), 1u);
  EXPECT_EQ(outcomes.refused.at(5), 1u);
  EXPECT_EQ(outcomes.usual_refusal(), 5);
  EXPECT_EQ(outcomes.unanswered, 2u);
  EXPECT_EQ(outcomes.accepted_actors, std::set<std::string>({"a"}));
  EXPECT_EQ(outcomes.last_attempt_failed, std::set<std::string>({"b", "c", "d", "e"}));
}

TEST(ConnectOutcomes, AReconnectWithoutConnackLeavesTheClientUnconnected) {
  HistoryBuilder builder;
  builder.open(1, "dtu").connect(1, "dtu").connack(1, "dtu", 0).closed(1, "dtu");
  builder.open(2, "dtu").connect(2, "dtu").closed(2, "dtu");  // reconnect: CONNECT lost in a partition
  builder.open(3, "dtu").connect(3, "dtu");                   // and again, until the run ended
  builder.open(4, "ok").connect(4, "ok").connack(4, "ok", 0).closed(4, "ok");
  builder.open(5, "ok").connect(5, "ok").connack(5, "ok", 0);
  const auto outcomes = connect_outcomes(builder.history());
  EXPECT_EQ(outcomes.reconnects, 3u);
  EXPECT_EQ(outcomes.reconnects_unanswered, 2u);
  EXPECT_EQ(outcomes.last_attempt_failed, std::set<std::string>({"dtu"}));
  EXPECT_EQ(outcomes.accepted_actors, std::set<std::string>({"dtu", "ok"}));
}

TEST(ConnectOutcomes, AClientThatLeftAfterBeingAcceptedEndsConnectedAsFarAsAttemptsGo) {
  HistoryBuilder builder;
  builder.open(1, "dtu").connect(1, "dtu").connack(1, "dtu", 0).closed(1, "dtu");  // churned away on purpose
  const auto outcomes = connect_outcomes(builder.history());
  EXPECT_TRUE(outcomes.last_attempt_failed.empty());
  EXPECT_EQ(outcomes.unanswered, 0u);
}

TEST(ConnectOutcomes, TheMostFrequentRefusalAndItsVersionAreKept) {
  HistoryBuilder builder;
  builder.open(1, "a").connect(1, "a").connack(1, "a", 0x87, ProtocolVersion::v5);
  builder.open(2, "b").connect(2, "b").connack(2, "b", 0x86, ProtocolVersion::v5);
  builder.open(3, "c").connect(3, "c").connack(3, "c", 0x86, ProtocolVersion::v5);
  const auto outcomes = connect_outcomes(builder.history());
  EXPECT_EQ(outcomes.usual_refusal(), 0x86);
  EXPECT_EQ(outcomes.refused_version, ProtocolVersion::v5);
  EXPECT_EQ(outcomes.refused_total(), 3u);
}

}  // namespace
}  // namespace mqtt::simulator
