// End to end through the binary: `mqtt-harness convert` on a capture without any CONNECT (exit 2, the skipped
// sessions listed) and on a DTU that reconnects under its client id (kept as one device that churns).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "harness_command.hpp"
#include "pcap_builder.hpp"

namespace mqtt::capture::test {
namespace {

TEST(ConvertCommand, ACaptureWithoutAnyConnectIsBadInputListingTheSkippedSessions) {
  TempDirectory directory("mqtt-convert-command");
  PcapBuilder builder(Link::ethernet);
  Conversation tcp({"10.0.0.2", 50500}, {"10.0.0.1", 1883});
  tcp.handshake();
  tcp.client_sends(connect_bytes("before"));
  builder.add(tcp.client_sends(publish_bytes("a/b", "one")));
  builder.add(tcp.client_sends(publish_bytes("a/b", "two")));
  const auto capture = directory.path() / "no-connect.pcap";
  builder.write(capture);
  const auto scenario = directory.path() / "scenario.json";
  const auto result = run_harness("convert " + capture.string() + " --output " + scenario.string());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("skipped #1 10.0.0.2:50500: no CONNECT in the capture"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("nothing to convert: no session's CONNECT is in the capture"), std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("internal error"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(scenario));
}

TEST(ConvertCommand, AnEmptyCaptureSaysNoMqttConnectionWasFound) {
  TempDirectory directory("mqtt-convert-command");
  const auto capture = directory.path() / "empty.pcap";
  PcapBuilder(Link::ethernet).write(capture);
  const auto result = run_harness("convert " + capture.string() + " --output " + (directory.path() / "s.json").string());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("nothing to convert: no MQTT connection found: the capture holds no frames"),
            std::string::npos)
      << result.output;
}

TEST(ConvertCommand, ADtuThatReconnectsIsKeptAsOneDevice) {
  TempDirectory directory("mqtt-convert-command");
  PcapBuilder builder(Link::ethernet);
  for (const std::uint16_t port : {50600, 50601, 50602}) {
    for (const auto& segment : qos1_session({"10.0.0.2", port}, {"10.0.0.1", 1883}, "dtu-42")) builder.add(segment);
  }
  const auto capture = directory.path() / "reconnects.pcap";
  builder.write(capture);
  const auto scenario = directory.path() / "scenario.json";
  const auto result = run_harness("convert " + capture.string() + " --output " + scenario.string());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("3 sessions under client id \"dtu-42\" are one device that reconnects"),
            std::string::npos)
      << result.output;
  std::ifstream in(scenario);
  const auto json = nlohmann::json::parse(in);
  ASSERT_EQ(json["groups"].size(), 1u);
  EXPECT_EQ(json["groups"][0]["client_id"], "dtu-42");
  EXPECT_TRUE(json["groups"][0].contains("churn"));
  EXPECT_EQ(json["groups"][0]["publish"]["topic"], "dtu/7/telemetry");
}

}  // namespace
}  // namespace mqtt::capture::test
