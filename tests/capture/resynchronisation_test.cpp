// Finding packet boundaries mid-stream: each direction tries MQTT 3.1.1 and 5.0 on its own, says when the
// version is a guess, and does work linear in the bytes (asserted on the work counters, not on time).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "capture/capture_analyser.hpp"
#include "capture/mqtt_direction.hpp"
#include "capture/packet_boundary_search.hpp"
#include "codec/encoder.hpp"
#include "pcap_builder.hpp"

namespace mqtt::capture::test {
namespace {

using Basis = PacketBoundarySearch::Found::Basis;

Bytes v5_publish(const std::string& topic, const std::string& payload, QoS qos = QoS::at_most_once,
                 std::uint16_t packet_id = 0) {
  Publish publish;
  publish.version = ProtocolVersion::v5;
  publish.topic = topic;
  publish.qos = qos;
  if (qos != QoS::at_most_once) publish.packet_id = packet_id;
  publish.payload.assign(payload.begin(), payload.end());
  return encode(publish);
}

Bytes v5_connack() {
  Connack connack;
  connack.version = ProtocolVersion::v5;
  return encode(connack);
}

// Bytes 0x30-0x3F all start plausible PUBLISH headers: the hardest filler for a boundary search.
Bytes publish_like_filler(std::size_t size, std::uint32_t seed) {
  std::mt19937 random(seed);
  Bytes bytes(size);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(0x30 + random() % 16);
  return bytes;
}

bool any_note_contains(const ConnectionSummary& row, const std::string& text) {
  return std::any_of(row.notes.begin(), row.notes.end(),
                     [&](const std::string& note) { return note.find(text) != std::string::npos; });
}

TEST(PacketBoundarySearch, SkipsTheTailOfAPacketAndFindsThe311Chain) {
  const Bytes tail = {0x6F, 0x6E, 0x65, 0x21};  // the end of a payload
  const Bytes bytes = concat({tail, publish_bytes("a/b", "hello"), publish_bytes("a/c", "world")});
  PacketBoundarySearch search(Sender::client, std::nullopt);
  const auto found = search.search(bytes, false);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->offset, tail.size());
  EXPECT_EQ(found->version, ProtocolVersion::v3_1_1);
  EXPECT_EQ(found->basis, Basis::only_version);  // "hello" is no 5.0 property block
}

TEST(PacketBoundarySearch, A5PublishIsRead5NotAs311WithTheProperyBlockInItsPayload) {
  const Bytes bytes = concat({Bytes{0x00, 0x17}, v5_publish("a/b", "one"), v5_publish("a/b", "two")});
  PacketBoundarySearch search(Sender::client, std::nullopt);
  const auto found = search.search(bytes, false);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->offset, 2u);
  EXPECT_EQ(found->version, ProtocolVersion::v5);
  EXPECT_EQ(found->basis, Basis::stricter_reading);
}

TEST(PacketBoundarySearch, ACompleteV5ConnackAloneAtTheEndIsFoundAs5) {
  const Bytes bytes = concat({Bytes{0x01}, v5_connack()});
  PacketBoundarySearch search(Sender::server, std::nullopt);
  EXPECT_FALSE(search.search(bytes, false));  // one packet: wait for the next or the end
  const auto found = search.search(bytes, true);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->offset, 1u);
  EXPECT_EQ(found->version, ProtocolVersion::v5);
  EXPECT_EQ(found->basis, Basis::only_version);
}

TEST(PacketBoundarySearch, PacketsThatReadTheSameTakeTheHintOr311) {
  const Bytes pingresps = {0xD0, 0x00, 0xD0, 0x00};
  PacketBoundarySearch without_hint(Sender::server, std::nullopt);
  const auto plain = without_hint.search(pingresps, false);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->version, ProtocolVersion::v3_1_1);
  EXPECT_EQ(plain->basis, Basis::same_reading);
  PacketBoundarySearch with_hint(Sender::server, std::nullopt);
  const auto hinted = with_hint.search(pingresps, false, ProtocolVersion::v5);
  ASSERT_TRUE(hinted);
  EXPECT_EQ(hinted->version, ProtocolVersion::v5);
}

TEST(PacketBoundarySearch, AKnownVersionIsTheOnlyOneTried) {
  const Bytes bytes = concat({v5_publish("a/b", "one"), v5_publish("a/b", "two")});
  PacketBoundarySearch search(Sender::client, ProtocolVersion::v3_1_1);
  const auto found = search.search(bytes, false);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->version, ProtocolVersion::v3_1_1);
  EXPECT_EQ(found->basis, Basis::known_version);
}

TEST(PacketBoundarySearch, FedAByteAtATimeItFindsTheSameBoundaryWithBoundedWork) {
  const Bytes bytes =
      concat({publish_like_filler(3000, 7), publish_bytes("x/y", "after"), publish_bytes("x/z", "again")});
  PacketBoundarySearch whole(Sender::client, std::nullopt);
  const auto expected = whole.search(bytes, true);
  ASSERT_TRUE(expected);
  PacketBoundarySearch bytewise(Sender::client, std::nullopt);
  std::optional<PacketBoundarySearch::Found> found;
  for (std::size_t end = 1; end <= bytes.size() && !found; ++end) {
    found = bytewise.search(std::span<const std::uint8_t>(bytes).first(end), false);
  }
  if (!found) found = bytewise.search(bytes, true);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->offset, expected->offset);
  // Each offset is examined at most 13 times (the bound in packet_boundary_search.hpp), whatever the split.
  EXPECT_LE(bytewise.offsets_examined(), 13 * bytes.size());
  EXPECT_LE(bytewise.packets_decoded(), 2 * bytes.size());
}

// The issue-12 case: a gap inside a large payload of PUBLISH-like bytes, the rest arriving segment by
// segment. The old search rescanned from the start on every segment (about 40 minutes at 1 MiB).
TEST(MqttDirectionResynchronisation, GapThenAMebibyteOfPayloadIsLinearWork) {
  constexpr std::size_t filler_size = (1u << 20) - 4096;  // under the 1 MiB a direction holds
  constexpr std::uint32_t seed = 12;
  std::printf("seed %u\n", seed);
  const Bytes stream = concat({publish_like_filler(filler_size, seed), publish_bytes("dtu/1/t", "first"),
                               publish_bytes("dtu/1/t", "second")});
  MqttDirection direction(Sender::client, false, false);
  direction.data(connect_bytes("dtu-1"), 1, 0);
  direction.gap(connect_bytes("dtu-1").size(), 1460, "segment not captured", 2, 1);
  std::uint64_t frame = 3;
  for (std::size_t at = 0; at < stream.size(); at += 1460) {
    const auto end = std::min(stream.size(), at + 1460);
    direction.data(std::span<const std::uint8_t>(stream).subspan(at, end - at), frame, static_cast<int>(frame));
    ++frame;
  }
  direction.finish(frame, static_cast<int>(frame));
  std::vector<std::string> topics;
  for (const auto& event : direction.take()) {
    if (event.kind == DirectionEvent::Kind::packet && std::holds_alternative<Publish>(*event.packet)) {
      topics.push_back(std::get<Publish>(*event.packet).topic + " " +
                       std::string(std::get<Publish>(*event.packet).payload.begin(),
                                   std::get<Publish>(*event.packet).payload.end()));
    }
  }
  EXPECT_EQ(topics, (std::vector<std::string>{"dtu/1/t first", "dtu/1/t second"}));
  EXPECT_GE(direction.offsets_examined(), filler_size);  // every filler offset was looked at ...
  EXPECT_LE(direction.offsets_examined(), 2 * stream.size());  // ... about once
}

// The same through the whole analyser: a hole, then a mebibyte of later segments held out of order until the
// end of the capture proves the hole, then released at once.
TEST(MqttDirectionResynchronisation, HoleFollowedByAMebibyteOutOfOrderIsLinearWork) {
  constexpr std::uint32_t seed = 21;
  std::printf("seed %u\n", seed);
  Conversation tcp({"127.0.0.1", 50100}, {"127.0.0.1", 1883});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : tcp.handshake()) builder.add(segment);
  builder.add(tcp.client_sends(connect_bytes("holey")));
  builder.add(tcp.server_sends(connack_bytes()));
  tcp.client_sends(publish_like_filler(1460, seed));  // never captured
  const Bytes rest = concat({publish_like_filler((1u << 20) - 8192, seed + 1), publish_bytes("h/1", "a"),
                             publish_bytes("h/2", "b")});
  for (std::size_t at = 0; at < rest.size(); at += 1460) {
    const auto end = std::min(rest.size(), at + 1460);
    builder.add(tcp.client_sends(Bytes(rest.begin() + static_cast<std::ptrdiff_t>(at),
                                       rest.begin() + static_cast<std::ptrdiff_t>(end))));
  }
  TempCapture file("mqtt-resync", "hole-mebibyte");
  builder.write(file.path());
  const auto analysis = analyse_capture_file(file.path());
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_FALSE(row.judged);
  EXPECT_TRUE(row.topics.contains("h/1"));
  EXPECT_TRUE(row.topics.contains("h/2"));
  EXPECT_LE(analysis.resynchronisation_offsets_examined, 2 * rest.size());
}

// Issue 11 §8: the capture begins after a v5 client's CONNECT. The broker's direction is valid only as 5.0
// (its CONNACK has a property length); the client's v5 PUBLISHes must keep their payloads.
TEST(MqttDirectionResynchronisation, EachDirectionTriesBothVersionsOnItsOwn) {
  Conversation tcp({"127.0.0.1", 50101}, {"127.0.0.1", 1883});
  tcp.handshake();
  Connect connect;
  connect.version = ProtocolVersion::v5;
  connect.client_id = "v5-dtu";
  tcp.client_sends(encode(connect));  // before the capture began
  PcapBuilder builder(Link::sll2);
  builder.add(tcp.server_sends(v5_connack()));
  builder.add(tcp.client_sends(v5_publish("v5/t", "payload-1")));
  builder.add(tcp.client_sends(v5_publish("v5/t", "payload-2", QoS::at_least_once, 9)));
  const auto analysis = [&] {
    TempCapture file("mqtt-resync", "v5-midstream");
    builder.write(file.path());
    return analyse_capture_file(file.path());
  }();
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_EQ(row.received.at("CONNACK"), 1u);
  EXPECT_EQ(row.sent.at("PUBLISH"), 2u);
  EXPECT_FALSE(row.version);
  EXPECT_EQ(row.assumed_version, ProtocolVersion::v5);
  EXPECT_TRUE(row.not_judged.empty()) << row.not_judged;  // 5.0 streams are judged
  EXPECT_TRUE(any_note_contains(row, "broker stream: resynchronised"));
  EXPECT_TRUE(any_note_contains(row, "client stream: resynchronised"));
  for (const auto& note : row.notes) {
    if (note.find("decoding as MQTT") != std::string::npos) {
      EXPECT_NE(note.find("(assumed"), std::string::npos) << note;
    }
  }
  for (const auto& event : analysis.history.events) {
    if (!event.packet || !std::holds_alternative<Publish>(*event.packet)) continue;
    const auto& publish = std::get<Publish>(*event.packet);
    EXPECT_EQ(publish.version, ProtocolVersion::v5);
    const std::string payload(publish.payload.begin(), publish.payload.end());
    EXPECT_TRUE(payload == "payload-1" || payload == "payload-2") << payload;
  }
}

TEST(MqttDirectionResynchronisation, ADecodeErrorUnderAnAssumedVersionStopsJudgingInsteadOfAccusing) {
  Conversation tcp({"127.0.0.1", 50102}, {"127.0.0.1", 1883});
  tcp.handshake();
  tcp.client_sends(connect_bytes("guess"));
  tcp.server_sends(connack_bytes());
  PcapBuilder builder(Link::ethernet);
  builder.add(tcp.server_sends(Bytes{0xD0, 0x00, 0xD0, 0x00}));  // PINGRESPs: read the same in 3.1.1 and 5.0
  builder.add(tcp.server_sends(Bytes{0x40, 0x03, 0x00, 0x01, 0x10}));  // a v5 PUBACK with a reason code
  TempCapture file("mqtt-resync", "assumed-error");
  builder.write(file.path());
  const auto analysis = analyse_capture_file(file.path());
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_TRUE(any_note_contains(row, "(assumed: no CONNECT seen)"));
  EXPECT_FALSE(row.judged);
  EXPECT_EQ(row.decode_errors, 0u);
  for (const auto& event : analysis.history.events) EXPECT_NE(event.kind, history::EventKind::decode_error);
}

}  // namespace
}  // namespace mqtt::capture::test
