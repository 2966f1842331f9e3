// The broker's bounds: CONNECT timeout, in-flight window, per-session queue. Bounded memory is a promise too.
#include <gtest/gtest.h>

#include <memory>

#include "broker/broker.hpp"
#include "raw_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;

TEST(BrokerLimits, ClosesConnectionsThatNeverSendConnect) {
  BrokerOptions options;
  options.connect_timeout = 200ms;
  EmbeddedBroker broker(options);
  RawClient idle(broker.port());
  EXPECT_TRUE(idle.closed_within(5s));
}

TEST(BrokerLimits, KeepsAtMostTheInFlightLimitUnacknowledged) {
  BrokerOptions options;
  options.in_flight_limit = 2;
  EmbeddedBroker broker(options);
  RawClient subscriber(broker.port());
  subscriber.connect("slow");
  subscriber.subscribe("w", QoS::at_least_once);
  RawClient publisher(broker.port());
  publisher.connect("publisher");
  for (int i = 0; i < 4; ++i) publisher.publish("w", std::to_string(i), QoS::at_least_once);

  const Publish first = subscriber.expect<Publish>();
  const Publish second = subscriber.expect<Publish>();
  subscriber.ping();  // the third is held back until a slot frees
  subscriber.send(Puback{ProtocolVersion::v3_1_1, *first.packet_id, 0, {}});
  EXPECT_EQ(text(subscriber.expect<Publish>().payload), "2");
  EXPECT_EQ(text(second.payload), "1");
}

TEST(BrokerLimits, DropsMessagesBeyondTheSessionQueueLimit) {
  BrokerOptions options;
  options.session_queue_limit = 2;
  EmbeddedBroker broker(options);
  {
    RawClient subscriber(broker.port());
    subscriber.connect("away", false);
    subscriber.subscribe("q", QoS::at_least_once);
    subscriber.disconnect();
    EXPECT_TRUE(subscriber.closed_within());
  }
  RawClient publisher(broker.port());
  publisher.connect("publisher");
  for (int i = 0; i < 5; ++i) publisher.publish("q", std::to_string(i), QoS::at_least_once);

  RawClient subscriber(broker.port());
  EXPECT_TRUE(subscriber.connect("away", false).session_present);
  EXPECT_EQ(text(subscriber.expect<Publish>().payload), "0");
  EXPECT_EQ(text(subscriber.expect<Publish>().payload), "1");
  subscriber.ping();  // nothing else was kept
  EXPECT_EQ(broker.statistics().messages_dropped, 3u);
}

}  // namespace
}  // namespace mqtt::broker
