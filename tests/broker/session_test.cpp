#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "broker/session.hpp"

namespace mqtt::broker {
namespace {

Delivery delivery(QoS qos) {
  auto message = std::make_shared<Message>();
  message->topic = "a/b";
  message->payload = {'x'};
  message->qos = qos;
  Delivery result;
  result.message = message;
  result.qos = qos;
  return result;
}

TEST(BrokerSession, AssignsDistinctNonZeroPacketIdsInSendOrder) {
  Session session("client", session_never_expires);
  const auto first = session.start_in_flight(delivery(QoS::at_least_once)).packet_id;
  const auto second = session.start_in_flight(delivery(QoS::exactly_once)).packet_id;
  EXPECT_NE(first, 0);
  EXPECT_NE(first, second);
  ASSERT_EQ(session.in_flight().size(), 2u);
  EXPECT_EQ(session.in_flight()[0].packet_id, first);
  EXPECT_EQ(session.in_flight()[1].stage, InFlight::Stage::awaiting_pubrec);
}

TEST(BrokerSession, Qos2OutgoingNeedsPubrecThenPubcomp) {
  Session session("client", session_never_expires);
  const auto id = session.start_in_flight(delivery(QoS::exactly_once)).packet_id;
  EXPECT_FALSE(session.acknowledge_pubcomp(id));  // PUBCOMP before PUBREC is not accepted
  EXPECT_TRUE(session.acknowledge_pubrec(id));
  EXPECT_EQ(session.in_flight().front().stage, InFlight::Stage::awaiting_pubcomp);
  EXPECT_TRUE(session.acknowledge_pubcomp(id));
  EXPECT_EQ(session.in_flight_count(), 0u);
}

TEST(BrokerSession, PubackOnlyReleasesQos1) {
  Session session("client", session_never_expires);
  const auto id = session.start_in_flight(delivery(QoS::exactly_once)).packet_id;
  EXPECT_FALSE(session.acknowledge_puback(id));
  EXPECT_EQ(session.in_flight_count(), 1u);
}

TEST(BrokerSession, IncomingQos2IsNewOnlyUntilReleased) {
  Session session("client", session_never_expires);
  EXPECT_TRUE(session.receive_qos2(7));
  EXPECT_FALSE(session.receive_qos2(7));  // re-sent before PUBREL: must not be routed again
  session.release_qos2(7);
  EXPECT_TRUE(session.receive_qos2(7));
}

TEST(BrokerSession, QueueIsBoundedAndFifo) {
  Session session("client", session_never_expires);
  EXPECT_TRUE(session.enqueue(delivery(QoS::at_least_once), 2));
  EXPECT_TRUE(session.enqueue(delivery(QoS::exactly_once), 2));
  EXPECT_FALSE(session.enqueue(delivery(QoS::at_least_once), 2));
  EXPECT_EQ(session.dropped(), 1u);
  EXPECT_EQ(session.dequeue()->qos, QoS::at_least_once);
  EXPECT_EQ(session.dequeue()->qos, QoS::exactly_once);
  EXPECT_FALSE(session.dequeue().has_value());
}

TEST(BrokerSession, AFailedPubrecEndsTheExchange) {  // MQTT-4.4.0-2: not re-sent, no PUBCOMP awaited
  Session session("client", session_never_expires);
  const auto id = session.start_in_flight(delivery(QoS::exactly_once)).packet_id;
  EXPECT_FALSE(session.reject_pubrec(static_cast<std::uint16_t>(id + 1)));
  EXPECT_TRUE(session.reject_pubrec(id));
  EXPECT_EQ(session.in_flight_count(), 0u);
}

TEST(BrokerSession, ExpiryIntervalZeroEndsWithTheConnection) {
  EXPECT_TRUE(Session("a", 0).ends_with_connection());
  EXPECT_FALSE(Session("b", 10).ends_with_connection());
  EXPECT_FALSE(Session("c", session_never_expires).ends_with_connection());
}

TEST(BrokerSession, PacketIdsSkipThoseStillInFlight) {
  Session session("client", session_never_expires);
  std::set<std::uint16_t> seen;
  for (int i = 0; i < 70'000; ++i) {
    const auto id = session.start_in_flight(delivery(QoS::at_least_once)).packet_id;
    ASSERT_NE(id, 0);
    if (i == 0) continue;  // keep the first one in flight throughout
    ASSERT_NE(id, session.in_flight().front().packet_id);
    ASSERT_TRUE(session.acknowledge_puback(id));
  }
}

}  // namespace
}  // namespace mqtt::broker
