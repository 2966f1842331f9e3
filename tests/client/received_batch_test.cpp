// What the connection does with one batch of received bytes (a single socket read): the automatic acknowledgements
// of its packets leave together when the batch is done, in the order they were recorded, instead of one write
// each; and an answer a request waits for is handed to that request directly, so it arrives even without an
// inbox. A scripted server (tests/client/hostile_server.hpp) writes the batch in one go; every wait has a deadline.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "target_of.hpp"
#include "client/session.hpp"
#include "codec/decoder.hpp"
#include "hostile_server.hpp"

namespace mqtt::client {
namespace {

using namespace std::chrono_literals;
using testing::HostileServer;

constexpr std::uint16_t batch_size = 50;

using testing::url_of;

Connect connect_packet() {
  Connect connect;
  connect.client_id = "batch-test";
  connect.keep_alive = 0;
  return connect;
}

// QoS 1 PUBLISHes with packet ids 1..batch_size, as one block of bytes (one write, so one read on loopback).
Bytes publish_batch() {
  Bytes bytes;
  for (std::uint16_t id = 1; id <= batch_size; ++id) {
    const Bytes one = testing::publish_bytes("batch/" + std::to_string(id), 8, QoS::at_least_once, id);
    bytes.insert(bytes.end(), one.begin(), one.end());
  }
  return bytes;
}

// The packet ids of the PUBACKs in `bytes`, in order (empty when the bytes are not only PUBACKs).
std::vector<std::uint16_t> puback_ids(const Bytes& bytes) {
  DecoderOptions options;
  options.sender = Sender::client;
  options.version = ProtocolVersion::v3_1_1;
  StreamDecoder decoder(options);
  decoder.feed(bytes);
  std::vector<std::uint16_t> ids;
  for (;;) {
    auto result = decoder.next();
    auto* decoded = std::get_if<DecodedPacket>(&result);
    if (decoded == nullptr) break;
    const auto* puback = std::get_if<Puback>(&decoded->packet);
    if (puback == nullptr) return {};
    ids.push_back(puback->packet_id);
  }
  return ids;
}

class ReceivedBatchTest : public ::testing::Test {
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

TEST_F(ReceivedBatchTest, TheAcknowledgementsOfABatchLeaveTogetherInTheOrderTheyWereRecorded) {
  Bytes acknowledgements;
  const std::size_t connect_size = encode(Packet(connect_packet())).size();
  HostileServer server(loop.context(), [&](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, connect_size);  // all of it: what follows must be the PUBACKs alone
    co_await testing::send(socket, testing::connack_bytes());
    co_await testing::send(socket, publish_batch());
    acknowledgements.resize(4 * batch_size);  // a 3.1.1 PUBACK is 4 bytes
    co_await testing::asio::async_read(socket, testing::asio::buffer(acknowledgements),
                                       testing::asio::use_awaitable);
    socket.close();
  });
  Session session = open(server);
  ASSERT_TRUE(session.connect(connect_packet(), 5s).ok());
  const WaitResult end = session.connection().wait_for_close(5s);
  ASSERT_EQ(end.outcome, WaitOutcome::closed) << "the server never got its " << batch_size << " PUBACKs";

  std::vector<std::uint16_t> expected(batch_size);
  std::iota(expected.begin(), expected.end(), std::uint16_t{1});
  EXPECT_EQ(puback_ids(acknowledgements), expected);
  // The CONNECT, then one write per socket read of the batch, not one per PUBLISH (51 in all before).
  const std::uint64_t writes = session.connection().statistics().writes;
  EXPECT_GE(writes, 2u);
  EXPECT_LT(writes, batch_size / 2) << "the acknowledgements were written one by one";
  // Each is in the history, after the PUBLISH it answers.
  const auto history = recorder.snapshot();
  std::vector<std::uint16_t> recorded;
  for (const auto& event : history.events) {
    if (event.kind != history::EventKind::sent || !event.packet) continue;
    if (const auto* puback = std::get_if<Puback>(&*event.packet)) recorded.push_back(puback->packet_id);
  }
  EXPECT_EQ(recorded, expected);
}

// A plain TCP connection reads into a small buffer of its own (a device's CONNACK, PUBACK, PINGRESP) and moves to a
// large one once it keeps filling the small one: every batch is still handled as one, whichever buffer it lands in.
TEST_F(ReceivedBatchTest, ABusyReaderHandlesEachOfManyBatchesAsOne) {
  constexpr std::uint16_t rounds = 12;
  std::vector<std::uint16_t> acknowledged;
  const std::size_t connect_size = encode(Packet(connect_packet())).size();
  HostileServer server(loop.context(), [&](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, connect_size);
    co_await testing::send(socket, testing::connack_bytes());
    for (std::uint16_t round = 0; round < rounds; ++round) {
      Bytes batch;
      for (std::uint16_t index = 1; index <= batch_size; ++index) {
        const auto id = static_cast<std::uint16_t>(round * batch_size + index);
        const Bytes one = testing::publish_bytes("busy/" + std::to_string(id), 8, QoS::at_least_once, id);
        batch.insert(batch.end(), one.begin(), one.end());
      }
      co_await testing::send(socket, batch);
      Bytes acknowledgements(4 * batch_size);
      co_await testing::asio::async_read(socket, testing::asio::buffer(acknowledgements),
                                         testing::asio::use_awaitable);
      const auto ids = puback_ids(acknowledgements);
      acknowledged.insert(acknowledged.end(), ids.begin(), ids.end());
    }
    socket.close();
  });
  Session session = open(server);
  ASSERT_TRUE(session.connect(connect_packet(), 5s).ok());
  const WaitResult end = session.connection().wait_for_close(5s);
  ASSERT_EQ(end.outcome, WaitOutcome::closed) << "the server never got all its PUBACKs";

  std::vector<std::uint16_t> expected(rounds * batch_size);
  std::iota(expected.begin(), expected.end(), std::uint16_t{1});
  EXPECT_EQ(acknowledged, expected);
  const auto history = recorder.snapshot();
  std::vector<std::uint16_t> received;
  for (const auto& event : history.events) {
    if (event.kind != history::EventKind::received || !event.packet) continue;
    if (const auto* publish = std::get_if<Publish>(&*event.packet); publish && publish->packet_id) {
      EXPECT_EQ(publish->topic, "busy/" + std::to_string(*publish->packet_id));
      received.push_back(*publish->packet_id);
    }
  }
  EXPECT_EQ(received, expected);
  // The CONNECT, then one write per batch (one send on loopback is one read; two reads allowed for a rare split).
  // Read 64 bytes at a time without the rest behind them, the first batches took 9 and more writes each.
  EXPECT_LE(session.connection().statistics().writes, 3u + rounds) << "a batch was acknowledged piecemeal";
}

TEST_F(ReceivedBatchTest, AnAwaitedAnswerReachesItsRequestWithoutAnInbox) {
  HostileServer server(loop.context(), [](testing::tcp::socket& socket) -> testing::asio::awaitable<void> {
    co_await testing::receive(socket, 2);
    // An unrequested PUBLISH first: with no inbox it is recorded and dropped, and must not stand in the way.
    co_await testing::send(socket, testing::publish_bytes("noise", 4));
    co_await testing::send(socket, testing::connack_bytes());
    co_await testing::until_closed(socket);
  });
  OpenOptions options;
  options.inbox_limit = 0;
  Session session = open(server, options);
  const RequestResult connected = session.connect(connect_packet(), 5s);
  ASSERT_TRUE(connected.ok()) << failure_text(connected, PacketType::connack, 5s);
  ASSERT_TRUE(connected.reply);
  EXPECT_TRUE(std::holds_alternative<Connack>(*connected.reply));
  EXPECT_EQ(session.connection().statistics().peak_inbox_packets, 0u);
}

}  // namespace
}  // namespace mqtt::client
