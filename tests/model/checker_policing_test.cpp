// Malformed and forbidden client packets: the server closes and does not answer; server bytes must decode.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "checker_expectations.hpp"
#include "checker_pub_sub.hpp"

namespace mqtt::model::testing {
namespace {

using history::CloseReason;

// ---- Malformed and forbidden packets from the client ---------------------------------------------------------------

TEST(Policing, PublishWithWildcardTopicIsNotAcknowledged_MQTT_3_3_2_2) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto bad = h.sent(1, publish("a/+", "x", QoS::at_least_once, 3));
  auto answer = h.received(1, ack<Puback>(3));
  EXPECT_VIOLATION(judge(h), "MQTT-3.3.2-2", (Evidence{bad, answer}));

  HistoryBuilder right;
  right.connected(1, "c");
  right.sent(1, publish("a/+", "x", QoS::at_least_once, 3));
  right.closed(1, CloseReason::reset);
  EXPECT_CLEAN(judge(right));
}

TEST(Policing, SubscribeWithoutFiltersClosesTheConnection_MQTT_3_8_3_3) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto bad = h.sent(1, HistoryBuilder::subscribe(4, {}));
  auto answer = h.received(1, Suback{ProtocolVersion::v3_1_1, 4, {}, {}});
  EXPECT_VIOLATION(judge(h), "MQTT-3.8.3-3", (Evidence{bad, answer}));
}

TEST(Policing, InvalidFilterIsRefusedOrClosed_MQTT_4_7_1_2) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto bad = h.sent(1, HistoryBuilder::subscribe(4, {{"a/#/b", QoS::at_most_once}}));
  auto answer = h.received(1, Suback{ProtocolVersion::v3_1_1, 4, {0}, {}});
  EXPECT_VIOLATION(judge(h), "MQTT-4.7.1-2", (Evidence{bad, answer}));

  HistoryBuilder refused;
  refused.connected(1, "c");
  refused.sent(1, HistoryBuilder::subscribe(4, {{"a/#/b", QoS::at_most_once}}));
  refused.received(1, Suback{ProtocolVersion::v3_1_1, 4, {0x80}, {}});
  EXPECT_CLEAN(judge(refused));
}

TEST(Policing, MalformedBytesAreClosedWithTheCodecStatement) {
  HistoryBuilder h;
  h.connected(1, "c");
  // PUBLISH with both QoS bits set: 0x36, remaining length 5, topic "a", packet id 1.
  auto bad = h.sent_raw(1, Bytes{0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01});
  h.after(2 * seconds);
  auto closed = h.closed(1, CloseReason::local_close);
  auto verdicts = judge(h);
  ASSERT_EQ(verdicts.violations.size(), 1u) << listing(verdicts);
  EXPECT_EQ(verdicts.violations.front().statement, "MQTT-3.3.1-4");
  EXPECT_EQ(verdicts.violations.front().evidence, (Evidence{bad, closed}));
}

TEST(Policing, ServerBytesThatDoNotDecodeAreViolations) {
  HistoryBuilder h;
  h.connected(1, "c");
  DecodeError error;
  error.statement = "MQTT-2.2.2-1";
  error.message = "reserved flags of SUBACK are not 0000";
  auto bad = h.decode_error(1, error);
  EXPECT_VIOLATION(judge(h), "MQTT-2.2.2-1", (Evidence{bad}));
}
}  // namespace
}  // namespace mqtt::model::testing
