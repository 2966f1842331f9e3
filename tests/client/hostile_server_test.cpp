// The client against hostile servers (tests/client/hostile_server.hpp): a claimed 256 MB packet, a flood of
// unrequested PUBLISHes, bytes trickled one at a time, a close in the middle of a packet, a server that never
// reads, and answers that are malformed or carry the wrong packet id. Bounds are asserted on the connection's
// own counters (ConnectionStatistics), never on time; every wait has a deadline.
#include <gtest/gtest.h>

#include <algorithm>

#include "target_of.hpp"
#include "client/session.hpp"
#include "history_slices.hpp"
#include "hostile_server.hpp"

namespace mqtt::client {
namespace {

using namespace std::chrono_literals;
using testing::HostileServer;

using testing::url_of;

Connect connect_packet() {
  Connect connect;
  connect.client_id = "hostile-test";
  connect.keep_alive = 0;
  return connect;
}

std::size_t count_events(const history::History& history, history::EventKind kind, PacketType type) {
  return static_cast<std::size_t>(std::count_if(history.events.begin(), history.events.end(), [&](const auto& event) {
    return event.kind == kind && event.packet && packet_type(*event.packet) == type;
  }));
}

std::vector<std::string> notes_of(const history::History& history) {
  std::vector<std::string> notes;
  for (const auto& event : history.events) {
    if (event.kind == history::EventKind::note) notes.push_back(event.detail);
  }
  return notes;
}

// (Built outside the coroutines: GCC 12 rejects braced byte lists inside them.)
Bytes reserved_return_code_connack() { return Bytes{0x20, 0x02, 0x00, 0x06}; }
Bytes connack_with_remaining_length_3() { return Bytes{0x20, 0x03, 0x00, 0x00, 0x00}; }

class HostileServerTest : public ::testing::Test {
 protected:
  Session open(const HostileServer& server, OpenOptions options = {}) {
    options.actor = "client";
    auto opened = Session::open(loop, recorder, url_of(server.url()), options);
    if (auto* failure = std::get_if<std::string>(&opened)) throw std::runtime_error(*failure);
    return std::get<Session>(std::move(opened));
  }

  Recorder recorder;
  EventLoop loop;  // after the recorder: connections die with the loop, before the recorder
};

// Claims the protocol's largest packet (256 MB) and starts sending it: the claim is a decode_error naming the
// claimed size as soon as the header arrives, and nothing near that size is buffered.
TEST_F(HostileServerTest, AClaimedHugePacketIsADecodeErrorNamingItsSizeAndIsNeverBuffered) {
  HostileServer server(loop.context(), [](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, 2);
    co_await testing::send(socket, testing::connack_bytes());
    Bytes claim{0x30, 0xFF, 0xFF, 0xFF, 0x7F};  // PUBLISH, remaining length 268,435,455
    claim.resize(claim.size() + (4u << 20), 'x');  // and the first 4 MiB of it
    co_await testing::send(socket, claim);
    co_await testing::until_closed(socket);
  });
  Session session = open(server);
  ASSERT_TRUE(session.connect(connect_packet(), 5s).ok());
  const WaitResult result = session.connection().next(5s);
  ASSERT_EQ(result.outcome, WaitOutcome::closed);
  EXPECT_EQ(result.close_reason, history::CloseReason::protocol_error);
  ASSERT_TRUE(result.decode_error);
  EXPECT_EQ(result.decode_error->message, "remaining length 268435455 exceeds the limit of 16777216");
  // At most one socket read (64 KiB) was ever waiting for the rest of a packet.
  EXPECT_LE(session.connection().statistics().peak_unread_bytes, 64u << 10);
}

TEST_F(HostileServerTest, TheMaximumPacketSizeCanBeLowered) {
  HostileServer server(loop.context(), [](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, 2);
    co_await testing::send(socket, testing::connack_bytes());
    co_await testing::send(socket, testing::publish_bytes("t", 1000));
    co_await testing::until_closed(socket);
  });
  OpenOptions options;
  options.max_packet_size = 500;
  Session session = open(server, options);
  ASSERT_TRUE(session.connect(connect_packet(), 5s).ok());
  const WaitResult result = session.connection().next(5s);
  ASSERT_TRUE(result.decode_error);
  EXPECT_EQ(result.decode_error->message, "remaining length 1003 exceeds the limit of 500");
}

// 30,000 unrequested QoS 1 PUBLISHes among 50 requested ones: the first 1,000 unrequested are recorded (and
// acknowledged), the rest are counted in a note, and every requested one is recorded.
TEST_F(HostileServerTest, AFloodOfUnrequestedPublishesIsCountedNotKept) {
  constexpr std::size_t flood = 30'000;
  constexpr std::size_t requested = 50;
  const std::size_t connect_size = encode(Packet(connect_packet())).size();
  const std::size_t subscribe_size = encode(Packet(Subscribe{ProtocolVersion::v3_1_1, 1, {{.filter = "wanted/#"}}, {}})).size();
  HostileServer server(loop.context(), [=](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, connect_size);
    co_await testing::send(socket, testing::connack_bytes());
    co_await testing::receive(socket, subscribe_size);  // so the flood comes once the subscription is made
    Bytes burst = encode(Packet(Suback{ProtocolVersion::v3_1_1, 1, {0}, {}}));
    for (std::size_t index = 0; index < flood; ++index) {
      const auto id = static_cast<std::uint16_t>(index % 60'000 + 1);
      const Bytes publish = testing::publish_bytes("not/asked/for", 20, QoS::at_least_once, id);
      burst.insert(burst.end(), publish.begin(), publish.end());
      if (index % (flood / requested) == 0) {
        const Bytes wanted = testing::publish_bytes("wanted/x", 20);
        burst.insert(burst.end(), wanted.begin(), wanted.end());
      }
    }
    co_await testing::send(socket, burst);
    socket.shutdown(testing::tcp::socket::shutdown_send);
    co_await testing::until_closed(socket);
  });
  OpenOptions options;
  options.unrequested_publish_limit = 1000;
  options.inbox_limit = 100;
  Session session = open(server, options);
  ASSERT_TRUE(session.connect(connect_packet(), 5s).ok());
  const RequestResult subscribed = session.subscribe({Subscription{.filter = "wanted/#", .qos = QoS::at_most_once}}, 5s);
  ASSERT_TRUE(subscribed.ok()) << failure_text(subscribed, PacketType::suback, 5s);
  ASSERT_EQ(session.connection().wait_for_close(20s).outcome, WaitOutcome::closed);

  const auto statistics = session.connection().statistics();
  EXPECT_EQ(statistics.publishes_not_recorded, flood - 1000);
  EXPECT_EQ(statistics.bytes_not_recorded, (flood - 1000) * testing::publish_bytes("not/asked/for", 20, QoS::at_least_once, 1).size());
  EXPECT_LE(statistics.peak_inbox_packets, 100u);

  const auto history = recorder.snapshot();
  EXPECT_EQ(count_events(history, history::EventKind::received, PacketType::publish), 1000 + requested);
  EXPECT_EQ(count_events(history, history::EventKind::sent, PacketType::puback), 1000u) << "only recorded ones are acknowledged";
  const auto notes = notes_of(history);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0], "flood: the broker sent more than 1000 PUBLISH packets matching no subscription of this "
                      "connection; later ones are counted, not recorded, acknowledged or queued");
  EXPECT_EQ(notes[1], "flood: 29000 PUBLISH packets (" + std::to_string(statistics.bytes_not_recorded) +
                          " bytes) received on this connection are not in the history");
}

// A topic that matched a subscription is remembered (a fleet's subscriber sees the same topics over and over),
// but not past an UNSUBSCRIBE: the same topic then counts as unrequested, and beyond the limit is not recorded.
TEST_F(HostileServerTest, ATopicNoLongerSubscribedCountsAsUnrequestedAgain) {
  const std::size_t connect_size = encode(Packet(connect_packet())).size();
  const std::size_t subscribe_size = encode(Packet(Subscribe{ProtocolVersion::v3_1_1, 1, {{.filter = "wanted/#"}}, {}})).size();
  const std::size_t unsubscribe_size = encode(Packet(Unsubscribe{ProtocolVersion::v3_1_1, 2, {"wanted/#"}, {}})).size();
  HostileServer server(loop.context(), [=](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, connect_size);
    co_await testing::send(socket, testing::connack_bytes());
    co_await testing::receive(socket, subscribe_size);
    Bytes answer = encode(Packet(Suback{ProtocolVersion::v3_1_1, 1, {0}, {}}));
    for (int copy = 0; copy < 2; ++copy) {
      const Bytes wanted = testing::publish_bytes("wanted/x", 20);
      answer.insert(answer.end(), wanted.begin(), wanted.end());
    }
    co_await testing::send(socket, answer);
    co_await testing::receive(socket, unsubscribe_size);
    Bytes after = encode(Packet(Unsuback{ProtocolVersion::v3_1_1, 2, {}, {}}));
    for (int copy = 0; copy < 3; ++copy) {
      const Bytes wanted = testing::publish_bytes("wanted/x", 20);
      after.insert(after.end(), wanted.begin(), wanted.end());
    }
    co_await testing::send(socket, after);
    socket.shutdown(testing::tcp::socket::shutdown_send);
    co_await testing::until_closed(socket);
  });
  OpenOptions options;
  options.unrequested_publish_limit = 1;
  Session session = open(server, options);
  ASSERT_TRUE(session.connect(connect_packet(), 5s).ok());
  ASSERT_TRUE(session.subscribe({Subscription{.filter = "wanted/#", .qos = QoS::at_most_once}}, 5s).ok());
  ASSERT_EQ(session.connection().wait_for(PacketType::publish, 5s).outcome, WaitOutcome::packet);
  ASSERT_EQ(session.connection().wait_for(PacketType::publish, 5s).outcome, WaitOutcome::packet);
  ASSERT_TRUE(session.unsubscribe({"wanted/#"}, 5s).ok());
  ASSERT_EQ(session.connection().wait_for_close(5s).outcome, WaitOutcome::closed);
  // Of the three after the UNSUBSCRIBE, the first is within the limit of one; the other two are only counted.
  EXPECT_EQ(session.connection().statistics().publishes_not_recorded, 2u);
  EXPECT_EQ(count_events(recorder.snapshot(), history::EventKind::received, PacketType::publish), 3u);
}

// One byte per write (TCP_NODELAY): the packet is put together whatever the split, holding no more than itself.
TEST_F(HostileServerTest, BytesTrickledOneAtATimeStillMakeThePacket) {
  const Bytes publish = testing::publish_bytes("slow/topic", 1000);
  HostileServer server(loop.context(), [publish](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, 2);
    Bytes all = testing::connack_bytes();
    all.insert(all.end(), publish.begin(), publish.end());
    for (std::size_t index = 0; index < all.size(); ++index) {
      const Bytes one(all.begin() + static_cast<std::ptrdiff_t>(index), all.begin() + static_cast<std::ptrdiff_t>(index) + 1);
      co_await testing::send(socket, one);
    }
    co_await testing::until_closed(socket);
  });
  Session session = open(server);
  ASSERT_TRUE(session.connect(connect_packet(), 5s).ok());
  const WaitResult received = session.connection().next(10s);
  ASSERT_TRUE(received.ok());
  EXPECT_EQ(std::get<Publish>(*received.packet).payload.size(), 1000u);
  EXPECT_LE(session.connection().statistics().peak_unread_bytes, publish.size());
}

TEST_F(HostileServerTest, ACloseInTheMiddleOfAPacketIsNoted) {
  HostileServer server(loop.context(), [](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, 2);
    Bytes bytes = testing::connack_bytes();
    const Bytes publish = testing::publish_bytes("cut/here", 1000);
    bytes.insert(bytes.end(), publish.begin(), publish.begin() + 100);
    co_await testing::send(socket, bytes);
    socket.close();
  });
  Session session = open(server);
  ASSERT_TRUE(session.connect(connect_packet(), 5s).ok());
  const WaitResult result = session.connection().next(5s);
  ASSERT_EQ(result.outcome, WaitOutcome::closed);
  const auto notes = notes_of(recorder.snapshot());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], "the connection ended 100 byte(s) into a PUBLISH of 1013 bytes; the rest never arrived");
}

// A server that reads nothing while the client writes: the unsent bytes stop at the limit and the client
// gives up on the connection.
TEST_F(HostileServerTest, AServerThatNeverReadsIsGivenUpOnAtTheUnsentLimit) {
  HostileServer server(loop.context(), [](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, 2);
    co_await testing::send(socket, testing::connack_bytes());
    testing::asio::steady_timer forever(socket.get_executor(), std::chrono::hours(1));
    boost::system::error_code ignored;
    co_await forever.async_wait(testing::asio::redirect_error(testing::asio::use_awaitable, ignored));
  });
  OpenOptions options;
  options.unsent_byte_limit = 1u << 20;
  Session session = open(server, options);
  ASSERT_TRUE(session.connect(connect_packet(), 5s).ok());
  Publish publish;
  publish.topic = "big";
  publish.payload.assign(64u << 10, 'y');
  // The kernel's socket buffers take the first few MB; past them the client's own queue grows to its limit.
  for (int index = 0; index < 1000 && session.connection().is_open(); ++index) session.connection().send(Packet(publish));
  EXPECT_FALSE(session.connection().is_open());
  EXPECT_EQ(session.connection().close_reason(), history::CloseReason::timeout);
  EXPECT_LE(session.connection().statistics().peak_unsent_bytes, (1u << 20) + publish.payload.size() + 16);
  const auto notes = notes_of(recorder.snapshot());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("giving up on the connection"), std::string::npos) << notes[0];
}

TEST_F(HostileServerTest, AConnackWithAReservedReturnCodeIsNamed) {
  HostileServer server(loop.context(), [](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, 2);
    const Bytes reserved_code = reserved_return_code_connack();
    co_await testing::send(socket, reserved_code);
    co_await testing::until_closed(socket);
  });
  Session session = open(server);
  const RequestResult answer = session.connect(connect_packet(), 5s);
  EXPECT_EQ(failure_text(answer, PacketType::connack, 5s),
            "the broker sent bytes that do not decode and the connection closed (byte 3, CONNACK: return code 6 is "
            "reserved (0-5))");
}

TEST_F(HostileServerTest, AConnackOfTheWrongLengthIsNamed) {
  HostileServer server(loop.context(), [](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, 2);
    const Bytes too_long = connack_with_remaining_length_3();
    co_await testing::send(socket, too_long);
    co_await testing::until_closed(socket);
  });
  Session session = open(server);
  const RequestResult answer = session.connect(connect_packet(), 5s);
  EXPECT_EQ(failure_text(answer, PacketType::connack, 5s),
            "the broker sent bytes that do not decode and the connection closed (byte 4, CONNACK: 1 unexpected bytes "
            "after the end of the CONNACK packet)");
}

TEST_F(HostileServerTest, ASubackForAnotherPacketIdIsNamed) {
  HostileServer server(loop.context(), [](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, 2);
    co_await testing::send(socket, testing::connack_bytes());
    const Bytes other_id = encode(Packet(Suback{ProtocolVersion::v3_1_1, 7, {0}, {}}));
    co_await testing::send(socket, other_id);
    co_await testing::until_closed(socket);
  });
  Session session = open(server);
  ASSERT_TRUE(session.connect(connect_packet(), 5s).ok());
  // The deadline is the point of this test: the right SUBACK never comes.
  const RequestResult answer = session.subscribe({Subscription{.filter = "a/b"}}, 300ms);
  EXPECT_EQ(failure_text(answer, PacketType::suback, 300ms), "SUBACK for packet id 7 while " +
                                                                 std::to_string(answer.packet_id) + " was awaited");
}

}  // namespace
}  // namespace mqtt::client
