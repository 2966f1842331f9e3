// IP fragments reassembled before TCP: a CONNECT and a PUBLISH carried in one TCP segment split into IPv4
// fragments and into IPv6 Fragment headers, in order and out of order; duplicates; overlapping fragments
// with different bytes; a missing fragment (reported, never guessed); the reassembler's memory bounds.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "capture/capture_analyser.hpp"
#include "capture/ip_reassembler.hpp"
#include "ip_fragmenter.hpp"
#include "pcap_builder.hpp"

namespace mqtt::capture::test {
namespace {

using history::EventKind;

class TempFile : public TempCapture {
 public:
  explicit TempFile(const std::string& name) : TempCapture("mqtt-fragments", name, ".pcap") {}
};

bool contains(const std::vector<std::string>& notes, const std::string& text) {
  return std::any_of(notes.begin(), notes.end(),
                     [&](const std::string& note) { return note.find(text) != std::string::npos; });
}

// (packet type, frame) of every event that carries a packet, in history order.
std::vector<std::pair<std::string, std::uint64_t>> packets(const CaptureAnalysis& analysis) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& event : analysis.history.events) {
    if (event.packet) out.emplace_back(to_string(packet_type(*event.packet)), event.frame.value_or(0));
  }
  return out;
}

// A session whose CONNECT and 700-byte PUBLISH travel in one TCP segment, which `split` turns into the
// frames written in its place (fragments, reordered, repeated or missing).
struct FragmentedSession {
  std::vector<Segment> before;  // handshake
  Segment carrier;              // CONNECT + PUBLISH
  std::vector<Segment> after;   // CONNACK, PUBACK, DISCONNECT, FINs
};

FragmentedSession fragmented_session(const std::string& client, const std::string& server) {
  Conversation tcp({client, 50312}, {server, 1883});
  FragmentedSession session;
  session.before = tcp.handshake();
  session.carrier = tcp.client_sends(concat(
      {connect_bytes("frag-1"), publish_bytes("dtu/1/blob", std::string(700, 'x'), QoS::at_least_once, 7)}));
  session.after.push_back(tcp.server_sends(connack_bytes()));
  session.after.push_back(tcp.server_sends(puback_bytes(7)));
  session.after.push_back(tcp.client_sends(disconnect_bytes()));
  session.after.push_back(tcp.client_fin());
  session.after.push_back(tcp.server_fin());
  return session;
}

CaptureAnalysis analyse(Link link, const FragmentedSession& session, const std::vector<Bytes>& carrier_frames,
                        const std::string& name) {
  PcapBuilder builder(link);
  for (const auto& segment : session.before) builder.add(segment);
  for (const auto& fragment : carrier_frames)
    builder.add_frame(link_frame(link, fragment), session.carrier.time_ns);
  for (const auto& segment : session.after) builder.add(segment);
  TempFile file(name);
  builder.write(file.path());
  return analyse_capture_file(file.path());
}

std::vector<Bytes> pick(const std::vector<Bytes>& fragments, std::initializer_list<std::size_t> order) {
  std::vector<Bytes> out;
  for (const auto index : order) out.push_back(fragments[index]);
  return out;
}

// Frames 1-3 handshake, then the carrier's frames, then CONNACK, PUBACK, DISCONNECT.
void expect_reassembled(const CaptureAnalysis& analysis, std::uint64_t carrier_frames) {
  const std::uint64_t completed = 3 + carrier_frames;  // the frame that completed the datagram
  const std::vector<std::pair<std::string, std::uint64_t>> expected = {{"CONNECT", completed},
                                                                       {"PUBLISH", completed},
                                                                       {"CONNACK", completed + 1},
                                                                       {"PUBACK", completed + 2},
                                                                       {"DISCONNECT", completed + 3}};
  EXPECT_EQ(packets(analysis), expected);
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_EQ(row.client_id, "frag-1");
  EXPECT_EQ(row.publish_qos_sent[1], 1u);
  EXPECT_TRUE(row.judged);
  EXPECT_TRUE(row.notes.empty()) << row.notes.front();
  EXPECT_EQ(contains(analysis.notes, "1 IP datagram(s) reassembled from 3 fragment(s)"), carrier_frames == 3)
      << ::testing::PrintToString(analysis.notes);
}

TEST(IpFragments, Ipv4FragmentsInOrderAreReassembledAtTheLastFragmentsFrame) {
  const auto session = fragmented_session("10.0.0.2", "10.0.0.1");
  const auto fragments = fragment_ipv4(ip_packet(session.carrier), 256, 0x1c46);
  ASSERT_EQ(fragments.size(), 3u);
  const auto analysis = analyse(Link::ethernet, session, fragments, "v4-in-order");
  expect_reassembled(analysis, 3);
  EXPECT_TRUE(contains(analysis.notes, "2 frame(s) skipped: IP fragment, held for reassembly"));
  EXPECT_EQ(analysis.frames, 11u);
}

TEST(IpFragments, Ipv4FragmentsOutOfOrder) {
  const auto session = fragmented_session("10.0.0.2", "10.0.0.1");
  const auto fragments = fragment_ipv4(ip_packet(session.carrier), 256, 0x1c46);
  expect_reassembled(analyse(Link::sll, session, pick(fragments, {2, 0, 1}), "v4-reordered"), 3);
}

TEST(IpFragments, Ipv6FragmentHeadersOutOfOrder) {
  const auto session = fragmented_session("fd00::2", "fd00::1");
  const auto fragments = fragment_ipv6(ip_packet(session.carrier), 312, 0xdeadbeef);
  ASSERT_EQ(fragments.size(), 3u);
  expect_reassembled(analyse(Link::sll2, session, pick(fragments, {1, 2, 0}), "v6-reordered"), 3);
  expect_reassembled(analyse(Link::null_loopback, session, fragments, "v6-in-order"), 3);
}

TEST(IpFragments, Ipv6DestinationOptionsInsideTheFragmentablePart) {
  const auto session = fragmented_session("fd00::2", "fd00::1");
  Bytes packet = ip_packet(session.carrier);
  // A Destination Options header (PadN) between the fixed header and TCP, as the datagram's first header.
  const Bytes options = {6, 0, 1, 4, 0, 0, 0, 0};
  packet.insert(packet.begin() + 40, options.begin(), options.end());
  packet[6] = 60;
  const std::size_t payload = (static_cast<std::size_t>(packet[4]) << 8 | packet[5]) + options.size();
  packet[4] = static_cast<std::uint8_t>(payload >> 8);
  packet[5] = static_cast<std::uint8_t>(payload);
  const auto fragments = fragment_ipv6(packet, 312, 99);
  ASSERT_EQ(fragments.size(), 3u);
  expect_reassembled(analyse(Link::raw, session, pick(fragments, {2, 1, 0}), "v6-options"), 3);
}

TEST(IpFragments, ExactDuplicatesAreIgnored) {
  const auto session = fragmented_session("10.0.0.2", "10.0.0.1");
  const auto fragments = fragment_ipv4(ip_packet(session.carrier), 256, 0x1c46);
  // As a capture on two interfaces sees them: every fragment twice, the datagram complete at the 5th frame.
  const auto analysis = analyse(Link::ethernet, session, pick(fragments, {0, 0, 1, 1, 2, 2}), "duplicates");
  const std::vector<std::pair<std::string, std::uint64_t>> expected = {
      {"CONNECT", 8}, {"PUBLISH", 8}, {"CONNACK", 10}, {"PUBACK", 11}, {"DISCONNECT", 12}};
  EXPECT_EQ(packets(analysis), expected);
  EXPECT_TRUE(contains(analysis.notes, "3 frame(s) skipped: IP fragment, duplicate"));
  EXPECT_TRUE(contains(analysis.notes, "1 IP datagram(s) reassembled from 3 fragment(s)"));
}

TEST(IpFragments, MissingFragmentIsReportedNotGuessed) {
  const auto session = fragmented_session("10.0.0.2", "10.0.0.1");
  const auto fragments = fragment_ipv4(ip_packet(session.carrier), 256, 0x1c46);
  const auto analysis = analyse(Link::ethernet, session, pick(fragments, {0, 2}), "missing");
  // Neither the CONNECT nor the PUBLISH appears: their bytes were never complete.
  for (const auto& [type, frame] : packets(analysis)) {
    EXPECT_NE(type, "CONNECT");
    EXPECT_NE(type, "PUBLISH");
  }
  EXPECT_TRUE(contains(analysis.notes,
                       "frame 4: IPv4 datagram 10.0.0.2 -> 10.0.0.1 id 0x1c46 (protocol 6) not "
                       "reassembled (the capture ended): bytes 256-511 missing; fragments in "
                       "frame(s) 4, 5"))
      << ::testing::PrintToString(analysis.notes);
  ASSERT_EQ(analysis.connections.size(), 1u);
  EXPECT_FALSE(analysis.connections[0].judged);  // the hole is a capture gap for TCP
}

TEST(IpFragments, OverlappingFragmentsWithDifferentBytesDiscardTheDatagram) {
  const auto session = fragmented_session("fd00::2", "fd00::1");
  auto fragments = fragment_ipv6(ip_packet(session.carrier), 312, 7);
  Bytes forged = fragments[1];
  ASSERT_GT(forged.size(), 60u);
  forged[60] ^= 0xFF;  // a byte of the fragment's data
  const auto analysis =
      analyse(Link::raw, session, {fragments[0], forged, fragments[1], fragments[2]}, "overlap");
  EXPECT_TRUE(contains(analysis.notes, "fragments overlap with different bytes in frame 6"))
      << ::testing::PrintToString(analysis.notes);
  for (const auto& [type, frame] : packets(analysis)) EXPECT_NE(type, "PUBLISH");
}

TEST(IpFragments, UnfragmentedTrafficIsUntouched) {
  const auto session = fragmented_session("10.0.0.2", "10.0.0.1");
  const auto analysis = analyse(Link::ethernet, session, {ip_packet(session.carrier)}, "whole");
  expect_reassembled(analysis, 1);
}

TEST(IpFragments, SnaplenCutFragmentIsAGapAtOnce) {
  const auto session = fragmented_session("10.0.0.2", "10.0.0.1");
  const auto fragments = fragment_ipv4(ip_packet(session.carrier), 256, 0x1c46);
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : session.before) builder.add(segment);
  builder.add_frame(link_frame(Link::ethernet, fragments[0]), session.carrier.time_ns);
  builder.add_frame(link_frame(Link::ethernet, fragments[1]), session.carrier.time_ns,
                    14 + 20 + 100);  // snaplen
  builder.add_frame(link_frame(Link::ethernet, fragments[2]), session.carrier.time_ns);
  for (const auto& segment : session.after) builder.add(segment);
  TempFile file("snaplen");
  builder.write(file.path());
  const auto analysis = analyse_capture_file(file.path());
  // The CONNECT lies in the captured part; the PUBLISH's tail does not, so it is a gap, not a guess.
  const auto seen = packets(analysis);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), (std::pair<std::string, std::uint64_t>{"CONNECT", 6}));
  for (const auto& [type, frame] : seen) EXPECT_NE(type, "PUBLISH");
  ASSERT_EQ(analysis.connections.size(), 1u);
  EXPECT_FALSE(analysis.connections[0].judged);
  EXPECT_TRUE(contains(analysis.connections[0].notes, "capture gap"))
      << ::testing::PrintToString(analysis.connections[0].notes);
}

IpFragment fragment_at(std::uint32_t identification, std::uint32_t offset, bool more, const Bytes& bytes,
                       std::uint64_t frame, std::int64_t time_ns) {
  IpFragment fragment;
  fragment.key.source.bytes = {10, 0, 0, 2};
  fragment.key.destination.bytes = {10, 0, 0, 1};
  fragment.key.identification = identification;
  fragment.key.protocol = 6;
  fragment.offset = offset;
  fragment.wire_length = static_cast<std::uint32_t>(bytes.size());
  fragment.more = more;
  fragment.captured = bytes;
  fragment.frame = frame;
  fragment.time_ns = time_ns;
  return fragment;
}

TEST(IpReassembler, BoundedByDatagramCountAndTime) {
  IpReassembler::Limits limits;
  limits.max_datagrams = 2;
  IpReassembler reassembler(limits);
  const Bytes eight(8, 0x42);
  EXPECT_EQ(reassembler.add(fragment_at(1, 0, true, eight, 1, 0)).outcome, IpReassembler::Outcome::held);
  EXPECT_EQ(reassembler.add(fragment_at(2, 0, true, eight, 2, 1)).outcome, IpReassembler::Outcome::held);
  // A third datagram pushes out the oldest.
  EXPECT_EQ(reassembler.add(fragment_at(3, 0, true, eight, 3, 2)).outcome, IpReassembler::Outcome::held);
  // 30 s later the other two have timed out; this one completes at once.
  const auto result = reassembler.add(fragment_at(4, 0, false, eight, 4, 31'000'000'000));
  EXPECT_EQ(result.outcome, IpReassembler::Outcome::completed);
  EXPECT_EQ(result.wire_length, 8u);
  EXPECT_EQ(Bytes(result.captured.begin(), result.captured.end()), eight);
  const auto notes = reassembler.finish();
  EXPECT_TRUE(contains(notes,
                       "frame 1: IPv4 datagram 10.0.0.2 -> 10.0.0.1 id 0x1 (protocol 6) not reassembled "
                       "(more than 2 datagrams awaiting reassembly)"))
      << ::testing::PrintToString(notes);
  EXPECT_TRUE(contains(notes,
                       "frame 2: IPv4 datagram 10.0.0.2 -> 10.0.0.1 id 0x2 (protocol 6) not reassembled "
                       "(no complete set of fragments within 30 s): last fragment missing"))
      << ::testing::PrintToString(notes);
  EXPECT_TRUE(contains(notes, "id 0x3 (protocol 6) not reassembled (no complete set"));
}

TEST(IpReassembler, MalformedFragmentsAreSkipped) {
  IpReassembler reassembler;
  const Bytes seven(7, 0x42);
  // A non-final fragment whose length is not a multiple of 8, and one past 65,535 bytes.
  EXPECT_EQ(reassembler.add(fragment_at(1, 0, true, seven, 1, 0)).outcome, IpReassembler::Outcome::discarded);
  EXPECT_EQ(reassembler.add(fragment_at(2, 65528, false, Bytes(16, 0), 2, 0)).outcome,
            IpReassembler::Outcome::discarded);
  const auto notes = reassembler.finish();
  EXPECT_EQ(notes.size(), 2u);
  EXPECT_TRUE(contains(notes, "frame 1: malformed fragment"));
}

TEST(IpReassembler, ByteBoundDropsTheOldestOtherDatagram) {
  IpReassembler::Limits limits;
  limits.max_bytes = 1024;
  IpReassembler reassembler(limits);
  const Bytes block(800, 1);
  EXPECT_EQ(reassembler.add(fragment_at(1, 0, true, block, 1, 0)).outcome, IpReassembler::Outcome::held);
  EXPECT_EQ(reassembler.add(fragment_at(2, 0, true, block, 2, 1)).outcome, IpReassembler::Outcome::held);
  const auto notes = reassembler.finish();
  EXPECT_TRUE(
      contains(notes, "id 0x1 (protocol 6) not reassembled (more than 1024 bytes awaiting reassembly)"))
      << ::testing::PrintToString(notes);
  EXPECT_TRUE(contains(notes, "id 0x2 (protocol 6) not reassembled (the capture ended)"));
}

TEST(IpReassembler, AnyOrderWithDuplicatesRebuildsTheSameBytes) {
  const std::uint64_t seed = std::random_device{}();
  std::mt19937_64 random(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::printf("fragment order seed %llu\n", static_cast<unsigned long long>(seed));
  for (int round = 0; round < 200; ++round) {
    Bytes datagram(8 + random() % 4000);
    for (auto& byte : datagram) byte = static_cast<std::uint8_t>(random());
    const std::size_t piece = 8 * (1 + random() % 64);
    std::vector<Bytes> slices;  // the fragments' bytes, alive while the reassembler reads them
    slices.reserve(datagram.size() / piece + 1);
    std::vector<IpFragment> fragments;
    for (std::size_t at = 0; at < datagram.size(); at += piece) {
      const std::size_t length = std::min(piece, datagram.size() - at);
      slices.emplace_back(datagram.begin() + static_cast<std::ptrdiff_t>(at),
                          datagram.begin() + static_cast<std::ptrdiff_t>(at + length));
      fragments.push_back(
          fragment_at(9, static_cast<std::uint32_t>(at), at + length < datagram.size(), slices.back(), 0, 0));
    }
    const std::size_t copies = fragments.size();
    for (std::size_t i = 0; i < copies; ++i) {
      if (random() % 3 == 0) fragments.push_back(fragments[i]);  // a duplicate
    }
    std::shuffle(fragments.begin(), fragments.end(), random);
    IpReassembler reassembler;
    std::size_t completed = 0;
    for (std::size_t i = 0; i < fragments.size(); ++i) {
      fragments[i].frame = i + 1;
      const auto result = reassembler.add(fragments[i]);
      if (result.outcome == IpReassembler::Outcome::completed) {
        ++completed;
        EXPECT_EQ(Bytes(result.captured.begin(), result.captured.end()), datagram);
        EXPECT_EQ(result.wire_length, datagram.size());
      }
    }
    EXPECT_EQ(completed, 1u);
    EXPECT_EQ(reassembler.finish(), std::vector<std::string>{"1 IP datagram(s) reassembled from " +
                                                             std::to_string(copies) + " fragment(s)"});
  }
}

}  // namespace
}  // namespace mqtt::capture::test
