// A wait whose deadline ran out while the harness's own loop was held: the answer may sit unread in the socket,
// so the deadline moves out by the time the loop watch saw the loop not looking (client::WatchedDeadline), and
// the answer the broker gave in time is seen. A broker that stays silent still runs the deadline out.
#include <gtest/gtest.h>

#include <chrono>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "client/connection.hpp"
#include "client/loop_watch.hpp"
#include "support/mosquitto_broker.hpp"
#include "target_of.hpp"

namespace mqtt::client {
namespace {

using namespace std::chrono_literals;
using testing::url_of;

// Holds the loop the way a long handler or a starved process does: nothing else runs on it meanwhile.
void hold_the_loop(EventLoop& loop, std::chrono::milliseconds length) {
  boost::asio::post(loop.context(), [length] {
    const auto until = std::chrono::steady_clock::now() + length;
    while (std::chrono::steady_clock::now() < until) {
    }
  });
}

Connection connected(EventLoop& loop, Recorder& recorder, const std::string& url, const std::string& client_id) {
  OpenOptions options;
  options.actor = client_id;
  auto opened = Connection::open(loop, recorder, url_of(url), options);
  if (!std::holds_alternative<Connection>(opened)) throw std::runtime_error(std::get<std::string>(opened));
  Connection connection = std::get<Connection>(std::move(opened));
  Connect connect;
  connect.client_id = client_id;
  connection.send(connect);
  if (!connection.wait_for(PacketType::connack, 5s).ok()) throw std::runtime_error("no CONNACK");
  return connection;
}

TEST(LoopLagDeadline, AnAnswerThatCameWhileTheLoopWasHeldIsSeenAfterTheDeadline) {
  test_support::MosquittoBroker broker;
  Recorder recorder;
  EventLoop loop;
  Connection connection = connected(loop, recorder, broker.url(), "held-loop");
  // The loop is held for 3 s, past the 300 ms deadline and the blocking call's own 2 s grace; mosquitto answers
  // the PUBLISH at once, so the PUBACK waits in the socket until the loop is free.
  hold_the_loop(loop, 3000ms);
  Publish publish;
  publish.topic = "held/loop";
  publish.qos = QoS::at_least_once;
  publish.packet_id = 1;
  connection.send(publish);
  const auto started = std::chrono::steady_clock::now();
  const WaitResult answer = connection.wait_for(PacketType::puback, 300ms);
  EXPECT_EQ(answer.outcome, WaitOutcome::packet) << "the PUBACK came in time; the harness was the late one";
  EXPECT_GE(std::chrono::steady_clock::now() - started, 2900ms) << "the loop was held as the test meant";
}

TEST(LoopLagDeadline, ASilentBrokerStillRunsTheDeadlineOut) {
  test_support::MosquittoBroker broker;
  Recorder recorder;
  EventLoop loop;
  Connection connection = connected(loop, recorder, broker.url(), "silent-answer");
  // Nothing answers a PINGRESP wait after a QoS 0 PUBLISH: with the loop free, the wait ends at its deadline.
  Publish publish;
  publish.topic = "silent/answer";
  connection.send(publish);
  const auto started = std::chrono::steady_clock::now();
  const WaitResult answer = connection.wait_for(PacketType::puback, 300ms);
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(answer.outcome, WaitOutcome::timeout);
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 300ms + watched_deadline_least_cap) << "moved out by no more than the loop was held";
}

TEST(LoopLagDeadline, MovesOutByExactlyTheTimeTheLoopWasNotSeenUpToItsCap) {
  // No loop here: the watch's record is set by hand (0: no look on record, so only the total counts).
  set_loop_looked_steady_ns(0);
  set_loop_unlooked_ns(0);
  WatchedDeadline deadline(100ms);
  EXPECT_EQ(deadline.extension(), 0ms);
  set_loop_unlooked_ns(2'000'000'000);  // since it was made, the loop went unseen for 2 s
  EXPECT_FALSE(deadline.passed());
  EXPECT_EQ(deadline.extension(), 2s);
  set_loop_unlooked_ns(60'000'000'000);  // a loop unseen for a minute holds the wait no longer than the cap
  EXPECT_EQ(deadline.extension(), std::chrono::duration_cast<WatchedDeadline::Clock::duration>(watched_deadline_least_cap));
  set_loop_unlooked_ns(0);
}

}  // namespace
}  // namespace mqtt::client
