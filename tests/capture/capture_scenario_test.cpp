// convert: the scenario made from a capture loads with the fleet scenario loader and carries the sessions.
#include "capture/capture_scenario.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "capture/capture_analyser.hpp"
#include "runner/fleet_scenario.hpp"

namespace mqtt::capture {
namespace {

TEST(CaptureScenario, FixtureSessionsBecomeLoadableFleetGroups) {
  const auto analysis =
      analyse_capture_file(std::filesystem::path(MQTT_CAPTURE_TEST_DATA) / "mosquitto-v311-v5.pcap");
  const auto conversion = capture_to_scenario(analysis, "fixture");
  EXPECT_TRUE(conversion.skipped.empty());
  const auto spec = runner::parse_fleet_scenario("fixture.json", conversion.scenario.dump());
  ASSERT_EQ(spec.groups.size(), 3u);
  const auto& publisher = spec.groups[0];
  EXPECT_EQ(publisher.client_id, "fixture-pub");
  EXPECT_EQ(publisher.version, ProtocolVersion::v3_1_1);
  EXPECT_EQ(publisher.publish.qos_weights[2], 1.0);
  EXPECT_TRUE(publisher.publish.retain);
  EXPECT_EQ(publisher.publish.topic, "fixture/retained");
  // About one message over the scenario: the captured count spread over the device's window.
  const double window_s = (spec.duration_ms - publisher.start_ms) / 1000.0;
  EXPECT_NEAR(publisher.publish.rate_per_second * window_s, 1.0, 0.01);
  const auto& subscriber = spec.groups[1];
  EXPECT_EQ(subscriber.version, ProtocolVersion::v5);
  ASSERT_TRUE(subscriber.will.has_value());
  EXPECT_EQ(subscriber.will->topic, "fixture/will");
  ASSERT_EQ(subscriber.subscriptions.size(), 1u);
  EXPECT_EQ(subscriber.subscriptions[0].filter, "fixture/#");
  EXPECT_EQ(subscriber.subscriptions[0].qos, QoS::at_least_once);
  EXPECT_EQ(subscriber.publish.rate_per_second, 0.0);
}

TEST(CaptureScenario, ReconnectingClientIdsAndMidStreamSessionsAreListedNotConverted) {
  CaptureAnalysis analysis;
  ConnectionSummary first;
  first.connection = 1;
  first.client_id = "same";
  first.version = ProtocolVersion::v3_1_1;
  first.keep_alive = 30;
  ConnectionSummary again = first;
  again.connection = 2;
  ConnectionSummary midstream;
  midstream.connection = 3;
  analysis.connections = {first, again, midstream};
  const auto conversion = capture_to_scenario(analysis, "x");
  EXPECT_EQ(conversion.scenario["groups"].size(), 1u);
  ASSERT_EQ(conversion.skipped.size(), 2u);
  EXPECT_NE(conversion.skipped[0].find("reconnects"), std::string::npos);
  EXPECT_NE(conversion.skipped[1].find("no CONNECT"), std::string::npos);
  EXPECT_NO_THROW(runner::parse_fleet_scenario("x.json", conversion.scenario.dump()));
}

}  // namespace
}  // namespace mqtt::capture
