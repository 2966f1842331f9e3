// Nothing judged is not conformant (issue 11 §1, issue 12 §7): end to end through the binary, a capture that
// did not put the broker to the test says what was found and why nothing (or not everything) was judged, and
// exits 5 (inconclusive) when it is readable, 2 when nothing in it can be read.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "codec/encoder.hpp"
#include "harness_command.hpp"
#include "pcap_builder.hpp"

namespace mqtt::capture::test {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_bytes(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void put32(Bytes& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

// A classic little-endian microsecond pcap with any link type.
Bytes classic_pcap(std::uint32_t link_type, const std::vector<Bytes>& frames) {
  Bytes out;
  put32(out, 0xA1B2C3D4);
  out.insert(out.end(), {2, 0, 4, 0});
  put32(out, 0);
  put32(out, 0);
  put32(out, 65535);
  put32(out, link_type);
  std::uint32_t second = 1'700'000'000;
  for (const auto& frame : frames) {
    put32(out, second++);
    put32(out, 0);
    put32(out, static_cast<std::uint32_t>(frame.size()));
    put32(out, static_cast<std::uint32_t>(frame.size()));
    out.insert(out.end(), frame.begin(), frame.end());
  }
  return out;
}

class InspectVerdict : public ::testing::Test {
 protected:
  InspectVerdict() : directory_("mqtt-inspect-verdict") {}

  // Runs `inspect` on the bytes; reports go to the directory.
  HarnessRun inspect(const std::string& name, const Bytes& capture) {
    const auto file = directory_.path() / (name + ".pcap");
    write_bytes(file, capture);
    return run_harness("inspect " + file.string() + " --report-dir " + report().string());
  }
  std::filesystem::path report() const { return directory_.path() / "report"; }

 private:
  TempDirectory directory_;
};

Bytes v5(Packet packet) {
  std::visit([](auto& value) { value.version = ProtocolVersion::v5; }, packet);
  return encode(packet);
}

TEST_F(InspectVerdict, EmptyCaptureIsInconclusiveAndSaysItHoldsNoFrames) {
  const auto result = inspect("empty", PcapBuilder(Link::ethernet).bytes());
  EXPECT_EQ(result.exit_code, 5) << result.output;
  EXPECT_NE(result.output.find("verdict: inconclusive"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("no MQTT connection found: the capture holds no frames"), std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("conformant"), std::string::npos) << result.output;
  const auto results = read_text(report() / "results.json");
  EXPECT_NE(results.find("\"verdict\": \"inconclusive\""), std::string::npos);
  EXPECT_EQ(read_text(report() / "summary.md").find("PASSED"), std::string::npos);
}

TEST_F(InspectVerdict, UnsupportedLinkTypeIsBadInputInOneLine) {
  const auto result = inspect("link147", classic_pcap(147, std::vector<Bytes>(12, Bytes(60, 0x42))));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
  EXPECT_NE(result.output.find("link147.pcap: its link type is not supported (link type 147 in all 12 frames)"),
            std::string::npos)
      << result.output;
}

TEST_F(InspectVerdict, FramesWithoutTcpAreInconclusiveAndCounted) {
  Conversation tcp({"10.0.0.2", 5353}, {"10.0.0.1", 53});
  Bytes udp = ip_packet(tcp.client_sends(Bytes{1, 2, 3}));
  udp[9] = 17;  // UDP, not TCP
  PcapBuilder builder(Link::raw);
  for (int i = 0; i < 3; ++i) builder.add_frame(link_frame(Link::raw, udp), tcp.now());
  builder.add_frame(Bytes{0x00, 0x01}, tcp.now());  // not even IP
  const auto result = inspect("udp", builder.bytes());
  EXPECT_EQ(result.exit_code, 5) << result.output;
  EXPECT_NE(result.output.find("no MQTT connection found: 0 of 4 frames are TCP ("), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("3 not TCP"), std::string::npos) << result.output;
}

TEST_F(InspectVerdict, TcpThatIsNotMqttIsInconclusiveAndSaysSo) {
  Conversation http({"10.0.0.2", 41000}, {"10.0.0.1", 80});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : http.handshake()) builder.add(segment);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  builder.add(http.client_sends(Bytes(request.begin(), request.end())));
  const auto result = inspect("http", builder.bytes());
  EXPECT_EQ(result.exit_code, 5) << result.output;
  EXPECT_NE(result.output.find("no MQTT connection found: 4 of 4 frames are TCP, in 1 connection: 1 not MQTT"),
            std::string::npos)
      << result.output;
}

// A v5 broker answers a QoS 2 PUBLISH with a PUBACK: a violation under any version's rules, and MQTT 5.0
// streams are judged, so the capture fails.
TEST_F(InspectVerdict, Mqtt5StreamsAreJudged) {
  Conversation tcp({"10.0.0.2", 41001}, {"10.0.0.1", 1883});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : tcp.handshake()) builder.add(segment);
  Connect connect;
  connect.client_id = "v5-dtu";
  builder.add(tcp.client_sends(v5(connect)));
  builder.add(tcp.server_sends(v5(Connack{})));
  Publish publish;
  publish.topic = "dtu/5/t";
  publish.qos = QoS::exactly_once;
  publish.packet_id = 4;
  builder.add(tcp.client_sends(v5(publish)));
  Puback puback;
  puback.packet_id = 4;
  builder.add(tcp.server_sends(v5(puback)));
  builder.add(tcp.client_fin());
  builder.add(tcp.server_fin());
  // And a sound 3.1.1 session next to it, which is judged.
  for (const auto& segment : qos1_session({"10.0.0.3", 41002}, {"10.0.0.1", 1883})) builder.add(segment);
  const auto result = inspect("v5", builder.bytes());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_EQ(result.output.find("not judged"), std::string::npos) << result.output;
  const auto results = read_text(report() / "results.json");
  EXPECT_NE(results.find("\"verdict\": \"failed\""), std::string::npos) << results;
  const auto summary = read_text(report() / "summary.md");
  EXPECT_EQ(summary.find("PASSED"), std::string::npos) << summary;
}

TEST_F(InspectVerdict, AConnectionThatExercisedNoStatementIsInconclusive) {
  Conversation tcp({"10.0.0.2", 41003}, {"10.0.0.1", 1883});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : tcp.handshake()) builder.add(segment);
  builder.add(tcp.client_fin());
  builder.add(tcp.server_fin());
  const auto result = inspect("silent", builder.bytes());
  EXPECT_EQ(result.exit_code, 5) << result.output;
  EXPECT_NE(result.output.find("the judged traffic (1 connection) exercised no statement"), std::string::npos)
      << result.output;
}

TEST_F(InspectVerdict, ASound311SessionIsStillConformant) {
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : qos1_session({"10.0.0.2", 41004}, {"10.0.0.1", 1883})) builder.add(segment);
  const auto result = inspect("sound", builder.bytes());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("verdict: conformant"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("inconclusive"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace mqtt::capture::test
