// The limits an MQTT 5.0 CONNACK declares, and which requests they withhold (with the sentence saying why).
#include <gtest/gtest.h>

#include "client/server_limits.hpp"

namespace mqtt::client {
namespace {

Connack connack_with(Properties properties) {
  Connack connack;
  connack.version = ProtocolVersion::v5;
  connack.properties = std::move(properties);
  return connack;
}

Publish publish_of(QoS qos, bool retain = false, Properties properties = {}) {
  Publish publish;
  publish.version = ProtocolVersion::v5;
  publish.qos = qos;
  publish.retain = retain;
  publish.topic = "a/b";
  publish.packet_id = qos == QoS::at_most_once ? std::nullopt : std::optional<std::uint16_t>(1);
  publish.payload = Bytes(11, 'x');  // 21 bytes encoded at QoS 1
  publish.properties = std::move(properties);
  return publish;
}

TEST(ServerLimits, AConnackWithoutPropertiesDeclaresTheProtocolDefaults) {
  const auto limits = ServerLimits::from(connack_with({}));
  EXPECT_EQ(limits.receive_maximum, 65535);
  EXPECT_FALSE(limits.maximum_packet_size.has_value());
  EXPECT_EQ(limits.topic_alias_maximum, 0);
  EXPECT_EQ(limits.maximum_qos, QoS::exactly_once);
  EXPECT_TRUE(limits.retain_available);
  EXPECT_FALSE(publish_beyond_limits(publish_of(QoS::exactly_once, true), limits, 0).has_value());
}

TEST(ServerLimits, EachDeclaredLimitWithholdsThePublishThatBreaksIt) {
  const auto limits = ServerLimits::from(connack_with({
      {PropertyId::maximum_qos, std::uint8_t{1}},
      {PropertyId::retain_available, std::uint8_t{0}},
      {PropertyId::topic_alias_maximum, std::uint16_t{2}},
      {PropertyId::receive_maximum, std::uint16_t{3}},
      {PropertyId::maximum_packet_size, std::uint32_t{20}},
  }));
  EXPECT_EQ(publish_beyond_limits(publish_of(QoS::exactly_once), limits, 0),
            "QoS 2 is above the target's Maximum QoS 1");
  EXPECT_EQ(publish_beyond_limits(publish_of(QoS::at_most_once, true), limits, 0),
            "the target declares Retain Available 0");
  EXPECT_EQ(publish_beyond_limits(publish_of(QoS::at_most_once, false, {{PropertyId::topic_alias, std::uint16_t{3}}}),
                                  limits, 0),
            "topic alias 3 is above the target's Topic Alias Maximum 2");
  EXPECT_EQ(publish_beyond_limits(publish_of(QoS::at_least_once), limits, 3),
            "the target's Receive Maximum of 3 unacknowledged QoS 1/2 publishes is reached");
  EXPECT_EQ(publish_beyond_limits(publish_of(QoS::at_least_once), limits, 2),
            "the PUBLISH of 21 bytes is above the target's Maximum Packet Size 20");
  EXPECT_FALSE(publish_beyond_limits(publish_of(QoS::at_most_once, false, {{PropertyId::topic_alias, std::uint16_t{2}}}),
                                     ServerLimits::from(connack_with({{PropertyId::topic_alias_maximum, std::uint16_t{2}}})),
                                     0)
                   .has_value());
}

TEST(ServerLimits, SubscriptionFeaturesTheServerLacksWithholdTheSubscribe) {
  const auto limits = ServerLimits::from(connack_with({
      {PropertyId::wildcard_subscription_available, std::uint8_t{0}},
      {PropertyId::shared_subscription_available, std::uint8_t{0}},
      {PropertyId::subscription_identifier_available, std::uint8_t{0}},
  }));
  Subscribe subscribe{ProtocolVersion::v5, 1, {Subscription{"a/+", QoS::at_most_once}}, {}};
  EXPECT_EQ(subscribe_beyond_limits(subscribe, limits), "the target declares Wildcard Subscription Available 0");
  subscribe.subscriptions = {Subscription{"$share/g/a", QoS::at_most_once}};
  EXPECT_EQ(subscribe_beyond_limits(subscribe, limits), "the target declares Shared Subscription Available 0");
  subscribe.subscriptions = {Subscription{"a/b", QoS::at_most_once}};
  subscribe.properties = {{PropertyId::subscription_identifier, std::uint32_t{5}}};
  EXPECT_EQ(subscribe_beyond_limits(subscribe, limits), "the target declares Subscription Identifier Available 0");
}

TEST(ServerLimits, AThreeOneOneConnackDeclaresNothing) {
  Connack connack;
  connack.properties = {{PropertyId::maximum_qos, std::uint8_t{0}}};
  EXPECT_EQ(ServerLimits::from(connack).maximum_qos, QoS::exactly_once);
}

}  // namespace
}  // namespace mqtt::client
