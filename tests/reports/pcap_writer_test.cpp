// history.pcap: Wireshark's MQTT dissector (through tshark) must decode every packet of a recorded history
// with the right type and topic, one TCP stream per connection, at the history's timestamps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cinttypes>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "codec/encoder.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "tests/reports/child_process.hpp"
#include "tests/reports/sample_results.hpp"

namespace mqtt::reports {
namespace {

using history::Event;
using history::EventKind;
using testing::ChildOptions;
using testing::run_child;
using testing::TemporaryDirectory;

constexpr std::int64_t base_unix_ns = 1'764'072'000'000'000'000;  // 2025-11-25T12:00:00Z

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

// The sample run's histories (three connections: probe, publisher, subscriber, with a fault and a reset) plus
// a fourth connection whose PUBLISH is larger than one TCP segment, so reassembly is exercised too.
history::History recorded_history() {
  history::History history = combined_history(testing::sample_results());
  std::uint64_t sequence = history.events.back().sequence;
  std::int64_t time = history.events.back().time_ns;
  auto add = [&](EventKind kind, std::optional<Packet> packet,
                 std::optional<history::CloseReason> reason = {}) {
    Event event{.sequence = ++sequence,
                .time_ns = time += 2'500'000,
                .connection = 4,
                .actor = "bulk/loader",
                .kind = kind};
    if (packet) event.raw = encode(*packet);
    event.packet = std::move(packet);
    event.close_reason = reason;
    history.events.push_back(std::move(event));
  };
  add(EventKind::open, std::nullopt);
  add(EventKind::sent,
      Connect{ProtocolVersion::v3_1_1, true, 30, "loader", std::nullopt, std::nullopt, std::nullopt, {}});
  add(EventKind::received, Connack{});
  add(EventKind::sent, Publish{ProtocolVersion::v3_1_1,
                               false,
                               QoS::at_most_once,
                               true,
                               "bulk/firmware",
                               std::nullopt,
                               Bytes(4000, 0x5A),
                               {}});
  add(EventKind::sent, Disconnect{});
  add(EventKind::closed, std::nullopt, history::CloseReason::clean_eof);
  return history;
}

struct DecodedPacket {
  std::int64_t time_us = 0;
  int stream = -1;
  int type = 0;
  std::string topic;
};

std::vector<DecodedPacket> decode_with_tshark(const std::filesystem::path& capture) {
  const auto run = run_child({"tshark", "-n",           "-r", capture.string(),   "-Y", "mqtt",
                              "-T",     "fields",       "-e", "frame.time_epoch", "-e", "tcp.stream",
                              "-e",     "mqtt.msgtype", "-e", "mqtt.topic",       "-E", "separator=/t",
                              "-E",     "occurrence=a"},
                             ChildOptions{.deadline = std::chrono::seconds(25)});
  EXPECT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 0) << run.errors << " (ci/setup.sh --with-extras installs tshark)";
  std::vector<DecodedPacket> packets;
  for (const auto& line : split(run.output, '\n')) {
    if (line.empty()) continue;
    const auto fields = split(line, '\t');
    if (fields.size() != 4) {
      ADD_FAILURE() << "unexpected tshark line: " << line;
      continue;
    }
    // One frame may carry several MQTT messages; tshark joins their fields with commas.
    const auto types = split(fields[2], ',');
    const auto topics = split(fields[3], ',');
    const auto dot = fields[0].find('.');
    const std::int64_t time_us =
        std::stoll(fields[0].substr(0, dot)) * 1'000'000 + std::stoll(fields[0].substr(dot + 1, 6));
    std::size_t topic_index = 0;
    for (const auto& type : types) {
      DecodedPacket packet{time_us, std::stoi(fields[1]), std::stoi(type), ""};
      if (packet.type == 3 && topic_index < topics.size()) packet.topic = topics[topic_index++];
      packets.push_back(packet);
    }
  }
  return packets;
}

TEST(PcapWriter, TsharkDecodesEveryMqttPacketWithTypeTopicStreamAndTime) {
  const history::History history = recorded_history();
  const TemporaryDirectory directory("mqtt-report-pcap");
  const auto capture = directory.path() / "history.pcap";
  write_pcap(history, capture, base_unix_ns);

  const auto decoded = decode_with_tshark(capture);
  if (::testing::Test::HasFailure()) return;

  std::vector<const Event*> packets;
  for (const auto& event : history.events) {
    if ((event.kind == EventKind::sent || event.kind == EventKind::received) && event.packet)
      packets.push_back(&event);
  }
  ASSERT_EQ(decoded.size(), packets.size());
  std::vector<int> decoded_types;
  for (const auto& packet : decoded) decoded_types.push_back(packet.type);
  EXPECT_EQ(decoded_types, testing::packet_types_in_order(history.events));

  std::map<std::uint32_t, std::set<int>> streams_of_connection;
  std::map<int, std::set<std::uint32_t>> connections_of_stream;
  for (std::size_t index = 0; index < packets.size(); ++index) {
    const Event& event = *packets[index];
    const DecodedPacket& packet = decoded[index];
    SCOPED_TRACE("packet " + std::to_string(index) + " (event " + std::to_string(event.sequence) + ")");
    if (const auto* publish = std::get_if<Publish>(&*event.packet)) {
      EXPECT_EQ(packet.topic, publish->topic);
    }
    // The capture's clock is the history's, offset by the run's start; a reassembled message carries the time
    // of its last segment, which the writer stamps with the event's time as well.
    EXPECT_EQ(packet.time_us, (base_unix_ns + event.time_ns) / 1000);
    streams_of_connection[event.connection].insert(packet.stream);
    connections_of_stream[packet.stream].insert(event.connection);
  }
  EXPECT_EQ(streams_of_connection.size(), 4u);
  EXPECT_EQ(connections_of_stream.size(), 4u) << "one TCP stream per connection";
  for (const auto& [connection, streams] : streams_of_connection) EXPECT_EQ(streams.size(), 1u) << connection;
}

TEST(PcapWriter, CaptureHasNoMalformedPacketsOrTcpAnomalies) {
  const TemporaryDirectory directory("mqtt-report-pcap-clean");
  const auto capture = directory.path() / "history.pcap";
  write_pcap(recorded_history(), capture, base_unix_ns);
  const auto problems = run_child({"tshark", "-n", "-r", capture.string(), "-o", "tcp.check_checksum:TRUE",
                                   "-o", "ip.check_checksum:TRUE", "-Y",
                                   "_ws.malformed || tcp.analysis.flags || tcp.checksum.status == 0 || "
                                   "ip.checksum.status == 0"},
                                  ChildOptions{.deadline = std::chrono::seconds(25)});
  ASSERT_EQ(problems.exit_code, 0) << problems.errors;
  EXPECT_EQ(problems.output, "") << "frames tshark flags";

  // The same filter flags a frame whose TCP header was changed after the checksum was computed, so an empty
  // answer above means something.
  std::string bytes = testing::read_file(capture.string());
  constexpr std::size_t frame_without_payload = 14 + 20 + 20;          // the capture ends with a bare ACK
  bytes[bytes.size() - frame_without_payload + 14 + 20 + 14] ^= 0x01;  // TCP window
  const auto corrupted_capture = directory.path() / "corrupted.pcap";
  {
    std::ofstream out(corrupted_capture, std::ios::binary);
    out << bytes;
  }
  const auto flagged = run_child({"tshark", "-n", "-r", corrupted_capture.string(), "-o",
                                  "tcp.check_checksum:TRUE", "-Y", "tcp.checksum.status == 0"},
                                 ChildOptions{.deadline = std::chrono::seconds(25)});
  EXPECT_EQ(std::count(flagged.output.begin(), flagged.output.end(), '\n'), 1) << flagged.output;
  EXPECT_NE(flagged.output.find("[TCP CHECKSUM INCORRECT]"), std::string::npos) << flagged.output;

  const auto conversations = run_child({"tshark", "-n", "-r", capture.string(), "-q", "-z", "conv,tcp"},
                                       ChildOptions{.deadline = std::chrono::seconds(25)});
  ASSERT_EQ(conversations.exit_code, 0);
  int conversation_lines = 0;
  for (const auto& line : split(conversations.output, '\n')) {
    if (line.find("127.0.0.1:") != std::string::npos && line.find("127.0.0.2:1883") != std::string::npos) {
      ++conversation_lines;
    }
  }
  EXPECT_EQ(conversation_lines, 4) << conversations.output;
}

TEST(PcapWriter, ConnectPasswordIsRedactedInTheCapture) {
  const TemporaryDirectory directory("mqtt-report-pcap-secret");
  const auto capture = directory.path() / "history.pcap";
  const history::History history = combined_history(testing::sample_results());
  write_pcap(history, capture, base_unix_ns);
  const std::string bytes = testing::read_file(capture.string());
  EXPECT_EQ(bytes.find(testing::secret_password), std::string::npos);
  const auto run = run_child({"tshark", "-n", "-r", capture.string(), "-Y", "mqtt.msgtype == 1", "-T",
                              "fields", "-e", "mqtt.username", "-e", "mqtt.passwd_len", "-e", "mqtt.passwd"},
                             ChildOptions{.deadline = std::chrono::seconds(25)});
  ASSERT_EQ(run.exit_code, 0);
  EXPECT_NE(run.output.find("alice"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find(testing::secret_password), std::string::npos) << run.output;
  // The mask has one length whatever the password's: the capture does not tell how long it was.
  EXPECT_NE(run.output.find("alice\t" + std::to_string(redaction_mask.size()) + "\t" + std::string(redaction_mask)),
            std::string::npos)
      << run.output;
}

}  // namespace
}  // namespace mqtt::reports
