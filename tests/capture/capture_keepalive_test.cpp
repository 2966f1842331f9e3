// Keep alive judged on captures (docs/keepalive.md): the end of a capture is not an event on a connection, so
// silence is never measured up to a frame of another connection, and a client that sent DISCONNECT is owed no
// keep-alive timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <vector>
#include <string>

#include "pcap_builder.hpp"
#include "runner/capture_judgement.hpp"

namespace mqtt::capture::test {
namespace {

constexpr std::int64_t seconds = 1'000'000'000;

// The unresolved obligations of one statement (the other client's CONNECT, the capture's last frame, is
// unanswered too: that is unresolved under no statement).
std::vector<model::Unresolved> unresolved_of(const model::Verdicts& verdicts, std::string_view statement) {
  std::vector<model::Unresolved> found;
  std::copy_if(verdicts.unresolved.begin(), verdicts.unresolved.end(), std::back_inserter(found),
               [&](const model::Unresolved& open) { return open.statement == statement; });
  return found;
}

bool violates(const model::Verdicts& verdicts, std::string_view statement) {
  return std::any_of(verdicts.violations.begin(), verdicts.violations.end(),
                     [&](const model::Finding& finding) { return finding.statement == statement; });
}

// A 9-frame excerpt: a device (keep alive 20 s) connects and is not seen again; 338 s later another client's
// handshake and CONNECT are the capture's last frames. `device_disconnects`: the device sends DISCONNECT (its
// FIN is not in the excerpt).
model::Verdicts judge_excerpt(bool device_disconnects) {
  PcapBuilder builder(Link::ethernet);
  Conversation device({"127.0.0.1", 40001}, {"127.0.0.1", 1883});
  for (const auto& segment : device.handshake()) builder.add(segment);
  builder.add(device.client_sends(connect_bytes("dtu-7", 20)));
  builder.add(device.server_sends(connack_bytes()));
  if (device_disconnects) builder.add(device.client_sends(disconnect_bytes()));
  Conversation other({"127.0.0.1", 40002}, {"127.0.0.1", 1883});
  auto later = other.handshake();
  later.push_back(other.client_sends(connect_bytes("backend", 0)));
  for (auto segment : later) {
    segment.time_ns += 338 * seconds;
    builder.add(segment);
  }
  TempCapture file("capture-keepalive", device_disconnects ? "disconnected" : "excerpt");
  file.write(builder.bytes());
  return runner::analyse_and_check_capture(file.path(), {}, {}).verdicts;
}

TEST(CaptureKeepAlive, AnExcerptThatStopsSeeingAConnectionIsNotAKeepAliveViolation) {
  const auto verdicts = judge_excerpt(false);
  EXPECT_FALSE(violates(verdicts, "MQTT-3.1.2-24"));
  // Its deadline (30 s + the grace) had passed by the capture's end: owed, but not shown either way.
  const auto keepalive = unresolved_of(verdicts, "MQTT-3.1.2-24");
  ASSERT_EQ(keepalive.size(), 1u);
  EXPECT_EQ(keepalive.front().kind, model::UnresolvedKind::history_ended);
}

TEST(CaptureKeepAlive, AClientThatSentDisconnectIsOwedNoKeepAlive) {
  const auto verdicts = judge_excerpt(true);
  EXPECT_FALSE(violates(verdicts, "MQTT-3.1.2-24"));
  EXPECT_TRUE(unresolved_of(verdicts, "MQTT-3.1.2-24").empty());
}

}  // namespace
}  // namespace mqtt::capture::test
