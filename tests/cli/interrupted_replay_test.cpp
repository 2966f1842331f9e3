// `replay` interrupted: it stops between steps and closes its sessions.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/mosquitto_broker.hpp"
#include "tests/capture/pcap_builder.hpp"
#include "tests/cli/interrupted_run_support.hpp"

namespace mqtt::cli::interrupted_run {
namespace {

// ---- replay -------------------------------------------------------------------------------------------------

// One captured session: CONNECT, a PUBLISH at once, another 100 s later, DISCONNECT.
Bytes slow_session_capture() {
  using namespace capture::test;
  PcapBuilder builder(Link::ethernet);
  Conversation tcp({"10.0.0.2", 40001}, {"10.0.0.1", 1883});
  std::vector<Segment> segments = tcp.handshake();
  segments.push_back(tcp.client_sends(connect_bytes("dtu-1")));
  segments.push_back(tcp.server_sends(connack_bytes()));
  segments.push_back(tcp.client_sends(publish_bytes("dtu/1/telemetry", "first")));
  const std::size_t later = segments.size();
  segments.push_back(tcp.client_sends(publish_bytes("dtu/1/telemetry", "second")));
  segments.push_back(tcp.client_sends(disconnect_bytes()));
  segments.push_back(tcp.client_fin());
  segments.push_back(tcp.server_fin());
  for (std::size_t index = later; index < segments.size(); ++index) segments[index].time_ns += 100'000'000'000;
  for (const auto& segment : segments) builder.add(segment);
  return builder.bytes();
}

using InterruptedReplay = SignalTest;

TEST_P(InterruptedReplay, StopsBetweenStepsAndClosesItsSessions) {
  test_support::MosquittoBroker broker;
  TemporaryDirectory work("mqtt-interrupt-replay");
  const auto capture = slow_session_capture();
  write_file(work.path() / "slow.pcap", std::string(capture.begin(), capture.end()));
  BrokerWatcher watcher(broker.url());
  RunningChild child({MQTT_HARNESS_BINARY, "replay", (work.path() / "slow.pcap").string(), "--target", broker.url(),
                      "--seed", "3", "--history", "all", "-o", (work.path() / "out").string()});
  ASSERT_TRUE(watcher.wait_for_publish(30s)) << "the replay never published\n" << child.errors();
  child.signal(signal());
  const auto result = child.wait(30s);
  ASSERT_FALSE(result.timed_out) << describe(result);
  EXPECT_EQ(result.exit_code, exit_code()) << describe(result);
  EXPECT_LT(result.elapsed, 20s) << "the replay waited for its second step";

  const auto results = expect_interrupted_reports(work.path() / "out", name());
  ASSERT_EQ(results.cases.size(), 1u);
  const auto& replay = results.cases.front();
  EXPECT_EQ(replay.verdict, results::Verdict::inconclusive) << replay.message;
  EXPECT_NE(replay.message.find("the replay was interrupted after "), std::string::npos) << replay.message;
  EXPECT_EQ(count_events(replay, history::EventKind::sent, PacketType::publish), 1u) << "only the first step ran";
  bool closed = false;
  for (const auto& event : replay.history) closed = closed || event.kind == history::EventKind::closed;
  EXPECT_TRUE(closed) << "the open session was closed";
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptedReplay, ::testing::Values(SIGINT, SIGTERM), signal_test_name);

}  // namespace
}  // namespace mqtt::cli::interrupted_run
