// The harness's own lateness is in the history: a handler that holds the event loop while the broker closes
// the connection makes the close arrive late, and the recorded close says when the loop last looked
// (Event::looked_ns, client/loop_watch.hpp), so the checker measures the broker from there.
#include <gtest/gtest.h>

#include <algorithm>

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

TEST(LoopLag, ACloseNoticedAfterABusyHandlerCarriesWhenTheLoopLastLooked) {
  test_support::MosquittoBroker broker;
  Recorder recorder;
  EventLoop loop;
  OpenOptions options;
  options.actor = "busy";
  auto opened = Connection::open(loop, recorder, url_of(broker.url()), options);
  ASSERT_TRUE(std::holds_alternative<Connection>(opened)) << std::get<std::string>(opened);
  Connection connection = std::get<Connection>(std::move(opened));
  Connect connect;
  connect.client_id = "busy-loop";
  connect.keep_alive = 30;
  connection.send(connect);
  ASSERT_TRUE(connection.wait_for(PacketType::connack, 5s).ok());

  // Packet type 0 is reserved: mosquitto closes at once [MQTT-2.2.1]. The next handler on the loop holds it
  // for 300 ms, so the loop notices the close at least that late.
  std::int64_t busy_from = 0;
  std::int64_t busy_until = 0;
  boost::asio::post(loop.context(), [&] {
    busy_from = recorder.now_ns();
    const auto until = std::chrono::steady_clock::now() + 300ms;
    while (std::chrono::steady_clock::now() < until) {
    }
    busy_until = recorder.now_ns();
  });
  connection.send_raw(Bytes{0x00, 0x00});
  const WaitResult closed = connection.wait_for_close(5s);
  ASSERT_EQ(closed.outcome, WaitOutcome::closed);
  ASSERT_NE(busy_until, 0) << "the busy handler ran";

  const auto history = recorder.snapshot();
  const auto event = std::find_if(history.events.begin(), history.events.end(),
                                  [](const history::Event& e) { return e.kind == history::EventKind::closed; });
  ASSERT_NE(event, history.events.end());
  EXPECT_GE(event->time_ns, busy_until);
  ASSERT_TRUE(event->looked_ns.has_value()) << "the close was noticed late and must say so";
  // The loop last looked before the busy handler began: the close may have happened any time after that.
  EXPECT_LE(*event->looked_ns, busy_from);
  EXPECT_GE(event->time_ns - *event->looked_ns, 300'000'000);
  EXPECT_EQ(history::earliest_time(*event), *event->looked_ns);
}

}  // namespace
}  // namespace mqtt::client
