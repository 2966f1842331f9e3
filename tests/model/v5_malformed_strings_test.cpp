// The 5.0 string properties with a statement of their own: the codec names it, the general UTF-8 rule is judged
// with it (harness/model/v5_malformed_strings.cpp), and a U+FEFF stripped from a topic name is cited as 5.0's
// MQTT-1.5.4-3.
#include <gtest/gtest.h>

#include <algorithm>

#include "codec/decoder.hpp"
#include "model/client_rules.hpp"
#include "model/statement_citation.hpp"
#include "model/v5_malformed_strings.hpp"

namespace mqtt::model::detail {
namespace {

// The client's PUBLISH of topic "t" with one property (given whole: identifier, length, bytes) and payload "x".
Bytes publish_with_property(std::initializer_list<std::uint8_t> property) {
  Bytes body{0x00, 0x01, 't', static_cast<std::uint8_t>(property.size())};
  body.insert(body.end(), property.begin(), property.end());
  body.push_back('x');
  Bytes packet{0x30, static_cast<std::uint8_t>(body.size())};
  packet.insert(packet.end(), body.begin(), body.end());
  return packet;
}

DecodeError error_of(const Bytes& packet) {
  auto decoded = decode_packet(packet, Sender::client, ProtocolVersion::v5);
  EXPECT_TRUE(std::holds_alternative<DecodeError>(decoded));
  return std::holds_alternative<DecodeError>(decoded) ? std::get<DecodeError>(decoded) : DecodeError{};
}

// As the checker passes it on: decoded under 5.0, the error's statement carries the 5.0 mark.
DecodeError marked(DecodeError error) {
  error.statement = v5(error.statement);
  return error;
}

bool contains(const std::vector<std::string>& rules, const std::string& rule) {
  return std::find(rules.begin(), rules.end(), rule) != rules.end();
}

TEST(V5MalformedStrings, ResponseTopicNotUtf8IsNamedByItsOwnStatementAndBreaksTheGeneralRuleToo) {
  const auto packet = publish_with_property({0x08, 0x00, 0x02, 'm', 0xFF});
  const auto error = error_of(packet);
  EXPECT_EQ(error.statement, "MQTT-3.3.2-13");
  EXPECT_TRUE(contains(broken_client_rules(marked(error), packet), v5("MQTT-1.5.4-1")));
}

TEST(V5MalformedStrings, ContentTypeWithUPlus0000BreaksTheNullRule) {
  const auto packet = publish_with_property({0x03, 0x00, 0x02, 'a', 0x00});
  const auto error = error_of(packet);
  EXPECT_EQ(error.statement, "MQTT-3.3.2-19");
  const auto rules = broken_client_rules(marked(error), packet);
  EXPECT_TRUE(contains(rules, v5("MQTT-1.5.4-2")));
  EXPECT_FALSE(contains(rules, v5("MQTT-1.5.4-1")));
}

TEST(V5MalformedStrings, UserPropertyNameOrValueIsTheStringPairRule) {
  const auto name = error_of(publish_with_property({0x26, 0x00, 0x01, 0xC0, 0x00, 0x01, 'v'}));
  EXPECT_EQ(name.statement, "MQTT-1.5.7-1");
  const auto value = error_of(publish_with_property({0x26, 0x00, 0x01, 'k', 0x00, 0x02, 0xED, 0xA0}));
  EXPECT_EQ(value.statement, "MQTT-1.5.7-1");
}

TEST(V5MalformedStrings, OtherStatementsHaveNoGeneralRuleAdded) {
  EXPECT_FALSE(general_utf8_rule_of_property("MQTT-1.5.4-1", "topic name is not well-formed UTF-8").has_value());
  EXPECT_FALSE(general_utf8_rule_of_property("MQTT-3.3.2-14", "Response Topic contains '+'").has_value());
}

TEST(V5MalformedStrings, AStrippedByteOrderMarkIsCitedAs154Dash3On50Connections) {
  EXPECT_EQ(cited_statement(ProtocolVersion::v5, "MQTT-1.5.3-3"), "MQTT-1.5.4-3");
  EXPECT_EQ(cited_statement(ProtocolVersion::v3_1_1, "MQTT-1.5.3-3"), "MQTT-1.5.3-3");
}

}  // namespace
}  // namespace mqtt::model::detail
