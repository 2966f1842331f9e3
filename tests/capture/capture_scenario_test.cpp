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

ConnectionSummary session(std::uint32_t connection, const std::string& client_id, std::int64_t from_s,
                          std::int64_t to_s) {
  ConnectionSummary row;
  row.connection = connection;
  row.client = "10.0.0." + std::to_string(connection) + ":4000";
  row.client_id = client_id;
  row.version = ProtocolVersion::v3_1_1;
  row.keep_alive = 30;
  row.first_time_ns = from_s * 1'000'000'000;
  row.last_time_ns = to_s * 1'000'000'000;
  return row;
}

// Issue 11 §8: a DTU that reconnects under its client id is the normal case; it is one device that churns.
TEST(CaptureScenario, AClientThatReconnectsIsOneDeviceThatChurns) {
  CaptureAnalysis analysis;
  analysis.duration_ns = 100'000'000'000;
  auto first = session(1, "dtu-7", 0, 20);  // left without DISCONNECT
  first.published_topics = {{"dtu/7/t", 4}};
  first.publish_qos_sent = {4, 0, 0};
  first.subscriptions = {Subscription{"dtu/7/cmd", QoS::at_least_once}};
  auto second = session(2, "dtu-7", 30, 60);  // left without DISCONNECT
  second.published_topics = {{"dtu/7/t", 6}};
  second.publish_qos_sent = {6, 0, 0};
  second.subscriptions = first.subscriptions;  // subscribed again after reconnecting
  auto third = session(3, "dtu-7", 70, 100);  // still open when the capture ended
  ConnectionSummary midstream;
  midstream.connection = 4;
  midstream.client = "10.0.0.4:4000";
  analysis.connections = {first, second, third, midstream};
  const auto conversion = capture_to_scenario(analysis, "x");
  ASSERT_EQ(conversion.scenario["groups"].size(), 1u);
  const auto& group = conversion.scenario["groups"][0];
  EXPECT_EQ(group["client_id"], "dtu-7");
  EXPECT_EQ(group["churn"]["fraction"], 1);
  EXPECT_EQ(group["churn"]["online_ms"], (20 + 30 + 30) * 1000 / 3);
  EXPECT_EQ(group["churn"]["offline_ms"], (10 + 10) * 1000 / 2);
  EXPECT_EQ(group["churn"]["abrupt"], true);
  ASSERT_EQ(group["subscriptions"].size(), 1u);
  EXPECT_NEAR(group["publish"]["rate"].get<double>() * 100.0, 10.0, 0.01);  // both sessions' PUBLISHes
  ASSERT_EQ(conversion.skipped.size(), 1u);
  EXPECT_EQ(conversion.skipped[0], "#4 10.0.0.4:4000: no CONNECT in the capture");
  ASSERT_EQ(conversion.notes.size(), 1u);
  EXPECT_NE(conversion.notes[0].find("3 sessions under client id \"dtu-7\" are one device that reconnects"),
            std::string::npos)
      << conversion.notes[0];
  const auto spec = runner::parse_fleet_scenario("x.json", conversion.scenario.dump());
  ASSERT_EQ(spec.groups.size(), 1u);
  EXPECT_EQ(spec.groups[0].churn.fraction, 1.0);
}

TEST(CaptureScenario, TopicsThatTieAreAllKept) {
  CaptureAnalysis analysis;
  analysis.duration_ns = 10'000'000'000;
  auto row = session(1, "meter", 0, 10);
  row.published_topics = {{"m/b", 3}, {"m/a", 3}, {"m/c", 3}, {"m/rare", 1}};
  row.publish_qos_sent = {10, 0, 0};
  row.will_message = Will{"m/status", Bytes{'o', 'f', 'f'}, QoS::at_least_once, true};
  row.subscriptions = {Subscription{"m/cmd", QoS::at_most_once}};
  analysis.connections = {row};
  const auto conversion = capture_to_scenario(analysis, "tie");
  const auto& groups = conversion.scenario["groups"];
  ASSERT_EQ(groups.size(), 3u);
  std::vector<std::string> topics;
  double messages = 0;
  for (const auto& group : groups) {
    topics.push_back(group["publish"]["topic"]);
    messages += group["publish"]["rate"].get<double>() * 10.0;
  }
  EXPECT_EQ(topics, (std::vector<std::string>{"m/a", "m/b", "m/c"}));
  EXPECT_NEAR(messages, 10.0, 0.01);  // the captured count, spread over the tied topics
  EXPECT_EQ(groups[0]["client_id"], "meter");
  EXPECT_TRUE(groups[0].contains("will"));
  EXPECT_EQ(groups[1]["client_id"], "meter-topic-2");
  EXPECT_EQ(groups[2]["client_id"], "meter-topic-3");
  EXPECT_FALSE(groups[1].contains("will"));  // companions only publish
  EXPECT_FALSE(groups[1].contains("subscriptions"));
  ASSERT_EQ(conversion.notes.size(), 1u);
  EXPECT_NE(conversion.notes[0].find("3 topics tie"), std::string::npos) << conversion.notes[0];
  EXPECT_NO_THROW(runner::parse_fleet_scenario("tie.json", conversion.scenario.dump()));
}

TEST(CaptureScenario, NoConnectMeansNoGroupsAndEverySessionListed) {
  CaptureAnalysis analysis;
  ConnectionSummary midstream;
  midstream.connection = 1;
  midstream.client = "10.0.0.1:4000";
  analysis.connections = {midstream, midstream};
  analysis.connections[1].connection = 2;
  const auto conversion = capture_to_scenario(analysis, "none");
  EXPECT_TRUE(conversion.scenario["groups"].empty());
  EXPECT_EQ(conversion.skipped.size(), 2u);
}

}  // namespace
}  // namespace mqtt::capture
