// The MQTT 5.0 defects of branch v5flow, each switched on alone: the behaviour it names, next to the sound broker's
// answer to the same steps. The checker must catch each under its statement (DefectDetection).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "broker/broker.hpp"
#include "mqtt5_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;
using namespace std::chrono_literals;

std::unique_ptr<EmbeddedBroker> broker_with(std::optional<Defect> defect) {
  BrokerOptions options;
  if (defect) options.defects.insert(*defect);
  return std::make_unique<EmbeddedBroker>(std::move(options));
}

TEST(BrokerV5FlowDefect, SubackGrantsAboveRequest) {  // breaks MQTT-3.8.4-7
  for (const bool defective : {false, true}) {
    auto broker = broker_with(defective ? std::optional(Defect::suback_grants_above_request) : std::nullopt);
    auto client = connect5(broker->port(), "c");
    const auto suback =
        subscribe5(*client, {subscription("s/zero", QoS::at_most_once), subscription("s/one", QoS::at_least_once),
                             subscription("s/two", QoS::exactly_once)});
    EXPECT_EQ(suback.reason_codes, (std::vector<std::uint8_t>{0, defective ? std::uint8_t{2} : std::uint8_t{1}, 2}));
  }
}

TEST(BrokerV5FlowDefect, UnsubackCodesReversed) {  // breaks MQTT-3.11.3-1
  for (const bool defective : {false, true}) {
    auto broker = broker_with(defective ? std::optional(Defect::unsuback_codes_reversed) : std::nullopt);
    auto client = connect5(broker->port(), "c");
    subscribe5(*client, {subscription("u/held", QoS::at_least_once)});
    client->send(Unsubscribe{ProtocolVersion::v5, 2, {"u/held", "u/never"}, {}});
    const auto unsuback = client->expect<Unsuback>();
    std::vector<std::uint8_t> in_order{0x00, 0x11};
    if (defective) std::reverse(in_order.begin(), in_order.end());
    EXPECT_EQ(unsuback.reason_codes, in_order);
  }
}

TEST(BrokerV5FlowDefect, AnswersHeldAtZeroQuota) {  // breaks MQTT-3.3.4-10
  for (const bool defective : {false, true}) {
    auto broker = broker_with(defective ? std::optional(Defect::answers_held_at_zero_quota) : std::nullopt);
    auto receiver = connect5(broker->port(), "receiver", true, properties(PropertyId::receive_maximum, std::uint16_t{1}));
    subscribe5(*receiver, {subscription("q/t", QoS::at_least_once)});
    auto sender = connect5(broker->port(), "sender");
    sender->publish("q/t", "1", QoS::at_least_once, false, 1);
    receiver->expect<Publish>();  // unacknowledged: the quota is at zero
    receiver->send(Pingreq{ProtocolVersion::v5});
    if (defective) {
      EXPECT_THROW(receiver->expect<Pingresp>(500ms), std::runtime_error);  // held back as if it were a PUBLISH
    } else {
      receiver->expect<Pingresp>();
    }
  }
}

TEST(BrokerV5FlowDefect, TopicEmptyLevelsCollapsed) {  // breaks MQTT-4.7.3-4
  for (const bool defective : {false, true}) {
    auto broker = broker_with(defective ? std::optional(Defect::topic_empty_levels_collapsed) : std::nullopt);
    auto receiver = connect5(broker->port(), "receiver");
    subscribe5(*receiver, {subscription("n/#", QoS::at_least_once)});
    auto sender = connect5(broker->port(), "sender");
    sender->publish("n/a//b", "x", QoS::at_least_once, false, 1);
    EXPECT_EQ(receiver->expect<Publish>().topic, defective ? "n/a/b" : "n/a//b");
  }
}

TEST(BrokerV5FlowDefect, RedeliveryReordered) {  // breaks MQTT-4.6.0-1
  for (const bool defective : {false, true}) {
    auto broker = broker_with(defective ? std::optional(Defect::redelivery_reordered) : std::nullopt);
    const auto a_minute = properties(PropertyId::session_expiry_interval, std::uint32_t{60});
    {
      auto receiver = connect5(broker->port(), "receiver", true, a_minute);
      subscribe5(*receiver, {subscription("r/t", QoS::at_least_once)});
      auto sender = connect5(broker->port(), "sender");
      sender->publish("r/t", "1", QoS::at_least_once, false, 1);
      sender->publish("r/t", "2", QoS::at_least_once, false, 2);
      receiver->expect<Publish>();
      receiver->expect<Publish>();
    }  // the receiver's connection ends with both unacknowledged
    auto resumed = connect5(broker->port(), "receiver", false, a_minute);
    const auto first = resumed->expect<Publish>();
    const auto second = resumed->expect<Publish>();
    EXPECT_TRUE(first.dup && second.dup);
    EXPECT_EQ(text(first.payload), defective ? "2" : "1");
    EXPECT_EQ(text(second.payload), defective ? "1" : "2");
  }
}

}  // namespace
}  // namespace mqtt::broker
