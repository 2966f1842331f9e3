// replay planning: prefixes, which client packets are re-sent, and the answers each step waits for.
#include "capture/replay_plan.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "capture/capture_analyser.hpp"
#include "pcap_builder.hpp"

namespace mqtt::capture {
namespace {

TEST(ReplayPlan, PrefixesTopicsFiltersAndLeavesSystemTopicsAlone) {
  EXPECT_EQ(prefixed_topic("P", "a/b"), "P/a/b");
  EXPECT_EQ(prefixed_filter("P", "#"), "P/#");
  EXPECT_EQ(prefixed_filter("P", "+/x"), "P/+/x");
  EXPECT_EQ(prefixed_filter("P", "$share/g/a/+"), "$share/g/P/a/+");
  EXPECT_EQ(prefixed_filter("P", "$SYS/broker/uptime"), "$SYS/broker/uptime");
  EXPECT_EQ(unprefixed_topic("P", "P/a/b"), "a/b");
  EXPECT_EQ(unprefixed_topic("P", "Q/a/b"), "Q/a/b");
}

TEST(ReplayPlan, FixtureSessionsKeepOrderSkipDeliveryAcksAndWaitForCapturedAnswers) {
  const auto analysis =
      analyse_capture_file(std::filesystem::path(MQTT_CAPTURE_TEST_DATA) / "mosquitto-v311-v5.pcap");
  const auto plan = plan_replay(analysis.history, "R");
  ASSERT_EQ(plan.sessions.size(), 3u);
  EXPECT_TRUE(plan.skipped.empty());
  EXPECT_EQ(plan.sessions[1].client_id, "fixture-sub5");
  EXPECT_EQ(plan.sessions[1].captured_answers.size(), 3u);  // CONNACK, SUBACK, PUBLISH
  std::vector<std::string> subscriber;
  for (const auto& step : plan.steps) {
    if (step.session != 1) continue;
    std::string text = step.kind == ReplayStep::Kind::open ? "open"
                       : step.kind == ReplayStep::Kind::close
                           ? "close"
                           : std::string(to_string(packet_type(*step.packet)));
    subscriber.push_back(text + "@" + std::to_string(step.answers_before));
    if (step.packet) {
      if (const auto* connect = std::get_if<Connect>(&*step.packet)) {
        EXPECT_EQ(connect->client_id, "R-fixture-sub5");
        ASSERT_TRUE(connect->will.has_value());
        EXPECT_EQ(connect->will->topic, "R/fixture/will");
      }
      if (const auto* subscribe = std::get_if<Subscribe>(&*step.packet)) {
        EXPECT_EQ(subscribe->subscriptions.at(0).filter, "R/fixture/#");
      }
    }
  }
  // The PUBACK the subscriber sent for its delivery is not replayed; DISCONNECT waits for all three answers.
  EXPECT_EQ(subscriber,
            (std::vector<std::string>{"open@0", "CONNECT@0", "SUBSCRIBE@1", "DISCONNECT@3", "close@3"}));
  EXPECT_TRUE(std::is_sorted(plan.steps.begin(), plan.steps.end(),
                             [](const auto& a, const auto& b) { return a.time_ns < b.time_ns; }));
}

// Issue 11 §8: a capture that starts after the TCP handshake but before the CONNECT holds the whole session.
TEST(ReplayPlan, ASessionWithoutItsHandshakeIsReplayedFromItsConnect) {
  using test::Conversation;
  test::PcapBuilder builder(test::Link::ethernet);
  Conversation tcp({"10.0.0.2", 50400}, {"10.0.0.1", 1883});
  tcp.handshake();  // not captured
  builder.add(tcp.client_sends(test::connect_bytes("no-handshake")));
  builder.add(tcp.server_sends(test::connack_bytes()));
  builder.add(tcp.client_sends(test::publish_bytes("dtu/9/t", "1", QoS::at_least_once, 1)));
  builder.add(tcp.server_sends(test::puback_bytes(1)));
  builder.add(tcp.client_sends(test::disconnect_bytes()));
  builder.add(tcp.client_fin());
  // And one whose CONNECT was before the capture began, and one without any MQTT packet: both skipped.
  Conversation late({"10.0.0.3", 50401}, {"10.0.0.1", 1883});
  late.handshake();
  late.client_sends(test::connect_bytes("late"));
  builder.add(late.client_sends(test::publish_bytes("dtu/3/t", "x")));
  builder.add(late.client_sends(test::publish_bytes("dtu/3/t", "y")));
  Conversation empty({"10.0.0.4", 50402}, {"10.0.0.1", 1883});
  for (const auto& segment : empty.handshake()) builder.add(segment);
  builder.add(empty.client_fin());
  const test::TempCapture file("mqtt-replay-plan", "no-handshake");
  builder.write(file.path());
  const auto analysis = analyse_capture_file(file.path());
  const auto plan = plan_replay(analysis.history, "R");
  ASSERT_EQ(plan.sessions.size(), 1u);
  EXPECT_EQ(plan.sessions[0].client_id, "no-handshake");
  std::vector<std::string> steps;
  for (const auto& step : plan.steps) {
    steps.push_back(step.kind == ReplayStep::Kind::open    ? "open"
                    : step.kind == ReplayStep::Kind::close ? "close"
                                                           : std::string(to_string(packet_type(*step.packet))));
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"open", "CONNECT", "PUBLISH", "DISCONNECT", "close"}));
  ASSERT_EQ(plan.skipped.size(), 2u);
  EXPECT_EQ(plan.skipped[0], "10.0.0.3:50401 (connection 2): its CONNECT is not in the capture");
  EXPECT_EQ(plan.skipped[1], "10.0.0.4:50402 (connection 3): no MQTT packet in the capture");
}

TEST(ReplayPlan, AnswerTextIgnoresPacketIdsAndThePrefix) {
  Publish first;
  first.topic = "R/a";
  first.qos = QoS::at_least_once;
  first.packet_id = 1;
  Publish second = first;
  second.topic = first.topic.substr(2);  // "a"
  second.packet_id = 9;
  EXPECT_EQ(answer_text(first, "R"), answer_text(second));
  EXPECT_EQ(answer_text(second), "PUBLISH a QoS 1 retain 0 payload 0 bytes");
}

}  // namespace
}  // namespace mqtt::capture
