// Crafted captures, written by the tests themselves: link layers, IPv6, reordering, retransmission, overlaps,
// split length fields, mid-stream starts, snaplen cuts, missing segments, WebSocket, bad files.
#include "capture/capture_analyser.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "codec/encoder.hpp"
#include "pcap_builder.hpp"
#include "websocket_frames.hpp"

namespace mqtt::capture::test {
namespace {

using history::EventKind;

class TempFile : public TempCapture {
 public:
  explicit TempFile(const std::string& name) : TempCapture("mqtt-capture", name, ".pcap") {}
};

CaptureAnalysis analyse(const PcapBuilder& builder, const std::string& name, CaptureOptions options = {}) {
  TempFile file(name);
  builder.write(file.path());
  return analyse_capture_file(file.path(), options);
}

std::vector<std::string> kinds(const CaptureAnalysis& analysis) {
  std::vector<std::string> out;
  for (const auto& event : analysis.history.events) {
    std::string text(history::to_string(event.kind));
    if (event.packet) text.append(" ").append(to_string(packet_type(*event.packet)));
    out.push_back(text);
  }
  return out;
}

bool any_note_contains(const ConnectionSummary& row, const std::string& text) {
  return std::any_of(row.notes.begin(), row.notes.end(),
                     [&](const std::string& note) { return note.find(text) != std::string::npos; });
}


const std::vector<std::string> qos1_kinds = {"open",         "sent CONNECT",    "received CONNACK",
                                             "sent PUBLISH", "received PUBACK", "sent DISCONNECT",
                                             "closed"};

TEST(CaptureAnalyser, SummarisesACompleteSessionWithFrameNumbers) {
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : qos1_session({"10.0.0.2", 50312}, {"10.0.0.1", 1883})) builder.add(segment);
  const auto analysis = analyse(builder, "complete");
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_EQ(row.client, "10.0.0.2:50312");
  EXPECT_EQ(row.server, "10.0.0.1:1883");
  EXPECT_EQ(row.client_id, "dtu-7");
  EXPECT_EQ(row.version, ProtocolVersion::v3_1_1);
  EXPECT_EQ(row.keep_alive, 60);
  EXPECT_TRUE(row.from_syn);
  EXPECT_EQ(row.sent.at("PUBLISH"), 1u);
  EXPECT_EQ(row.received.at("PUBACK"), 1u);
  EXPECT_EQ(row.publish_qos_sent[1], 1u);
  EXPECT_TRUE(row.topics.contains("dtu/7/telemetry"));
  EXPECT_TRUE(row.judged);
  EXPECT_EQ(row.close, "client closed first (FIN) at frame 9");
  EXPECT_EQ(kinds(analysis), qos1_kinds);
  EXPECT_EQ(analysis.history.events[1].frame, 4u);  // CONNECT is frame 4, after the handshake
  EXPECT_EQ(analysis.history.events.back().close_reason, history::CloseReason::local_close);
  EXPECT_EQ(analysis.history.events[0].sequence, 1u);
}

struct LinkCase {
  Link link;
  const char* client;
  const char* server;
  const char* name;
};

class CaptureLinkTypes : public ::testing::TestWithParam<LinkCase> {};

TEST_P(CaptureLinkTypes, DecodeTheSameSession) {
  const auto& param = GetParam();
  PcapBuilder builder(param.link);
  for (const auto& segment : qos1_session({param.client, 40000}, {param.server, 1883})) builder.add(segment);
  const auto analysis = analyse(builder, param.name);
  ASSERT_EQ(analysis.connections.size(), 1u) << param.name;
  EXPECT_EQ(kinds(analysis), qos1_kinds) << param.name;
  EXPECT_EQ(analysis.connections[0].client_id, "dtu-7");
}

INSTANTIATE_TEST_SUITE_P(Links, CaptureLinkTypes,
                         ::testing::Values(LinkCase{Link::ethernet, "::1", "::1", "ethernet_ipv6"},
                                           LinkCase{Link::ethernet_vlan, "10.0.0.2", "10.0.0.1", "vlan"},
                                           LinkCase{Link::sll, "127.0.0.1", "127.0.0.1", "sll"},
                                           LinkCase{Link::sll2, "127.0.0.1", "127.0.0.1", "sll2"},
                                           LinkCase{Link::sll2, "fd00::2", "fd00::1", "sll2_ipv6"},
                                           LinkCase{Link::null_loopback, "127.0.0.1", "127.0.0.1", "null"},
                                           LinkCase{Link::null_loopback, "::1", "::1", "null_ipv6"},
                                           LinkCase{Link::raw, "10.0.0.2", "10.0.0.1", "raw"}),
                         [](const auto& info) { return std::string(info.param.name); });

// Splits one segment's payload at `at` into two segments with the right sequence numbers.
std::pair<Segment, Segment> split(const Segment& segment, std::size_t at) {
  Segment first = segment;
  Segment second = segment;
  first.payload.assign(segment.payload.begin(), segment.payload.begin() + static_cast<std::ptrdiff_t>(at));
  second.payload.assign(segment.payload.begin() + static_cast<std::ptrdiff_t>(at), segment.payload.end());
  second.sequence = segment.sequence + static_cast<std::uint32_t>(at);
  second.time_ns += 1000;
  return {first, second};
}

TEST(CaptureReassembly, OutOfOrderRetransmittedOverlappingAndSplitLengthField) {
  Conversation tcp({"127.0.0.1", 50000}, {"127.0.0.1", 1883});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : tcp.handshake()) builder.add(segment);
  builder.add(tcp.client_sends(connect_bytes("split")));
  builder.add(tcp.server_sends(connack_bytes()));
  // A 300-byte payload needs a two-byte remaining length: cut between its two bytes (offset 2).
  const auto publish = tcp.client_sends(publish_bytes("big", std::string(300, 'x')));
  const auto [head, rest] = split(publish, 2);
  const auto [middle, tail] = split(rest, 100);
  builder.add(tail);         // out of order: the tail first
  builder.add(head);         // frame 7
  builder.add(head);         // a retransmission
  Segment overlap = middle;  // overlaps the tail that is already held
  overlap.payload.insert(overlap.payload.end(), tail.payload.begin(), tail.payload.begin() + 20);
  builder.add(overlap);  // frame 9 completes the PUBLISH
  builder.add(tcp.client_sends(disconnect_bytes()));
  const auto analysis = analyse(builder, "reorder");
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_EQ(row.sent.at("PUBLISH"), 1u);
  EXPECT_EQ(row.sent.at("DISCONNECT"), 1u);
  EXPECT_TRUE(row.judged);
  const auto& events = analysis.history.events;
  const auto found = std::find_if(events.begin(), events.end(), [](const auto& event) {
    return event.packet && packet_type(*event.packet) == PacketType::publish;
  });
  ASSERT_NE(found, events.end());
  EXPECT_EQ(found->frame, 9u);
  EXPECT_EQ(std::get<Publish>(*found->packet).payload.size(), 300u);
}

TEST(CaptureReassembly, MidStreamCaptureResynchronisesAndSaysSo) {
  Conversation tcp({"127.0.0.1", 50001}, {"127.0.0.1", 1883});
  tcp.handshake();
  tcp.client_sends(connect_bytes("late"));
  tcp.server_sends(connack_bytes());
  const auto first = tcp.client_sends(publish_bytes("a/b", "one two three four"));
  PcapBuilder builder(Link::sll2);
  builder.add(split(first, 7).second);  // the capture starts inside a PUBLISH
  builder.add(tcp.client_sends(publish_bytes("a/b", "second")));
  builder.add(tcp.client_sends(publish_bytes("a/c", "third")));
  builder.add(tcp.server_sends(Bytes{0xD0, 0x00}));  // a PINGRESP from the broker
  const auto analysis = analyse(builder, "midstream");
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_FALSE(row.from_syn);
  EXPECT_EQ(row.client, "127.0.0.1:50001");  // by port, although nobody sent CONNECT
  EXPECT_EQ(row.sent.at("PUBLISH"), 2u);
  EXPECT_TRUE(any_note_contains(row, "resynchronised"));
  EXPECT_TRUE(any_note_contains(row, "no SYN"));
  EXPECT_EQ(row.received.at("PINGRESP"), 1u);
}

TEST(CaptureReassembly, SnaplenCutIsAGapNeverGuessed) {
  Conversation tcp({"127.0.0.1", 50002}, {"127.0.0.1", 1883});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : tcp.handshake()) builder.add(segment);
  builder.add(tcp.client_sends(connect_bytes("cut")));
  builder.add(tcp.server_sends(connack_bytes()));
  builder.add(tcp.client_sends(publish_bytes("a/b", std::string(200, 'y'))), 100);
  builder.add(tcp.client_sends(publish_bytes("a/b", "after")));
  builder.add(tcp.client_sends(publish_bytes("a/b", "after again")));
  const auto analysis = analyse(builder, "snaplen");
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_FALSE(row.judged);
  EXPECT_TRUE(any_note_contains(row, "cut by snaplen"));
  EXPECT_EQ(row.sent.at("PUBLISH"), 2u);  // the two after the gap, after resynchronising
  const bool fault = std::any_of(analysis.history.events.begin(), analysis.history.events.end(),
                                 [](const auto& event) { return event.kind == EventKind::fault; });
  EXPECT_TRUE(fault);
}

TEST(CaptureReassembly, ConnectCutBySnaplenStillLetsTheBrokerStreamBeDecoded) {
  Conversation tcp({"127.0.0.1", 50005}, {"127.0.0.1", 1883});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : tcp.handshake()) builder.add(segment);
  builder.add(tcp.client_sends(connect_bytes("cut-connect")), 60);  // the CONNECT's version byte is lost
  builder.add(tcp.server_sends(connack_bytes()));
  builder.add(tcp.server_sends(publish_bytes("down/1", "a")));
  builder.add(tcp.server_sends(publish_bytes("down/2", "b")));
  const auto analysis = analyse(builder, "cut-connect");
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_FALSE(row.version.has_value());
  EXPECT_EQ(row.received.at("CONNACK"), 1u);
  EXPECT_EQ(row.received.at("PUBLISH"), 2u);
  EXPECT_TRUE(any_note_contains(row, "broker stream: resynchronised"));
  EXPECT_FALSE(row.judged);
}

TEST(CaptureReassembly, SegmentMissingFromTheCaptureIsReportedWhenTheAckProvesIt) {
  Conversation tcp({"127.0.0.1", 50003}, {"127.0.0.1", 1883});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : tcp.handshake()) builder.add(segment);
  builder.add(tcp.client_sends(connect_bytes("lossy")));
  builder.add(tcp.server_sends(connack_bytes()));
  tcp.client_sends(publish_bytes("a/b", "never captured"));
  builder.add(tcp.server_sends(Bytes{}));  // the broker acknowledges the missing bytes
  builder.add(tcp.client_sends(publish_bytes("a/b", "later")));
  builder.add(tcp.client_sends(publish_bytes("a/b", "later again")));
  const auto analysis = analyse(builder, "missing");
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_TRUE(any_note_contains(row, "segment not captured"));
  EXPECT_FALSE(row.judged);
  EXPECT_EQ(row.sent.at("PUBLISH"), 2u);
}

TEST(CaptureDetection, PortsContentAndTls) {
  PcapBuilder builder(Link::ethernet);
  // MQTT on an unusual port, found by its CONNECT.
  for (const auto& segment : qos1_session({"10.0.0.2", 41000}, {"10.0.0.1", 9999})) builder.add(segment);
  // Something else on another unusual port: not MQTT.
  Conversation http({"10.0.0.2", 41001}, {"10.0.0.1", 8080});
  for (const auto& segment : http.handshake()) builder.add(segment);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  builder.add(http.client_sends(Bytes(request.begin(), request.end())));
  // MQTT over TLS: skipped with a note.
  Conversation tls({"10.0.0.2", 41002}, {"10.0.0.1", 8883});
  for (const auto& segment : tls.handshake()) builder.add(segment);
  builder.add(tls.client_sends(Bytes{0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5}));
  const auto analysis = analyse(builder, "detection");
  ASSERT_EQ(analysis.connections.size(), 1u);
  EXPECT_EQ(analysis.connections[0].server, "10.0.0.1:9999");
  const bool tls_note =
      std::any_of(analysis.notes.begin(), analysis.notes.end(), [](const std::string& note) {
        return note.find("8883") != std::string::npos && note.find("TLS") != std::string::npos;
      });
  EXPECT_TRUE(tls_note);
}

TEST(CaptureDetection, PortOptionMakesAMidStreamConnectionMqtt) {
  Conversation tcp({"10.0.0.2", 42000}, {"10.0.0.1", 7000});
  tcp.handshake();
  tcp.client_sends(connect_bytes("x"));
  PcapBuilder builder(Link::ethernet);
  builder.add(tcp.client_sends(publish_bytes("t", "1")));
  builder.add(tcp.client_sends(publish_bytes("t", "2")));
  EXPECT_TRUE(analyse(builder, "noport").connections.empty());
  CaptureOptions options;
  options.mqtt_ports.insert(7000);
  const auto analysis = analyse(builder, "port", options);
  ASSERT_EQ(analysis.connections.size(), 1u);
  EXPECT_EQ(analysis.connections[0].sent.at("PUBLISH"), 2u);
}

TEST(CaptureWebSocket, UpgradeThenMqttSplitAcrossMaskedFrames) {
  Conversation tcp({"10.0.0.2", 43000}, {"10.0.0.1", 8080});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : tcp.handshake()) builder.add(segment);
  builder.add(tcp.client_sends(websocket_upgrade_request()));
  builder.add(tcp.server_sends(websocket_upgrade_response()));
  const Bytes connect = connect_bytes("ws-client");
  const Bytes first(connect.begin(), connect.begin() + 5);
  const Bytes second(connect.begin() + 5, connect.end());
  // The CONNECT spans two WebSocket frames, and the second frame shares a TCP segment with a PUBLISH frame.
  builder.add(tcp.client_sends(websocket_frame(first, true)));
  builder.add(tcp.client_sends(concat(
      {websocket_frame(second, true), websocket_frame(publish_bytes("ws/t", std::string(200, 'w')), true)})));
  builder.add(tcp.server_sends(websocket_frame(connack_bytes(), false)));
  const auto analysis = analyse(builder, "websocket");
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_EQ(row.transport, "websocket");
  EXPECT_EQ(row.client_id, "ws-client");
  EXPECT_EQ(row.sent.at("PUBLISH"), 1u);
  EXPECT_EQ(row.received.at("CONNACK"), 1u);
  EXPECT_EQ(row.decode_errors, 0u);
}

TEST(CaptureDecoding, BrokerBytesThatDoNotDecodeAreADecodeErrorWithTheFrame) {
  Conversation tcp({"127.0.0.1", 50004}, {"127.0.0.1", 1883});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : tcp.handshake()) builder.add(segment);
  builder.add(tcp.client_sends(connect_bytes("victim")));
  builder.add(tcp.server_sends(connack_bytes()));
  builder.add(tcp.server_sends(Bytes{0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01}));  // PUBLISH with QoS 3
  const auto analysis = analyse(builder, "decode-error");
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& events = analysis.history.events;
  const auto found = std::find_if(events.begin(), events.end(),
                                  [](const auto& event) { return event.kind == EventKind::decode_error; });
  ASSERT_NE(found, events.end());
  EXPECT_EQ(found->frame, 6u);
  ASSERT_TRUE(found->error.has_value());
  EXPECT_EQ(found->error->statement, "MQTT-3.3.1-4");
  EXPECT_EQ(analysis.connections[0].decode_errors, 1u);
}

TEST(CaptureFile, TruncatedFileNamesTheFrame) {
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : qos1_session({"10.0.0.2", 50312}, {"10.0.0.1", 1883})) builder.add(segment);
  Bytes bytes = builder.bytes();
  bytes.resize(bytes.size() - 10);
  TempFile file("truncated");
  std::ofstream(file.path(), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  try {
    analyse_capture_file(file.path());
    FAIL() << "a truncated file must be an error";
  } catch (const CaptureError& error) {
    EXPECT_EQ(error.frame(), 10u);
    EXPECT_NE(std::string(error.what()).find("frame 10"), std::string::npos) << error.what();
    EXPECT_GT(error.byte_offset(), 0);
  }
}

TEST(CaptureFile, NotACaptureIsAnErrorAtTheHeader) {
  TempFile file("garbage");
  std::ofstream(file.path()) << "this is not a capture file at all";
  try {
    analyse_capture_file(file.path());
    FAIL() << "garbage must be an error";
  } catch (const CaptureError& error) {
    EXPECT_EQ(error.frame(), 0u);
  }
}

TEST(CaptureFile, RandomByteFlipsNeverCrash) {
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : qos1_session({"10.0.0.2", 50312}, {"10.0.0.1", 1883})) builder.add(segment);
  const std::uint64_t seed = std::random_device{}();
  std::mt19937_64 random(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::printf("byte-flip seed %llu\n", static_cast<unsigned long long>(seed));
  TempFile file("flips");
  for (int round = 0; round < 400; ++round) {
    Bytes bytes = builder.bytes();
    const int flips = 1 + static_cast<int>(random() % 8);
    for (int i = 0; i < flips; ++i) {
      // Mostly past the 24-byte file header, where the interesting parsing is.
      const std::size_t at = 24 + random() % (bytes.size() - 24);
      bytes[at] ^= static_cast<std::uint8_t>(1 + random() % 255);
    }
    if (random() % 4 == 0) bytes.resize(24 + random() % (bytes.size() - 24));
    std::ofstream(file.path(), std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    try {
      const auto analysis = analyse_capture_file(file.path());
      // Whatever was read, the history stays well formed: increasing sequences, frames from the file.
      std::uint64_t previous = 0;
      for (const auto& event : analysis.history.events) {
        EXPECT_GT(event.sequence, previous);
        previous = event.sequence;
        ASSERT_TRUE(event.frame.has_value());
        EXPECT_LE(*event.frame, analysis.frames);
      }
    } catch (const CaptureError&) {
      // A clear error is a fine outcome; a crash or a hang is not.
    }
  }
}

}  // namespace
}  // namespace mqtt::capture::test

namespace mqtt::capture::test {
namespace {

TEST(CaptureFixture, MosquittoClientsIn311And5AreDecodedWithTheirOptions) {
  CaptureOptions options;
  options.mqtt_ports.insert(18830);
  const auto analysis =
      analyse_capture_file(std::filesystem::path(MQTT_CAPTURE_TEST_DATA) / "mosquitto-v311-v5.pcap", options);
  EXPECT_EQ(analysis.frames, 45u);
  ASSERT_EQ(analysis.connections.size(), 3u);
  const auto& publisher = analysis.connections[0];
  EXPECT_EQ(publisher.client_id, "fixture-pub");
  EXPECT_EQ(publisher.version, ProtocolVersion::v3_1_1);
  EXPECT_EQ(publisher.publish_qos_sent[2], 1u);
  EXPECT_EQ(publisher.received.at("PUBCOMP"), 1u);
  const auto& subscriber = analysis.connections[1];
  EXPECT_EQ(subscriber.version, ProtocolVersion::v5);
  EXPECT_EQ(subscriber.will, "fixture/will (QoS 0)");
  EXPECT_EQ(subscriber.publish_qos_received[1], 1u);
  EXPECT_TRUE(subscriber.topics.contains("fixture/retained"));
  EXPECT_EQ(analysis.connections[2].client_id, "fixture-pub5");
  for (const auto& row : analysis.connections) {
    EXPECT_TRUE(row.notes.empty());
    EXPECT_EQ(row.close.rfind("client closed first (FIN)", 0), 0u) << row.close;
  }
  // The same capture as pcapng reads the same.
  const auto pcapng = analyse_capture_file(
      std::filesystem::path(MQTT_CAPTURE_TEST_DATA) / "mosquitto-v311-v5.pcapng", options);
  EXPECT_EQ(pcapng.frames, 45u);
  EXPECT_EQ(pcapng.history.events, analysis.history.events);
  // Without the port option the connections are still found: each client stream begins with CONNECT.
  EXPECT_EQ(analyse_capture_file(std::filesystem::path(MQTT_CAPTURE_TEST_DATA) / "mosquitto-v311-v5.pcap")
                .connections.size(),
            3u);
}

}  // namespace
}  // namespace mqtt::capture::test

namespace mqtt::capture::test {
namespace {

TEST(CaptureSummary, ConnectionDecidedOnlyAtTheEndKeepsItsFrameRange) {
  // A handshake on the MQTT port and nothing else: the connection is only recognised when the capture ends,
  // and its summary must still span the frames it was seen in (it used to say "frames 1-0").
  Conversation tcp({"127.0.0.1", 50009}, {"127.0.0.1", 1883});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : tcp.handshake()) builder.add(segment);
  const auto analysis = analyse(builder, "decided-late");
  ASSERT_EQ(analysis.connections.size(), 1u);
  EXPECT_EQ(analysis.connections[0].first_frame, 1u);
  EXPECT_EQ(analysis.connections[0].last_frame, 3u);
  EXPECT_GT(analysis.connections[0].last_time_ns, analysis.connections[0].first_time_ns);
}

}  // namespace
}  // namespace mqtt::capture::test
