// The MQTT 5.0 keys of case files: typed values from valid steps, one-line FILE:LINE:COL errors for bad values,
// and a 5.0 key in a 3.1.1 case refused rather than ignored.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runner/case_loader.hpp"

namespace mqtt::runner {
namespace {

const CaseValidation no_catalog{.check_statements = false};

std::string error_of(const std::string& text) {
  try {
    parse_case_file("cases.json", text, no_catalog);
  } catch (const DataFileError& error) {
    return error.what();
  }
  return "no error";
}

// A file whose only case has the given steps, one per line from line 8; `version` is the file's "mqtt".
std::string file_with_steps(const std::vector<std::string>& steps, const std::string& version = "5.0") {
  std::string text =
      "{\n"                                                // 1
      "  \"mqtt\": \"" + version + "\",\n"                 // 2
      "  \"cases\": [\n"                                   // 3
      "    {\"id\": \"test.one\", \"title\": \"t\",\n"     // 4
      "     \"section\": \"3.3.2\",\n"                     // 5
      "     \"statements\": [\"MQTT-3.3.2-17\"],\n"        // 6
      "     \"steps\": [\n";                               // 7
  for (std::size_t index = 0; index < steps.size(); ++index) {
    text += "       " + steps[index] + (index + 1 < steps.size() ? ",\n" : "\n");
  }
  text += "     ]}\n  ]\n}\n";
  return text;
}

TEST(CaseLoaderMqtt5, TheFilesMqttKeyIsTheDefaultOfItsCases) {
  const auto cases = parse_case_file("cases.json", file_with_steps({R"({"connect": "a"})"}), no_catalog);
  EXPECT_EQ(cases.at(0).mqtt, ProtocolVersion::v5);
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a"})"}, "6.0")),
            "cases.json:2:3: key \"mqtt\": must be \"3.1.1\", \"3.1\" or \"5.0\"");
}

TEST(CaseLoaderMqtt5, ReadsConnectPropertiesAndWillProperties) {
  const auto cases = parse_case_file(
      "cases.json",
      file_with_steps({R"({"connect": "a", "session_expiry": 4294967295, "receive_maximum": 2, "maximum_packet_size": 128, "topic_alias_maximum": 0, "request_problem_information": false, "request_response_information": true, "authentication_method": "m", "user_properties": [["k", "{prefix}"], ["k", "2"]], "will": {"topic": "{prefix}/w", "delay": 5, "message_expiry": 9, "content_type": "text/plain", "payload_format": 1, "user_properties": [["z", "1"]]}})"}),
      no_catalog);
  const Step& connect = cases.at(0).steps.at(0);
  EXPECT_EQ(connect.connect_properties.session_expiry, 4294967295u);
  EXPECT_EQ(connect.connect_properties.receive_maximum, 2);
  EXPECT_EQ(connect.connect_properties.maximum_packet_size, 128u);
  EXPECT_EQ(connect.connect_properties.topic_alias_maximum, 0);
  EXPECT_EQ(connect.connect_properties.request_problem_information, false);
  EXPECT_EQ(connect.connect_properties.request_response_information, true);
  EXPECT_EQ(connect.connect_properties.authentication_method, "m");
  EXPECT_EQ(connect.connect_properties.user_properties, (std::vector<StringPair>{{"k", "{prefix}"}, {"k", "2"}}));
  ASSERT_TRUE(connect.will.has_value());
  EXPECT_EQ(connect.will->delay, 5u);
  EXPECT_EQ(connect.will->properties.message_expiry, 9u);
  EXPECT_EQ(connect.will->properties.content_type, "text/plain");
  EXPECT_EQ(connect.will->properties.payload_format, 1);
  EXPECT_EQ(connect.will->properties.user_properties.size(), 1u);
}

TEST(CaseLoaderMqtt5, ReadsPublishSubscribeDisconnectAndAcknowledgeKeys) {
  const auto cases = parse_case_file(
      "cases.json",
      file_with_steps({
          R"({"connect": "a"})",
          R"({"subscribe": "a", "filters": [{"filter": "{prefix}/#", "qos": 2, "no_local": true, "retain_as_published": true, "retain_handling": 2}], "subscription_identifier": 268435455, "user_properties": [["s", "1"]]})",
          R"({"publish": "a", "topic": "{prefix}/t", "topic_alias": 3, "message_expiry": 0, "payload_format": 0, "content_type": "c", "response_topic": "{prefix}/r", "correlation_data_hex": "00 ff", "user_properties": [["u", "v"]], "beyond_limits": true})",
          R"({"publish": "a", "topic": "", "topic_alias": 3})",
          R"({"acknowledge": "a", "reason_code": 128})",
          R"({"unsubscribe": "a", "filters": ["{prefix}/#"], "user_properties": [["x", "y"]]})",
          R"({"disconnect": "a", "reason_code": 4, "session_expiry": 0, "user_properties": [["why", "test"]]})",
      }),
      no_catalog);
  const auto& steps = cases.at(0).steps;
  const FilterTemplate& filter = steps.at(1).filters.at(0);
  EXPECT_TRUE(filter.no_local);
  EXPECT_TRUE(filter.retain_as_published);
  EXPECT_EQ(filter.retain_handling, 2);
  EXPECT_EQ(steps.at(1).subscription_identifier, 268435455u);
  EXPECT_EQ(steps.at(2).topic_alias, 3);
  EXPECT_EQ(steps.at(2).message_properties.message_expiry, 0u);
  EXPECT_EQ(steps.at(2).message_properties.correlation_bytes, (Bytes{0x00, 0xff}));
  EXPECT_EQ(steps.at(2).message_properties.response_topic, "{prefix}/r");
  EXPECT_TRUE(steps.at(2).beyond_limits);
  EXPECT_EQ(steps.at(3).topic, "");
  EXPECT_EQ(steps.at(4).kind, StepKind::acknowledge);
  EXPECT_EQ(steps.at(4).reason_code, 128);
  EXPECT_EQ(steps.at(5).user_properties.size(), 1u);
  EXPECT_EQ(steps.at(6).reason_code, 4);
  EXPECT_EQ(steps.at(6).session_expiry, 0u);
}

TEST(CaseLoaderMqtt5, AFiveKeyInAThreeOneOneCaseNamesTheKey) {
  // Line 8 is `       {"connect": "a", "session_expiry": 5}`: "session_expiry" starts at column 25.
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a", "session_expiry": 5})"}, "3.1.1")),
            "cases.json:8:25: key \"cases[0].steps[0].session_expiry\": is an MQTT 5.0 key: the case needs "
            "\"mqtt\": \"5.0\"");
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a"})", R"({"acknowledge": "a", "reason_code": 128})"}, "3.1.1")),
            "cases.json:9:29: key \"cases[0].steps[1].reason_code\": is an MQTT 5.0 key: the case needs "
            "\"mqtt\": \"5.0\"");
}

TEST(CaseLoaderMqtt5, BadValuesPointAtTheirKey) {
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a", "receive_maximum": 0})"})),
            "cases.json:8:25: key \"cases[0].steps[0].receive_maximum\": must be an integer from 1 to 65535");
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a", "session_expiry": 4294967296})"})),
            "cases.json:8:25: key \"cases[0].steps[0].session_expiry\": must be an integer from 0 to 4294967295");
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a", "user_properties": [["only-a-name"]]})"})),
            "cases.json:8:45: key \"cases[0].steps[0].user_properties[0]\": must be a pair of strings "
            "[\"name\", \"value\"]");
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a"})",
                                      R"({"subscribe": "a", "filters": [{"filter": "t", "retain_handling": 3}]})"})),
            "cases.json:9:55: key \"cases[0].steps[1].filters[0].retain_handling\": must be an integer from 0 to 2");
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a"})",
                                      R"({"subscribe": "a", "filters": [{"filter": "t"}], "subscription_identifier": 0})"})),
            "cases.json:9:57: key \"cases[0].steps[1].subscription_identifier\": must be an integer from 1 to "
            "268435455");
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a"})", R"({"publish": "a", "topic": "t", "topic_alias": 0})"})),
            "cases.json:9:39: key \"cases[0].steps[1].topic_alias\": must be an integer from 1 to 65535");
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a"})", R"({"publish": "a", "topic": ""})"})),
            "cases.json:9:25: key \"cases[0].steps[1].topic\": must not be empty (an empty topic needs a "
            "topic_alias)");
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a"})", R"({"publish": "a", "topic": "t", "payload_format": 2})"})),
            "cases.json:9:39: key \"cases[0].steps[1].payload_format\": must be an integer from 0 to 1");
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a"})",
                                      R"({"publish": "a", "topic": "t", "correlation_data": "x", "correlation_data_hex": "00"})"})),
            "cases.json:9:64: key \"cases[0].steps[1].correlation_data_hex\": give either correlation_data or "
            "correlation_data_hex, not both");
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a", "will": {"topic": "t", "delay": -1}})"})),
            "cases.json:8:48: key \"cases[0].steps[0].will.delay\": must be an integer from 0 to 4294967295");
}

TEST(CaseLoaderMqtt5, PlaceholdersInUserPropertiesAreChecked) {
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "a", "user_properties": [["k", "{client:nobody}"]]})"})),
            "cases.json:8:51: key \"cases[0].steps[0].user_properties[0][1]\": placeholder {client:nobody} names "
            "client \"nobody\", which no step uses");
}

TEST(CaseLoaderMqtt5, TheEmbeddedFiveSuiteIsAllFiveAndClaimsOnlyCatalogStatements) {
  const auto cases = load_embedded_cases();
  std::size_t five = 0;
  for (const auto& one : cases) {
    if (one.file.find("/v5-") == std::string::npos) {
      EXPECT_NE(one.mqtt, ProtocolVersion::v5) << one.id;
      continue;
    }
    ++five;
    EXPECT_EQ(one.mqtt, ProtocolVersion::v5) << one.id;
    EXPECT_TRUE(one.id.starts_with("v5.")) << one.id;
  }
  EXPECT_GE(five, 100u);
}

}  // namespace
}  // namespace mqtt::runner
