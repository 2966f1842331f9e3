// Reading a capture while judging it on a second thread must give exactly the verdicts of reading it first
// and checking it afterwards: on seeded random captures full of broker misbehaviour, on captures whose events
// the analyser must reorder, and through an EventFeed that grows while it is read.
#include "runner/capture_judgement.hpp"

#include <set>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "codec/encoder.hpp"
#include "history/event_feed.hpp"
#include "pcap_builder.hpp"

namespace mqtt::capture::test {
namespace {

// The segment cut in two at `at` bytes of its payload.
std::pair<Segment, Segment> split(const Segment& segment, std::size_t at) {
  Segment first = segment;
  Segment second = segment;
  first.payload.assign(segment.payload.begin(), segment.payload.begin() + static_cast<std::ptrdiff_t>(at));
  second.payload.assign(segment.payload.begin() + static_cast<std::ptrdiff_t>(at), segment.payload.end());
  second.sequence += static_cast<std::uint32_t>(at);
  return {first, second};
}

void expect_same(const model::Verdicts& a, const model::Verdicts& b) {
  ASSERT_EQ(a.violations.size(), b.violations.size());
  for (std::size_t i = 0; i < a.violations.size(); ++i) {
    EXPECT_EQ(a.violations[i].statement, b.violations[i].statement);
    EXPECT_EQ(a.violations[i].message, b.violations[i].message);
    EXPECT_EQ(a.violations[i].evidence, b.violations[i].evidence);
  }
  ASSERT_EQ(a.observed.size(), b.observed.size());
  for (std::size_t i = 0; i < a.observed.size(); ++i) {
    EXPECT_EQ(a.observed[i].behaviour, b.observed[i].behaviour);
    EXPECT_EQ(a.observed[i].evidence, b.observed[i].evidence);
  }
  EXPECT_EQ(a.exercised, b.exercised);
}

// Several clients talking to a broker that answers at random: missing, wrong and unsolicited acknowledgements,
// deliveries nobody subscribed to, duplicates. Segments of all connections interleave in random order.
PcapBuilder random_capture(std::uint64_t seed, int clients, int packets) {
  std::mt19937_64 random(seed);
  PcapBuilder builder(Link::ethernet);
  std::vector<Conversation> tcp;
  std::vector<std::vector<Segment>> pending(clients);
  for (int c = 0; c < clients; ++c) {
    tcp.emplace_back(Endpoint{"127.0.0.1", static_cast<std::uint16_t>(40000 + c)}, Endpoint{"127.0.0.1", 1883},
                     1000 + c, 9000 + c);
    for (auto& segment : tcp.back().handshake()) pending[c].push_back(segment);
    pending[c].push_back(tcp.back().client_sends(connect_bytes("c" + std::to_string(c), 30)));
    pending[c].push_back(tcp.back().server_sends(connack_bytes()));
  }
  const std::vector<std::string> topics = {"a/b", "a/c", "dtu/1/telemetry", "x"};
  for (int i = 0; i < packets; ++i) {
    const int c = static_cast<int>(random() % clients);
    auto& conversation = tcp[c];
    const auto& topic = topics[random() % topics.size()];
    const auto id = static_cast<std::uint16_t>(1 + random() % 8);
    const auto qos = static_cast<QoS>(random() % 2);
    switch (random() % 6) {
      case 0:
        pending[c].push_back(conversation.client_sends(
            publish_bytes(topic, "p" + std::to_string(random() % 5), qos, qos == QoS::at_most_once ? 0 : id)));
        break;
      case 1:
        pending[c].push_back(conversation.server_sends(
            publish_bytes(topic, "p" + std::to_string(random() % 5), qos, qos == QoS::at_most_once ? 0 : id)));
        break;
      case 2:
        pending[c].push_back(conversation.server_sends(puback_bytes(id)));
        break;
      case 3:
        pending[c].push_back(conversation.client_sends(puback_bytes(id)));
        break;
      case 4:
        pending[c].push_back(conversation.client_sends(Bytes{0xC0, 0x00}));  // PINGREQ
        break;
      default:
        pending[c].push_back(conversation.server_sends(Bytes{0xD0, 0x00}));  // PINGRESP
        break;
    }
  }
  for (int c = 0; c < clients; ++c) {
    if (random() % 2 == 0) pending[c].push_back(tcp[c].client_sends(disconnect_bytes()));
    pending[c].push_back(tcp[c].client_fin());
    pending[c].push_back(tcp[c].server_fin());
  }
  // Interleave the connections' segments at random, each connection's own in order.
  std::vector<std::size_t> next(clients, 0);
  for (;;) {
    std::vector<int> open;
    for (int c = 0; c < clients; ++c) {
      if (next[c] < pending[c].size()) open.push_back(c);
    }
    if (open.empty()) break;
    const int c = open[random() % open.size()];
    builder.add(pending[c][next[c]++]);
  }
  return builder;
}

TEST(CaptureJudgement, ConcurrentVerdictsEqualCheckingAfterwardsOnRandomCaptures) {
  const std::uint64_t first_seed = 7100;
  std::printf("seeds %llu..%llu\n", static_cast<unsigned long long>(first_seed),
              static_cast<unsigned long long>(first_seed + 39));
  std::size_t violations = 0;
  for (std::uint64_t seed = first_seed; seed < first_seed + 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const TempCapture file("mqtt-judgement", "random");
  const auto& path = file.path();
    random_capture(seed, 1 + static_cast<int>(seed % 6), 40 + static_cast<int>(seed % 200)).write(path);
    const auto checked = runner::analyse_and_check_capture(path, {}, {});
    const auto serial = analyse_capture_file(path);
    ASSERT_TRUE(checked.analysis.history.events == serial.history.events);
    expect_same(checked.verdicts, runner::check_capture_history(serial, {}));
    expect_same(checked.verdicts, model::check(serial.history));  // 3.1.1 only: every connection is judged
    violations += checked.verdicts.violations.size();
  }
  EXPECT_GT(violations, 40u);  // the random brokers do misbehave: the comparison is not between empty lists
}

TEST(CaptureJudgement, ReorderedEventsAreCheckedAgainInTheirFinalOrder) {
  // A connection on a port that is not MQTT's is recognised by its content only once its CONNECT is complete,
  // while another connection's events have already gone into the history: the analyser must sort at the end.
  Conversation late({"127.0.0.1", 50001}, {"127.0.0.1", 7000});
  Conversation early({"127.0.0.1", 50002}, {"127.0.0.1", 1883});
  PcapBuilder builder(Link::ethernet);
  const auto connect = late.client_sends(connect_bytes("late", 30));
  const auto [head, rest] = split(connect, 3);
  builder.add(head);
  builder.add(early.client_sends(connect_bytes("early", 30)));
  builder.add(early.server_sends(publish_bytes("a/b", "unsolicited", QoS::at_least_once, 3)));
  builder.add(rest);
  builder.add(late.server_sends(connack_bytes()));
  const TempCapture file("mqtt-judgement", "reordered");
  const auto& path = file.path();
  builder.write(path);
  const auto checked = runner::analyse_and_check_capture(path, {}, {});
  const auto serial = analyse_capture_file(path);
  ASSERT_TRUE(serial.reordered);
  ASSERT_TRUE(checked.analysis.history.events == serial.history.events);
  expect_same(checked.verdicts, runner::check_capture_history(serial, {}));
  EXPECT_FALSE(checked.verdicts.violations.empty());  // the unsolicited PUBLISH
  for (std::size_t i = 0; i < serial.history.events.size(); ++i) {
    EXPECT_EQ(serial.history.events[i].sequence, i + 1);
  }
}

Bytes v5_encoded(Packet packet) {
  std::visit([](auto& value) { value.version = ProtocolVersion::v5; }, packet);
  return encode(packet);
}

// A PUBLISH before the CONNACK is a violation on a 5.0 connection as on a 3.1.1 one: both connections are
// given to the checker, which judges each by the rules of its own version.
TEST(CaptureJudgement, Mqtt5ConnectionsAreJudgedLikeTheOthers) {
  Conversation v5({"127.0.0.1", 50010}, {"127.0.0.1", 1883});
  Conversation v311({"127.0.0.1", 50011}, {"127.0.0.1", 1883});
  PcapBuilder builder(Link::ethernet);
  for (const auto& segment : v5.handshake()) builder.add(segment);
  Connect connect;
  connect.client_id = "five";
  builder.add(v5.client_sends(v5_encoded(connect)));
  Publish unsolicited;
  unsolicited.topic = "nobody/subscribed";
  unsolicited.qos = QoS::at_least_once;
  unsolicited.packet_id = 3;
  builder.add(v5.server_sends(v5_encoded(unsolicited)));
  builder.add(v5.server_sends(v5_encoded(Connack{})));
  for (const auto& segment : v311.handshake()) builder.add(segment);
  builder.add(v311.client_sends(connect_bytes("three", 30)));
  builder.add(v311.server_sends(publish_bytes("nobody/subscribed", "x", QoS::at_least_once, 3)));
  builder.add(v311.server_sends(connack_bytes()));
  const TempCapture file("mqtt-judgement", "v5-judged");
  builder.write(file.path());
  const auto checked = runner::analyse_and_check_capture(file.path(), {}, {});
  ASSERT_EQ(checked.analysis.connections.size(), 2u);
  EXPECT_TRUE(checked.analysis.connections[0].not_judged.empty());
  EXPECT_TRUE(checked.analysis.connections[1].not_judged.empty());
  expect_same(checked.verdicts, runner::check_capture_history(checked.analysis, {}));
  ASSERT_FALSE(checked.verdicts.violations.empty());
  const auto connection_of = [&](std::uint64_t sequence) {
    return checked.analysis.history.events.at(sequence - 1).connection;
  };
  std::set<std::uint32_t> accused;
  for (const auto& violation : checked.verdicts.violations) {
    for (const auto sequence : violation.evidence) accused.insert(connection_of(sequence));
  }
  EXPECT_EQ(accused, (std::set<std::uint32_t>{1, 2}));
}

// The client's packets read the same in 3.1.1 and 5.0, so the judge takes the connection as 3.1.1 at its first
// packet; the broker's CONNACK later proves to be 5.0 only. The connection is not judged, and the history is
// checked again without it.
TEST(CaptureJudgement, AConnectionFoundUnjudgeableLateIsCheckedAgainWithoutIt) {
  Conversation tcp({"127.0.0.1", 50012}, {"127.0.0.1", 1883});
  tcp.handshake();
  tcp.client_sends(connect_bytes("before-the-capture"));
  PcapBuilder builder(Link::ethernet);
  builder.add(tcp.client_sends(Bytes{0xC0, 0x00, 0xC0, 0x00}));  // PINGREQs
  builder.add(tcp.server_sends(v5_encoded(Connack{})));
  builder.add(tcp.server_sends(Bytes{0xD0, 0x00}));
  const TempCapture file("mqtt-judgement", "late-unjudgeable");
  builder.write(file.path());
  const auto checked = runner::analyse_and_check_capture(file.path(), {}, {});
  ASSERT_EQ(checked.analysis.connections.size(), 1u);
  EXPECT_EQ(checked.analysis.connections[0].not_judged.rfind("its two directions decode as different", 0), 0u)
      << checked.analysis.connections[0].not_judged;
  expect_same(checked.verdicts, runner::check_capture_history(checked.analysis, {}));
  EXPECT_TRUE(checked.verdicts.exercised.empty());
}

TEST(CaptureJudgement, UnreadableFileIsAnErrorAndNoThreadIsLeftBehind) {
  const TempCapture file("mqtt-judgement", "truncated");
  const auto& path = file.path();
  random_capture(5, 2, 50).write(path);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 7);
  EXPECT_THROW(runner::analyse_and_check_capture(path, {}, {}), CaptureError);
  std::filesystem::remove(path);
  EXPECT_THROW(runner::analyse_and_check_capture(path, {}, {}), CaptureError);  // does not exist
}

TEST(EventFeed, ReaderSeesEveryEventInOrderWhileTheVectorGrows) {
  std::vector<history::Event> events;  // no reservation: the vector reallocates many times while read
  history::EventFeed feed(events);
  std::vector<std::uint64_t> seen;
  std::thread reader([&] { feed.consume([&](const history::Event& event) { seen.push_back(event.sequence); }); });
  constexpr std::uint64_t count = 200'000;
  for (std::uint64_t i = 1; i <= count; ++i) {
    history::Event event;
    event.sequence = i;
    event.detail = "event " + std::to_string(i);
    feed.append(std::move(event));
  }
  feed.close();
  feed.wait_until_consumed();
  reader.join();
  ASSERT_EQ(seen.size(), count);
  for (std::uint64_t i = 0; i < count; ++i) ASSERT_EQ(seen[i], i + 1);
  EXPECT_EQ(events.back().detail, "event 200000");
}

TEST(EventFeed, AFeedWithoutReaderDoesNotWait) {
  std::vector<history::Event> events;
  history::EventFeed feed(events);
  feed.no_consumer();
  feed.append(history::Event{});
  feed.close();
  feed.wait_until_consumed();
  EXPECT_EQ(events.size(), 1u);
}

}  // namespace
}  // namespace mqtt::capture::test
