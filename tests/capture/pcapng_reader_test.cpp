// pcapng files libpcap 1.10 refuses — interfaces with different link types (Ethernet, SLL2, BSD null),
// sections in both byte orders, per-interface time stamp resolutions — read by our own reader with each
// packet's own link type and time, Wireshark's frame numbers, and one-line errors (frame, byte offset) for
// truncated and corrupt files, never a crash.
#include "capture/pcapng_reader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "capture/capture_analyser.hpp"
#include "capture/pcap_source.hpp"
#include "pcap_builder.hpp"
#include "pcapng_builder.hpp"

namespace mqtt::capture::test {
namespace {

using history::EventKind;

class TempFile : public TempCapture {
 public:
  explicit TempFile(const std::string& name) : TempCapture("mqtt-pcapng", name, ".pcapng") {}
};

constexpr std::uint32_t linktype_ethernet = 1;
constexpr std::uint32_t linktype_null = 0;
constexpr std::uint32_t linktype_sll2 = 276;

// A QoS 1 session and a last empty segment (11 segments).
std::vector<Segment> session(const Endpoint& client, const Endpoint& server) {
  return qos1_session(client, server, "mixed-7", true);
}

// Nanoseconds to interface units: microseconds (default), nanoseconds (if_tsresol 9), 2^-20 s (0x94).
std::uint64_t to_units(std::int64_t ns, std::uint8_t tsresol) {
  const auto seconds = static_cast<std::uint64_t>(ns / 1'000'000'000);
  const auto fraction = static_cast<std::uint64_t>(ns % 1'000'000'000);
  if (tsresol == 6) return seconds * 1'000'000 + fraction / 1'000;
  if (tsresol == 9) return seconds * 1'000'000'000 + fraction;
  return (seconds << 20) + (fraction << 20) / 1'000'000'000;  // 0x94: 2^-20 s
}

struct MixedCapture {
  PcapngBuilder builder;
  std::vector<std::int64_t> times;  // per frame, in ns
  std::vector<int> link_types;
};

// The session's segments spread over three interfaces of different link types and time stamp resolutions.
// With `declare_late`, the second and third interfaces are described after the first packets, so libpcap
// delivers those before refusing the file.
MixedCapture mixed_capture(bool big_endian, bool declare_late) {
  MixedCapture capture{PcapngBuilder(big_endian), {}, {}};
  struct Port {
    std::uint32_t link_type;
    Link link;
    std::uint8_t tsresol;
  };
  const std::vector<Port> ports = {{linktype_ethernet, Link::ethernet, 6},
                                   {linktype_sll2, Link::sll2, 9},
                                   {linktype_null, Link::null_loopback, 0x94}};
  capture.builder.interface(linktype_ethernet, 65535);
  if (!declare_late) {
    capture.builder.interface(linktype_sll2, 262144, 9);
    capture.builder.interface(linktype_null, 0, 0x94);
  }
  const auto segments = session({"10.0.0.2", 50312}, {"10.0.0.1", 1883});
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& port = ports[i % 3];
    if (declare_late && i == 1) {
      capture.builder.other(4, 16);  // a name resolution block to skip
      capture.builder.interface(linktype_sll2, 262144, 9);
      capture.builder.interface(linktype_null, 0, 0x94);
    }
    capture.builder.enhanced(static_cast<std::uint32_t>(i % 3), to_units(segments[i].time_ns, port.tsresol),
                             link_frame(port.link, ip_packet(segments[i])));
    capture.times.push_back(segments[i].time_ns);
    capture.link_types.push_back(static_cast<int>(port.link_type));
  }
  return capture;
}

void expect_session(const CaptureAnalysis& analysis) {
  EXPECT_EQ(analysis.frames, 11u);
  EXPECT_EQ(analysis.tcp_segments, 11u);
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_EQ(row.client_id, "mixed-7");
  EXPECT_EQ(row.sent.at("PUBLISH"), 1u);
  EXPECT_EQ(row.received.at("PUBACK"), 1u);
  EXPECT_TRUE(row.notes.empty());
  // Frame numbers: CONNECT is the 4th packet block (Ethernet), CONNACK the 5th (SLL2), PUBLISH the 6th
  // (null).
  std::vector<std::pair<std::string, std::uint64_t>> seen;
  for (const auto& event : analysis.history.events) {
    if (event.packet) seen.emplace_back(to_string(packet_type(*event.packet)), event.frame.value_or(0));
  }
  const std::vector<std::pair<std::string, std::uint64_t>> expected = {
      {"CONNECT", 4}, {"CONNACK", 5}, {"PUBLISH", 6}, {"PUBACK", 7}, {"DISCONNECT", 8}};
  EXPECT_EQ(seen, expected);
}

TEST(PcapngMixedLinkTypes, LibpcapRefusesThemAndOurReaderTakesOver) {
  for (const bool declare_late : {false, true}) {
    SCOPED_TRACE(declare_late ? "interfaces declared after the first packets" : "interfaces declared first");
    auto capture = mixed_capture(false, declare_late);
    TempFile file(declare_late ? "late" : "early");
    capture.builder.write(file.path());
    PcapSource source(file.path());
    std::vector<int> link_types;
    std::uint64_t number = 0;
    while (auto frame = source.next()) {
      EXPECT_EQ(frame->number, ++number);
      link_types.push_back(frame->link_type);
      // Ethernet in microseconds and SLL2 in nanoseconds are exact; 2^-20 s is within a microsecond.
      EXPECT_NEAR(static_cast<double>(frame->time_unix_ns), static_cast<double>(capture.times[number - 1]),
                  1000.0);
      if (frame->link_type != 0) {
        EXPECT_EQ(frame->time_unix_ns, capture.times[number - 1]);
      }
    }
    EXPECT_TRUE(source.read_by_own_pcapng_reader());
    EXPECT_EQ(link_types, capture.link_types);
    expect_session(analyse_capture_file(file.path()));
  }
}

TEST(PcapngMixedLinkTypes, BigEndianSectionsReadTheSame) {
  auto capture = mixed_capture(true, false);
  TempFile file("big-endian");
  capture.builder.write(file.path());
  expect_session(analyse_capture_file(file.path()));
}

TEST(PcapngMixedLinkTypes, SectionsInBothByteOrdersNumberFramesAcrossSections) {
  // Section 1 (little endian): the first half of the session on Ethernet; section 2 (big endian): the rest on
  // SLL2 and null, the SLL2 interface with a time offset of 100 s. libpcap refuses the second byte order.
  const auto segments = session({"10.0.0.2", 50312}, {"10.0.0.1", 1883});
  PcapngBuilder builder(false);
  builder.interface(linktype_ethernet, 65535, 9);
  for (std::size_t i = 0; i < 5; ++i)
    builder.enhanced(0, to_units(segments[i].time_ns, 9), link_frame(Link::ethernet, ip_packet(segments[i])));
  builder.section(true);
  builder.interface(linktype_sll2, 0, 9, 100);
  builder.interface(linktype_null, 0);
  for (std::size_t i = 5; i < segments.size(); ++i) {
    const bool sll2 = i % 2 == 1;
    const std::int64_t ns = segments[i].time_ns - (sll2 ? 100'000'000'000 : 0);
    builder.enhanced(sll2 ? 0 : 1, to_units(ns, sll2 ? 9 : 6),
                     link_frame(sll2 ? Link::sll2 : Link::null_loopback, ip_packet(segments[i])));
  }
  TempFile file("two-sections");
  builder.write(file.path());
  PcapSource source(file.path());
  std::uint64_t count = 0;
  while (auto frame = source.next()) {
    ++count;
    EXPECT_EQ(frame->number, count);
    EXPECT_EQ(frame->time_unix_ns, segments[count - 1].time_ns) << "frame " << count;
  }
  EXPECT_EQ(count, segments.size());
  EXPECT_TRUE(source.read_by_own_pcapng_reader());
  expect_session(analyse_capture_file(file.path()));
}

TEST(PcapngMixedLinkTypes, SameLinkTypeWithDifferentSnaplenOrResolutionIsReadToo) {
  // libpcap refuses different snapshot lengths as well ("an interface has a snapshot length ... different
  // from ...").
  const auto segments = session({"10.0.0.2", 50312}, {"10.0.0.1", 1883});
  for (const bool vary_resolution : {false, true}) {
    SCOPED_TRACE(vary_resolution ? "time stamp resolutions differ" : "snapshot lengths differ");
    PcapngBuilder builder;
    builder.interface(linktype_ethernet, 65535);
    builder.interface(linktype_ethernet, vary_resolution ? 65535 : 262144, vary_resolution ? 9 : 6);
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const std::uint32_t interface = i % 2;
      builder.enhanced(interface, to_units(segments[i].time_ns, vary_resolution && interface == 1 ? 9 : 6),
                       link_frame(Link::ethernet, ip_packet(segments[i])));
    }
    TempFile file(vary_resolution ? "resolution" : "snaplen");
    builder.write(file.path());
    PcapSource source(file.path());
    std::uint64_t count = 0;
    while (auto frame = source.next()) {
      ++count;
      EXPECT_EQ(frame->time_unix_ns, segments[count - 1].time_ns);
    }
    EXPECT_EQ(count, segments.size());
    // Debian's libpcap 1.10.3 reads per-interface resolutions itself; either way the times are right.
    EXPECT_EQ(source.read_by_own_pcapng_reader(), !vary_resolution);
    expect_session(analyse_capture_file(file.path()));
  }
}

TEST(PcapngReader, SimpleAndObsoletePacketBlocksAreFramesAndOtherBlocksAreSkipped) {
  const auto segments = session({"10.0.0.2", 50312}, {"10.0.0.1", 1883});
  PcapngBuilder builder;
  builder.other(0x0BAD, 8);  // a custom block before any interface
  builder.interface(linktype_ethernet, 0, 9);
  builder.interface(linktype_sll2, 0);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    switch (i % 3) {
      case 0:
        builder.enhanced(1, to_units(segments[i].time_ns, 6), link_frame(Link::sll2, ip_packet(segments[i])));
        break;
      case 1:
        builder.simple(link_frame(Link::ethernet, ip_packet(segments[i])));  // interface 0, no time stamp
        break;
      default:
        builder.obsolete(0, to_units(segments[i].time_ns, 9),
                         link_frame(Link::ethernet, ip_packet(segments[i])));
        builder.other(5, 20);  // an interface statistics block
        break;
    }
  }
  TempFile file("block-kinds");
  builder.write(file.path());
  PcapngReader reader(file.path());
  std::uint64_t count = 0;
  std::int64_t previous_time = 0;
  while (auto frame = reader.next()) {
    ++count;
    EXPECT_EQ(frame->number, count);
    EXPECT_EQ(frame->link_type, count % 3 == 1 ? 276 : 1);
    // A Simple Packet Block has no time stamp: it keeps the previous packet's time.
    EXPECT_EQ(frame->time_unix_ns, count % 3 == 2 ? previous_time : segments[count - 1].time_ns);
    previous_time = frame->time_unix_ns;
  }
  EXPECT_EQ(count, segments.size());
  expect_session(analyse_capture_file(file.path()));
}

TEST(PcapngReader, OneLinkTypeStaysWithLibpcap) {
  const auto segments = session({"10.0.0.2", 50312}, {"10.0.0.1", 1883});
  PcapngBuilder builder;
  builder.interface(linktype_ethernet, 65535);
  builder.interface(linktype_ethernet, 65535);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    builder.enhanced(static_cast<std::uint32_t>(i % 2), to_units(segments[i].time_ns, 6),
                     link_frame(Link::ethernet, ip_packet(segments[i])));
  }
  TempFile file("one-link-type");
  builder.write(file.path());
  PcapSource source(file.path());
  std::uint64_t count = 0;
  while (source.next()) ++count;
  EXPECT_EQ(count, segments.size());
  EXPECT_FALSE(source.read_by_own_pcapng_reader());
  expect_session(analyse_capture_file(file.path()));
}

// Reads with our reader to the end or the first error: (frames read, error).
std::pair<std::uint64_t, std::optional<CaptureError>> read_all(const std::filesystem::path& path) {
  std::uint64_t frames = 0;
  try {
    PcapngReader reader(path);
    while (auto frame = reader.next()) {
      EXPECT_EQ(frame->number, frames + 1);
      ++frames;
    }
    return {frames, std::nullopt};
  } catch (const CaptureError& error) {
    return {frames, error};
  }
}

TEST(PcapngReader, TruncationAtEveryOffsetKeepsEveryWholePacketAndNamesTheNext) {
  auto capture = mixed_capture(false, true);
  const Bytes& whole = capture.builder.bytes();
  const auto& ends = capture.builder.packet_ends();
  // Block boundaries: where a cut leaves a well-formed (shorter) file.
  std::vector<std::size_t> boundaries;
  for (std::size_t at = 0; at < whole.size();) {
    boundaries.push_back(at);
    at += static_cast<std::size_t>(whole[at + 4]) | static_cast<std::size_t>(whole[at + 5]) << 8 |
          static_cast<std::size_t>(whole[at + 6]) << 16 | static_cast<std::size_t>(whole[at + 7]) << 24;
  }
  TempFile file("cut");
  for (std::size_t cut = 0; cut <= whole.size(); ++cut) {
    SCOPED_TRACE("cut at byte " + std::to_string(cut));
    file.write(Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut)));
    const auto whole_packets = static_cast<std::uint64_t>(
        std::count_if(ends.begin(), ends.end(), [&](std::size_t end) { return end <= cut; }));
    const auto [frames, error] = read_all(file.path());
    EXPECT_EQ(frames, whole_packets);
    const bool at_boundary =
        cut == whole.size() ||
        (cut > 0 && std::find(boundaries.begin(), boundaries.end(), cut) != boundaries.end());
    if (at_boundary) {
      EXPECT_FALSE(error.has_value()) << error->what();
    } else {
      ASSERT_TRUE(error.has_value());
      const std::string message = error->what();
      EXPECT_EQ(message.find('\n'), std::string::npos);
      if (cut < 4) {
        EXPECT_EQ(error->frame(), 0u);
      } else {
        EXPECT_EQ(error->frame(), whole_packets + 1);
        EXPECT_NE(message.find("frame " + std::to_string(whole_packets + 1) + " (byte offset "),
                  std::string::npos)
            << message;
        EXPECT_GE(error->byte_offset(), 0);
        EXPECT_LE(static_cast<std::size_t>(error->byte_offset()), cut);
      }
    }
    // The whole pipeline (libpcap, which opens the file and reads the first packets, then our reader) names
    // the same frame; libpcap alone reports a cut inside the first two blocks, at the file header (frame 0).
    try {
      const auto analysis = analyse_capture_file(file.path());
      EXPECT_TRUE(at_boundary);
      EXPECT_EQ(analysis.frames, whole_packets);
    } catch (const CaptureError& error) {
      if (error.frame() == 0) {
        EXPECT_LE(cut, boundaries.at(2));
      } else {
        EXPECT_FALSE(at_boundary) << error.what();
        EXPECT_EQ(error.frame(), whole_packets + 1) << error.what();
      }
    }
  }
}

TEST(PcapngReader, TruncatedMixedFileThroughTheAnalyserNamesFrameAndOffset) {
  auto capture = mixed_capture(false, false);
  Bytes bytes = capture.builder.bytes();
  bytes.resize(capture.builder.packet_ends()[6] + 10);  // 7 whole packets, then 10 bytes of the 8th
  TempFile file("cut-analyser");
  file.write(bytes);
  try {
    analyse_capture_file(file.path());
    FAIL() << "a truncated file must be an error";
  } catch (const CaptureError& error) {
    EXPECT_EQ(error.frame(), 8u);
    EXPECT_EQ(error.byte_offset(), static_cast<std::int64_t>(capture.builder.packet_ends()[6]));
    EXPECT_NE(std::string(error.what())
                  .find("frame 8 (byte offset " + std::to_string(capture.builder.packet_ends()[6]) + ")"),
              std::string::npos)
        << error.what();
  }
}

TEST(PcapngReader, CorruptBlocksAreOneLineErrors) {
  const auto segments = session({"10.0.0.2", 50312}, {"10.0.0.1", 1883});
  const Bytes frame = link_frame(Link::ethernet, ip_packet(segments[0]));
  TempFile file("corrupt");
  {
    PcapngBuilder builder;
    builder.interface(linktype_ethernet);
    builder.enhanced(0, 1, frame);
    builder.enhanced(3, 2, frame);  // no interface 3
    file.write(builder.bytes());
    const auto [frames, error] = read_all(file.path());
    EXPECT_EQ(frames, 1u);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->frame(), 2u);
    EXPECT_EQ(error->byte_offset(), static_cast<std::int64_t>(builder.packet_ends()[0]));
    EXPECT_NE(std::string(error->what()).find("interface 3"), std::string::npos) << error->what();
  }
  {
    PcapngBuilder builder;
    builder.interface(linktype_ethernet);
    builder.enhanced(0, 1, frame);
    Bytes bytes = builder.bytes();
    bytes[bytes.size() - 4] ^= 0x40;  // the trailing length no longer matches
    file.write(bytes);
    const auto [frames, error] = read_all(file.path());
    EXPECT_EQ(frames, 0u);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->frame(), 1u);
    EXPECT_NE(std::string(error->what()).find("trailing"), std::string::npos) << error->what();
  }
  {
    PcapngBuilder builder;
    builder.interface(linktype_ethernet);
    builder.enhanced(0, 1, frame);
    Bytes bytes = builder.bytes();
    const std::size_t epb = builder.packet_ends()[0] - (12 + 20 + ((frame.size() + 3) & ~std::size_t{3}));
    bytes[epb + 20] = 0xFF;  // the captured length (low byte) far past the block
    file.write(bytes);
    const auto [frames, error] = read_all(file.path());
    EXPECT_EQ(frames, 0u);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->byte_offset(), static_cast<std::int64_t>(epb));
  }
  {
    file.write(Bytes{'n', 'o', 't', ' ', 'p', 'c', 'a', 'p', 'n', 'g'});
    const auto [frames, error] = read_all(file.path());
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->frame(), 0u);
  }
}

// Issue 12 §2: a pcapng time stamp plus if_tsoffset can lie centuries away or before 1970; its nanoseconds
// overflowed (UBSan) and summaries showed "-0.000 s". Such a frame is corrupt: one line naming the frame and the
// offset of its block, from our reader (mixed link types) and through libpcap (one link type) alike.
TEST(PcapngTimeStamps, OutOfRangeTimesAreOneLineErrorsNamingTheFrameAndOffset) {
  const auto segments = session({"10.0.0.2", 50312}, {"10.0.0.1", 1883});
  struct Case {
    const char* name;
    std::int64_t tsoffset_seconds;
    std::uint64_t units;
    bool mixed;
  };
  const Case cases[] = {
      {"far-future-offset-ours", std::int64_t{1} << 62, 1, true},
      {"far-future-offset-libpcap", std::int64_t{1} << 62, 1, false},
      {"before-1970-ours", -1'000'000, 1, true},
      {"before-1970-libpcap", -1'000'000, 1, false},
      {"largest-units-ours", 0, ~std::uint64_t{0}, true},
      {"largest-offset-ours", std::numeric_limits<std::int64_t>::max(), 1, true},
  };
  for (const auto& test : cases) {
    PcapngBuilder builder;
    builder.interface(linktype_ethernet, 65535, 9);
    builder.interface(test.mixed ? linktype_sll2 : linktype_ethernet, 65535, 9, test.tsoffset_seconds);
    const Link second = test.mixed ? Link::sll2 : Link::ethernet;
    builder.enhanced(0, to_units(segments[0].time_ns, 9), link_frame(Link::ethernet, ip_packet(segments[0])));
    builder.enhanced(1, test.units, link_frame(second, ip_packet(segments[1])));
    TempFile file(test.name);
    builder.write(file.path());
    try {
      analyse_capture_file(file.path());
      ADD_FAILURE() << test.name << ": no error";
    } catch (const CaptureError& error) {
      const std::string message = error.what();
      EXPECT_EQ(error.frame(), 2u) << test.name << ": " << message;
      EXPECT_NE(message.find(": frame 2 (byte offset "), std::string::npos) << test.name << ": " << message;
      EXPECT_NE(message.find("out of range"), std::string::npos) << test.name << ": " << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      if (test.mixed) {
        EXPECT_EQ(error.byte_offset(), static_cast<std::int64_t>(builder.packet_ends()[0])) << message;
      }
    }
  }
}

TEST(PcapngTimeStamps, FramesAtBothEndsOfTheRangeGiveNonNegativeDurations) {
  const auto segments = session({"10.0.0.2", 50312}, {"10.0.0.1", 1883});
  PcapngBuilder builder;
  builder.interface(linktype_ethernet, 65535, 9);
  builder.interface(linktype_sll2, 65535, 9);
  // The first frame is late in 2262, the rest at 1970: times step backwards by almost the whole range.
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const bool first = i == 0;
    const std::uint64_t units = first ? static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) : i;
    builder.enhanced(first ? 0 : 1, units,
                     link_frame(first ? Link::ethernet : Link::sll2, ip_packet(segments[i])));
  }
  TempFile file("range-ends");
  builder.write(file.path());
  const auto analysis = analyse_capture_file(file.path());
  EXPECT_GE(analysis.duration_ns, 0);
  ASSERT_EQ(analysis.connections.size(), 1u);
  const auto& row = analysis.connections[0];
  EXPECT_GE(row.last_time_ns, row.first_time_ns);
  EXPECT_EQ(row.client_id, "mixed-7");
}

TEST(PcapngReader, RandomGarbageAndFlipsNeverCrash) {
  const std::uint64_t seed = std::random_device{}();
  std::mt19937_64 random(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::printf("pcapng garbage seed %llu\n", static_cast<unsigned long long>(seed));
  const auto capture = mixed_capture(false, true);
  const Bytes& whole = capture.builder.bytes();
  TempFile file("garbage");
  for (int round = 0; round < 300; ++round) {
    Bytes bytes;
    if (round % 3 == 0) {
      // A valid section header, then random bytes, often shaped like block headers.
      bytes.assign(whole.begin(), whole.begin() + 28);
      const std::size_t length = random() % 2048;
      for (std::size_t i = 0; i < length; ++i) bytes.push_back(static_cast<std::uint8_t>(random()));
    } else {
      bytes = whole;
      const int flips = 1 + static_cast<int>(random() % 8);
      for (int i = 0; i < flips; ++i)
        bytes[random() % bytes.size()] ^= static_cast<std::uint8_t>(1 + random() % 255);
      if (random() % 4 == 0) bytes.resize(random() % bytes.size());
    }
    file.write(bytes);
    const auto [frames, error] = read_all(file.path());
    EXPECT_LE(frames, capture.builder.packet_ends().size() + bytes.size() / 12);
    if (error) {
      EXPECT_EQ(std::string(error->what()).find('\n'), std::string::npos);
    }
    // The whole pipeline (libpcap first, then our reader) must end in an analysis or a CaptureError.
    try {
      const auto analysis = analyse_capture_file(file.path());
      for (const auto& event : analysis.history.events) {
        ASSERT_TRUE(event.frame.has_value());
        EXPECT_LE(*event.frame, analysis.frames);
      }
    } catch (const CaptureError&) {
    }
  }
}

}  // namespace
}  // namespace mqtt::capture::test
