// A CONNECT refused for its protocol level, captured: the codec gives it no version, yet the broker's answer
// (CONNACK 0x01 and a close [MQTT-3.1.2-2]) must reach the model, or a sound broker is accused of never
// answering. A broker that accepts the unsupported level must still be caught under MQTT-3.1.2-2.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "pcap_builder.hpp"
#include "runner/capture_judgement.hpp"

namespace mqtt::capture::test {
namespace {

// The conformance suite's CONNECT asking for protocol level 7 (connect.protocol_level.unsupported).
const Bytes level_7_connect = {0x10, 0x15, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x07, 0x02, 0x00, 0x1e,
                               0x00, 0x09, 'm',  'h',  'l', 'e', 'v', 'e', 'l', '7', 'a'};

std::size_t violations_of(const model::Verdicts& verdicts, std::string_view statement) {
  return static_cast<std::size_t>(
      std::count_if(verdicts.violations.begin(), verdicts.violations.end(),
                    [&](const model::Finding& finding) { return finding.statement == statement; }));
}

// Handshake, the level-7 CONNECT, the broker's `answer`, then the broker's FIN and the client's.
runner::CheckedCapture check_answer(const Bytes& answer, const std::string& name) {
  PcapBuilder builder(Link::ethernet);
  Conversation tcp({"127.0.0.1", 40001}, {"127.0.0.1", 1883});
  for (const auto& segment : tcp.handshake()) builder.add(segment);
  builder.add(tcp.client_sends(level_7_connect));
  builder.add(tcp.server_sends(answer));
  builder.add(tcp.server_fin());
  builder.add(tcp.client_fin());
  TempCapture file("capture-refused-connect", name);
  file.write(builder.bytes());
  return runner::analyse_and_check_capture(file.path(), {}, {});
}

model::Verdicts judge_answer(const Bytes& answer, const std::string& name) {
  return check_answer(answer, name).verdicts;
}

// The CONNACKs the history shows the broker sending.
std::vector<Connack> connacks_in(const capture::CaptureAnalysis& analysis) {
  std::vector<Connack> found;
  for (const auto& event : analysis.history.events) {
    if (event.kind != history::EventKind::received || !event.packet) continue;
    if (const auto* connack = std::get_if<Connack>(&*event.packet)) found.push_back(*connack);
  }
  return found;
}

TEST(CaptureRefusedConnect, Connack1AndACloseAnswerAnUnsupportedLevel) {
  const auto verdicts = judge_answer({0x20, 0x02, 0x00, 0x01}, "connack-1");
  EXPECT_EQ(violations_of(verdicts, "MQTT-3.1.2-2"), 0u);
  EXPECT_TRUE(verdicts.exercised.count("MQTT-3.1.2-2"));
  EXPECT_TRUE(verdicts.violations.empty()) << verdicts.violations.front().statement << ": "
                                           << verdicts.violations.front().message;
}

TEST(CaptureRefusedConnect, AcceptingAnUnsupportedLevelIsCaught) {
  const auto verdicts = judge_answer({0x20, 0x02, 0x00, 0x00}, "connack-0");
  EXPECT_GE(violations_of(verdicts, "MQTT-3.1.2-2"), 1u);
}

TEST(CaptureRefusedConnect, AFiveZeroConnackIsDecodedAsFiveZero) {
  // A 5.0 broker MAY answer reason 0x84 (unsupported protocol version): flags, reason, empty properties.
  const auto checked = check_answer({0x20, 0x03, 0x00, 0x84, 0x00}, "connack-84");
  const auto connacks = connacks_in(checked.analysis);
  ASSERT_EQ(connacks.size(), 1u);
  EXPECT_EQ(connacks.front().version, ProtocolVersion::v5);
  EXPECT_EQ(connacks.front().reason_code, 0x84);
  EXPECT_TRUE(checked.verdicts.exercised.count("MQTT-3.1.2-2"));
  EXPECT_TRUE(checked.verdicts.violations.empty()) << checked.verdicts.violations.front().statement << ": "
                                                   << checked.verdicts.violations.front().message;
}

TEST(CaptureRefusedConnect, AFiveZeroConnackAcceptingTheLevelIsCaught) {
  const auto verdicts = judge_answer({0x20, 0x03, 0x00, 0x00, 0x00}, "connack-5-0");
  EXPECT_GE(violations_of(verdicts, "MQTT-3.1.2-2"), 1u);
}

TEST(CaptureRefusedConnect, TheThreeOneOneRefusalReachesTheHistory) {
  const auto connacks = connacks_in(check_answer({0x20, 0x02, 0x00, 0x01}, "connack-1-history").analysis);
  ASSERT_EQ(connacks.size(), 1u);
  EXPECT_EQ(connacks.front().version, ProtocolVersion::v3_1_1);
  EXPECT_EQ(connacks.front().reason_code, 0x01);
}

}  // namespace
}  // namespace mqtt::capture::test
