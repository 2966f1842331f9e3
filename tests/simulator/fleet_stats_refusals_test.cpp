// Messages a 5.0 broker refused (PUBACK or PUBREC reason code 0x80 or more, simulator/fleet_stats_refusals.cpp):
// owed to nobody, so counted as `refused`, never as expected deliveries or lost. Fed event by event.
#include <gtest/gtest.h>

#include "simulator/fleet_stats.hpp"

namespace mqtt::simulator {
namespace {

using history::Event;
using history::EventKind;

class Refusals : public testing::Test {
 protected:
  // The observer subscribes to every device's telemetry at QoS 1 on connection 1.
  void SetUp() override {
    Connect connect;
    connect.version = ProtocolVersion::v5;
    connect.client_id = "backend";
    Subscribe subscribe;
    subscribe.version = ProtocolVersion::v5;
    subscribe.packet_id = 1;
    subscribe.subscriptions = {Subscription{"dtu/+/telemetry", QoS::at_least_once}};
    feed(0, 1, "backend", EventKind::sent, connect);
    feed(1, 1, "backend", EventKind::sent, subscribe);
  }

  void feed(std::int64_t time_ms, std::uint32_t connection, const std::string& actor, EventKind kind,
            Packet packet) {
    Event event;
    event.sequence = ++sequence_;
    event.time_ns = time_ms * 1'000'000;
    event.connection = connection;
    event.actor = actor;
    event.kind = kind;
    event.packet = std::move(packet);
    statistics_.observe(event);
  }

  // Device dtu-1 (connection 2) sends its message `number` under `packet_id`.
  void send(std::int64_t time_ms, std::uint64_t number, std::uint16_t packet_id, QoS qos = QoS::at_least_once,
            ProtocolVersion version = ProtocolVersion::v5, bool dup = false) {
    Publish publish;
    publish.version = version;
    publish.topic = "dtu/dtu-1/telemetry";
    const std::string payload = message_token("dtu-1", number) + "....";
    publish.payload = Bytes(payload.begin(), payload.end());
    publish.qos = qos;
    publish.packet_id = packet_id;
    publish.dup = dup;
    feed(time_ms, 2, "dtu-1", EventKind::sent, publish);
  }

  template <typename Acknowledgement>
  void acknowledge(std::int64_t time_ms, std::uint16_t packet_id, std::uint8_t reason_code,
                   ProtocolVersion version = ProtocolVersion::v5) {
    Acknowledgement acknowledgement;
    acknowledgement.version = version;
    acknowledgement.packet_id = packet_id;
    acknowledgement.reason_code = reason_code;
    feed(time_ms, 2, "dtu-1", EventKind::received, acknowledgement);
  }

  nlohmann::json messages() const { return statistics_.finish()["messages"]; }

  FleetStatistics statistics_{FleetSpec{}};
  std::uint64_t sequence_ = 0;
};

TEST_F(Refusals, AMessageRefusedByPubackIsNeitherExpectedNorLost) {
  send(10, 1, 7);
  acknowledge<Puback>(11, 7, 0x87);  // not authorized
  const auto figures = messages();
  EXPECT_EQ(figures["published"], 1);
  EXPECT_EQ(figures.value("refused", -1), 1);
  EXPECT_EQ(figures["expected_deliveries"], 0);
  EXPECT_EQ(figures["lost"], 0);
  EXPECT_EQ(statistics_.tracked(), 2u) << "dtu-1's numbers seen sent and the message's place in the order: no message, no request";
}

TEST_F(Refusals, AMessageRefusedByPubrecIsNeitherExpectedNorLost) {
  send(10, 1, 7, QoS::exactly_once);
  acknowledge<Pubrec>(11, 7, 0x97);  // quota exceeded
  const auto figures = messages();
  EXPECT_EQ(figures.value("refused", -1), 1);
  EXPECT_EQ(figures["expected_deliveries"], 0);
  EXPECT_EQ(figures["lost"], 0);
}

// The acknowledgement names the message by packet id only: the refusal applies to the message sent under that id
// on that connection, not to its neighbours.
TEST_F(Refusals, OnlyTheMessageUnderTheRefusedIdIsRefused) {
  send(10, 1, 7);
  send(11, 2, 8);
  send(12, 3, 9);
  acknowledge<Puback>(13, 7, 0x00);
  acknowledge<Puback>(14, 8, 0x87);
  acknowledge<Puback>(15, 9, 0x10);  // "no matching subscribers": a success code, still owed
  const auto figures = messages();
  EXPECT_EQ(figures["published"], 3);
  EXPECT_EQ(figures.value("refused", -1), 1);
  EXPECT_EQ(figures["expected_deliveries"], 2);
  EXPECT_EQ(figures["lost"], 2);
}

// A retry of a refused message is the same message: refused once.
TEST_F(Refusals, ARefusedResendCountsOnce) {
  send(10, 1, 7);
  send(20, 1, 7, QoS::at_least_once, ProtocolVersion::v5, true);
  acknowledge<Puback>(21, 7, 0x87);
  send(30, 1, 8, QoS::at_least_once, ProtocolVersion::v5, true);
  acknowledge<Puback>(31, 8, 0x87);
  const auto figures = messages();
  EXPECT_EQ(figures["published"], 1);
  EXPECT_EQ(figures.value("refused", -1), 1);
  EXPECT_EQ(figures["lost"], 0);
}

// Refused while nobody subscribed: still a refused message, and nothing expected of it.
TEST_F(Refusals, AMessageNobodyAwaitsIsRefusedToo) {
  Publish publish;
  publish.version = ProtocolVersion::v5;
  publish.topic = "dtu/dtu-1/status";
  const std::string payload = message_token("dtu-1", 1) + "..";
  publish.payload = Bytes(payload.begin(), payload.end());
  publish.qos = QoS::at_least_once;
  publish.packet_id = 3;
  feed(10, 2, "dtu-1", EventKind::sent, publish);
  acknowledge<Puback>(11, 3, 0x87);
  const auto figures = messages();
  EXPECT_EQ(figures.value("refused", -1), 1);
  EXPECT_EQ(figures["expected_deliveries"], 0);
}

// After its connection closed no acknowledgement of its requests can come; a later one with the same id on a new
// connection is about that connection's own message.
TEST_F(Refusals, AClosedConnectionForgetsItsRequests) {
  send(10, 1, 7);
  Event closed;
  closed.sequence = ++sequence_;
  closed.time_ns = 12'000'000;
  closed.connection = 2;
  closed.actor = "dtu-1";
  closed.kind = EventKind::closed;
  statistics_.observe(closed);
  acknowledge<Puback>(13, 7, 0x87);
  const auto figures = messages();
  EXPECT_EQ(figures.value("refused", -1), 0);
  EXPECT_EQ(figures["lost"], 1);
  EXPECT_EQ(statistics_.tracked(), 3u) << "the message awaited, its place in the order, dtu-1's seen numbers; no request";
}

}  // namespace
}  // namespace mqtt::simulator
