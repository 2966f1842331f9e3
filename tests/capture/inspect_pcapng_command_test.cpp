// End to end through the binary: `mqtt-harness inspect` on a pcapng whose interfaces have different link
// types (Ethernet, SLL2, BSD null), one of them carrying IPv4 fragments, and on the same file truncated.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "harness_command.hpp"
#include "ip_fragmenter.hpp"
#include "pcap_builder.hpp"
#include "pcapng_builder.hpp"

namespace mqtt::capture::test {
namespace {

// Two sessions: one over Ethernet and SLL2 alternately, the other over BSD null with its CONNECT and
// PUBLISH in IPv4 fragments. Returns the builder; `fragmented_frame` is the frame completing the datagram.
PcapngBuilder mixed_capture(std::uint64_t& fragmented_frame) {
  PcapngBuilder builder;
  builder.interface(1, 65535, 9);
  builder.interface(276, 262144, 9);
  builder.interface(0, 0, 9);
  std::uint64_t frame = 0;
  auto add = [&](std::uint32_t interface, Link link, const Segment& segment) {
    builder.enhanced(interface, static_cast<std::uint64_t>(segment.time_ns),
                     link_frame(link, ip_packet(segment)));
    ++frame;
  };
  Conversation first({"10.0.0.2", 50312}, {"10.0.0.1", 1883});
  std::vector<Segment> segments = first.handshake();
  segments.push_back(first.client_sends(connect_bytes("eth-sll2")));
  segments.push_back(first.server_sends(connack_bytes()));
  segments.push_back(first.client_sends(publish_bytes("site/a", "1", QoS::at_least_once, 1)));
  segments.push_back(first.server_sends(puback_bytes(1)));
  segments.push_back(first.client_sends(disconnect_bytes()));
  segments.push_back(first.client_fin());
  segments.push_back(first.server_fin());
  for (std::size_t i = 0; i < segments.size(); ++i) {
    add(i % 2 == 0 ? 0 : 1, i % 2 == 0 ? Link::ethernet : Link::sll2, segments[i]);
  }
  Conversation second({"127.0.0.1", 40000}, {"127.0.0.1", 1883});
  for (const auto& segment : second.handshake()) add(2, Link::null_loopback, segment);
  const Segment carrier = second.client_sends(concat(
      {connect_bytes("null-frag"), publish_bytes("site/b", std::string(600, 'y'), QoS::at_least_once, 2)}));
  const auto fragments = fragment_ipv4(ip_packet(carrier), 256, 77);
  for (std::size_t i = fragments.size(); i-- > 0;) {  // last fragment first
    builder.enhanced(2, static_cast<std::uint64_t>(carrier.time_ns),
                     link_frame(Link::null_loopback, fragments[i]));
    ++frame;
  }
  fragmented_frame = frame;
  add(2, Link::null_loopback, second.server_sends(connack_bytes()));
  add(2, Link::null_loopback, second.server_sends(puback_bytes(2)));
  add(2, Link::null_loopback, second.client_sends(disconnect_bytes()));
  add(2, Link::null_loopback, second.client_fin());
  add(2, Link::null_loopback, second.server_fin());
  return builder;
}

TEST(InspectCommand, MixedLinkTypePcapngWithFragmentsIsInspected) {
  TempDirectory directory("mqtt-inspect-pcapng");
  std::uint64_t fragmented_frame = 0;
  const auto builder = mixed_capture(fragmented_frame);
  const auto file = directory.path() / "mixed.pcapng";
  builder.write(file);
  const auto result =
      run_harness("inspect " + file.string() + " --history jsonl --report-dir " + (directory.path() / "report").string());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("2 MQTT connection(s)"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("client id \"eth-sll2\""), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("client id \"null-frag\""), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("verdict: conformant"), std::string::npos) << result.output;
  // The history carries the frame that completed the fragmented datagram on the CONNECT and the PUBLISH.
  std::ifstream history(directory.path() / "report" / "history.jsonl");
  ASSERT_TRUE(history.good());
  std::string line;
  int found = 0;
  while (std::getline(history, line)) {
    if (line.find("null-frag") == std::string::npos && line.find("site/b") == std::string::npos) continue;
    if (line.find("\"frame\":" + std::to_string(fragmented_frame)) != std::string::npos) ++found;
  }
  EXPECT_EQ(found, 2) << "CONNECT and PUBLISH of null-frag at frame " << fragmented_frame;
}

TEST(InspectCommand, TruncatedMixedPcapngExitsTwoWithFrameAndOffset) {
  TempDirectory directory("mqtt-inspect-pcapng");
  std::uint64_t fragmented_frame = 0;
  const auto builder = mixed_capture(fragmented_frame);
  Bytes bytes = builder.bytes();
  const std::size_t fifth_end = builder.packet_ends()[4];
  bytes.resize(fifth_end + 6);
  const auto file = directory.path() / "cut.pcapng";
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  const auto result =
      run_harness("inspect --quiet " + file.string() + " --report-dir " + (directory.path() / "report").string());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("frame 6 (byte offset " + std::to_string(fifth_end) + ")"), std::string::npos)
      << result.output;
  // One line names the file, the frame and the offset.
  std::istringstream lines(result.output);
  std::string line;
  int naming = 0;
  while (std::getline(lines, line)) {
    if (line.find("cut.pcapng") == std::string::npos) continue;
    ++naming;
    EXPECT_NE(line.find("frame 6 (byte offset " + std::to_string(fifth_end) + "): "), std::string::npos)
        << line;
  }
  EXPECT_EQ(naming, 1) << result.output;
}

}  // namespace
}  // namespace mqtt::capture::test
