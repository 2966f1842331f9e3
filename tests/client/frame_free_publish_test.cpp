// The fleet's QoS 1 publish without a coroutine (AsyncSession::start_publish): the session tracks the PUBACK,
// tells its listener, and frees the packet id on the PUBACK, on forget_publish and on the close. And a received
// PUBLISH that no waiter or inbox keeps is moved into its event: the history has all of it, and the session still
// acknowledges it from the header it is shown. A scripted server (tests/client/hostile_server.hpp) plays the broker;
// every wait has a deadline.
#include <gtest/gtest.h>

#include "target_of.hpp"
#include "client/async_session.hpp"
#include "client/session.hpp"
#include "codec/decoder.hpp"
#include "hostile_server.hpp"

namespace mqtt::client {
namespace {

using namespace std::chrono_literals;
using testing::HostileServer;

using testing::url_of;

Connect connect_packet() {
  Connect connect;
  connect.client_id = "frame-free";
  connect.keep_alive = 0;
  return connect;
}

Publish qos1_message(const std::string& topic) {
  Publish publish;
  publish.topic = topic;
  publish.qos = QoS::at_least_once;
  publish.payload = Bytes{'h', 'i'};
  return publish;
}

// One client packet from the socket (the test's packets are short: one byte of remaining length).
testing::asio::awaitable<Packet> receive_packet(testing::tcp::socket& socket) {
  Bytes bytes(2);
  co_await testing::asio::async_read(socket, testing::asio::buffer(bytes), testing::asio::use_awaitable);
  bytes.resize(2 + bytes[1]);
  co_await testing::asio::async_read(socket, testing::asio::buffer(bytes.data() + 2, bytes[1]),
                                     testing::asio::use_awaitable);
  DecoderOptions options;
  options.sender = Sender::client;
  options.version = ProtocolVersion::v3_1_1;
  StreamDecoder decoder(options);
  decoder.feed(bytes);
  auto result = decoder.next();
  auto* decoded = std::get_if<DecodedPacket>(&result);
  if (decoded == nullptr) throw std::runtime_error("the client sent bytes that do not decode");
  co_return std::move(decoded->packet);
}

class FrameFreePublishTest : public ::testing::Test {
 protected:
  Session open(const HostileServer& server) {
    OpenOptions options;
    options.actor = "device";
    options.inbox_limit = 0;  // as a fleet device: nothing kept for waits that never come
    auto opened = Session::open(loop, recorder, url_of(server.url()), options);
    if (auto* failure = std::get_if<std::string>(&opened)) throw std::runtime_error(*failure);
    return std::get<Session>(std::move(opened));
  }

  Recorder recorder;
  EventLoop loop;  // after the recorder: connections die with the loop, before the recorder
};

TEST_F(FrameFreePublishTest, ThePubackReachesTheListenerAndEveryEndFreesThePacketId) {
  std::optional<std::uint16_t> first_id, second_id;
  std::optional<Packet> answer_to_server;
  bool second_received = false;
  HostileServer server(loop.context(), [&](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await receive_packet(socket);  // CONNECT
    co_await testing::send(socket, testing::connack_bytes());
    const Packet first = co_await receive_packet(socket);
    first_id = std::get<Publish>(first).packet_id;
    co_await testing::send(socket, encode(Packet(Puback{ProtocolVersion::v3_1_1, *first_id, 0, {}})));
    const Packet second = co_await receive_packet(socket);  // never answered
    second_id = std::get<Publish>(second).packet_id;
    second_received = true;
    co_await testing::send(socket, testing::publish_bytes("to/device", 16, QoS::at_least_once, 77));
    answer_to_server = co_await receive_packet(socket);
    co_await receive_packet(socket);  // a third PUBLISH: the server then closes with it unanswered
    socket.close();
  });
  Session session = open(server);
  ASSERT_TRUE(session.connect(connect_packet(), 5s).ok());
  const auto async = session.async();
  std::vector<std::uint16_t> heard;
  async->set_acknowledgement_listener([&](std::uint16_t id) { heard.push_back(id); });

  const auto first = async->start_publish(qos1_message("from/device/1"));
  ASSERT_EQ(first.state, AsyncSession::PublishStart::sent);
  EXPECT_TRUE(async->packet_ids().in_use(first.packet_id));
  ASSERT_TRUE(loop.run_until([&] { return !heard.empty(); }, 5s)) << "the PUBACK never reached the listener";
  EXPECT_EQ(heard, std::vector<std::uint16_t>{first.packet_id});
  EXPECT_EQ(first_id, first.packet_id);
  EXPECT_FALSE(async->packet_ids().in_use(first.packet_id));

  const auto second = async->start_publish(qos1_message("from/device/2"));
  ASSERT_EQ(second.state, AsyncSession::PublishStart::sent);
  ASSERT_TRUE(loop.run_until([&] { return answer_to_server.has_value(); }, 5s))
      << "the client did not acknowledge the server's QoS 1 PUBLISH";
  EXPECT_TRUE(second_received);
  EXPECT_EQ(heard.size(), 1u) << "an unanswered publish was reported as acknowledged";
  EXPECT_TRUE(async->packet_ids().in_use(second.packet_id));
  async->forget_publish(second.packet_id);  // its deadline passed
  EXPECT_FALSE(async->packet_ids().in_use(second.packet_id));

  // The server's PUBLISH was kept by nobody here: its topic and payload are in the history all the same, and
  // the session's PUBACK carried its packet id from the header it was shown.
  const auto* puback = std::get_if<Puback>(&*answer_to_server);
  ASSERT_NE(puback, nullptr);
  EXPECT_EQ(puback->packet_id, 77);
  bool recorded = false;
  for (const auto& event : recorder.snapshot().events) {
    if (event.kind != history::EventKind::received || !event.packet) continue;
    if (const auto* publish = std::get_if<Publish>(&*event.packet)) {
      EXPECT_EQ(publish->topic, "to/device");
      EXPECT_EQ(publish->payload, Bytes(16, 'x'));
      EXPECT_EQ(publish->packet_id, 77);
      recorded = true;
    }
  }
  EXPECT_TRUE(recorded) << "the received PUBLISH is not in the history";
  // The sent messages were moved into their events, whole.
  std::vector<std::string> sent_topics;
  for (const auto& event : recorder.snapshot().events) {
    if (event.kind != history::EventKind::sent || !event.packet) continue;
    if (const auto* publish = std::get_if<Publish>(&*event.packet)) sent_topics.push_back(publish->topic);
  }
  EXPECT_EQ(sent_topics, (std::vector<std::string>{"from/device/1", "from/device/2"}));

  const auto third = async->start_publish(qos1_message("from/device/3"));
  ASSERT_EQ(third.state, AsyncSession::PublishStart::sent);
  const WaitResult end = session.connection().wait_for_close(5s);
  ASSERT_EQ(end.outcome, WaitOutcome::closed);
  EXPECT_FALSE(async->packet_ids().in_use(third.packet_id)) << "the close did not free the awaited packet id";
  EXPECT_EQ(async->packet_ids().in_use_count(), 0u);
  EXPECT_EQ(async->start_publish(qos1_message("from/device/4")).state, AsyncSession::PublishStart::closed);
}

}  // namespace
}  // namespace mqtt::client
