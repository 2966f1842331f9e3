// The client's Maximum Packet Size on what the embedded broker answers: a Reason String explains an UNSUBACK
// of 0x11 where it fits and is left out where it would not [MQTT-3.11.2-1]; the two trimming defects keep a
// Reason String or a User Property beyond the limit, which is what the checker must catch.
#include <gtest/gtest.h>

#include <memory>

#include "broker/broker.hpp"
#include "codec/encoder.hpp"
#include "mqtt5_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;

constexpr std::uint32_t small_maximum = 64;

class BrokerV5PacketSize : public ::testing::Test {
 protected:
  void start(std::optional<Defect> defect = std::nullopt) {
    BrokerOptions options;
    if (defect) options.defects.insert(*defect);
    broker_ = std::make_unique<EmbeddedBroker>(std::move(options));
  }
  // An UNSUBACK for a filter never subscribed (reason code 0x11) on a connection with or without the small limit.
  std::pair<Unsuback, std::size_t> unsuback_for_unknown_filter(bool limited) {
    auto client = connect5(broker_->port(), limited ? "limited" : "unlimited", true,
                           limited ? properties(PropertyId::maximum_packet_size, small_maximum) : Properties{});
    client->send(Unsubscribe{ProtocolVersion::v5, 7, {"size/never/subscribed"}, {}});
    Unsuback unsuback = client->expect<Unsuback>();
    return {unsuback, client->last_bytes().size()};
  }

  std::unique_ptr<EmbeddedBroker> broker_;
};

TEST_F(BrokerV5PacketSize, ExplainsAnUnsubackWhereItFits) {
  start();
  const auto [unsuback, size] = unsuback_for_unknown_filter(false);
  ASSERT_EQ(unsuback.reason_codes, std::vector<std::uint8_t>{0x11});
  EXPECT_TRUE(contains(unsuback.properties, PropertyId::reason_string));
  EXPECT_GT(size, small_maximum);  // so the limited client below needs it left out
}

TEST_F(BrokerV5PacketSize, LeavesTheReasonStringOutBeyondTheClientsMaximum) {  // MQTT-3.11.2-1
  start();
  const auto [unsuback, size] = unsuback_for_unknown_filter(true);
  ASSERT_EQ(unsuback.reason_codes, std::vector<std::uint8_t>{0x11});
  EXPECT_FALSE(contains(unsuback.properties, PropertyId::reason_string));
  EXPECT_LE(size, small_maximum);
}

TEST_F(BrokerV5PacketSize, ReasonStringDefectKeepsItBeyondTheMaximum) {  // breaks MQTT-3.9.2-1 and its kin
  start(Defect::reason_string_beyond_maximum_packet_size);
  const auto [unsuback, size] = unsuback_for_unknown_filter(true);
  EXPECT_TRUE(contains(unsuback.properties, PropertyId::reason_string));
  EXPECT_GT(size, small_maximum);
}

TEST_F(BrokerV5PacketSize, UserPropertyDefectKeepsItBeyondTheMaximum) {  // breaks MQTT-3.9.2-2 and its kin
  start(Defect::user_property_beyond_maximum_packet_size);
  const auto [unsuback, size] = unsuback_for_unknown_filter(true);
  EXPECT_FALSE(contains(unsuback.properties, PropertyId::reason_string));  // that one is still left out
  EXPECT_TRUE(contains(unsuback.properties, PropertyId::user_property));
  EXPECT_GT(size, small_maximum);
}

}  // namespace
}  // namespace mqtt::broker
