// The fleet's tick queue: many sleepers on one timer, called back in time order, each at or after its time.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "simulator/wake_queue.hpp"

namespace mqtt::simulator {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Sleeper {
  std::string name;
  Clock::time_point due{};
};

struct Call {
  std::string name;
  std::uint64_t generation;
  bool on_time;  // not before its time
};

TEST(WakeQueue, CallsEachSleeperInTimeOrderNotBeforeItsTime) {
  boost::asio::io_context io;
  std::vector<Call> calls;
  Sleeper a{"a"}, b{"b"}, c{"c"};
  WakeQueue<Sleeper> queue(io.get_executor(), [&](Sleeper& sleeper, std::uint64_t generation) {
    calls.push_back(Call{sleeper.name, generation, Clock::now() >= sleeper.due});
    if (calls.size() == 3) io.stop();
  });
  const auto now = Clock::now();
  a.due = now + milliseconds(60);
  b.due = now + milliseconds(20);
  c.due = now + milliseconds(40);
  // Added latest first: each earlier one moves the pending wait forward.
  queue.add(a.due, a, 1);
  queue.add(c.due, c, 2);
  queue.add(b.due, b, 3);
  io.run_for(std::chrono::seconds(5));  // the deadline; the third call stops it long before
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].name, "b");
  EXPECT_EQ(calls[0].generation, 3u);
  EXPECT_EQ(calls[1].name, "c");
  EXPECT_EQ(calls[2].name, "a");
  for (const auto& call : calls) EXPECT_TRUE(call.on_time) << call.name;
  EXPECT_EQ(queue.size(), 0u);
}

TEST(WakeQueue, AHandlerCanPutItsSleeperBackForALaterTime) {
  boost::asio::io_context io;
  Sleeper device{"device"};
  std::vector<Clock::time_point> woken;
  WakeQueue<Sleeper>* self = nullptr;
  WakeQueue<Sleeper> queue(io.get_executor(), [&](Sleeper& sleeper, std::uint64_t generation) {
    woken.push_back(Clock::now());
    if (woken.size() == 4) {
      io.stop();
      return;
    }
    sleeper.due += milliseconds(5);
    self->add(sleeper.due, sleeper, generation + 1);
  });
  self = &queue;
  device.due = Clock::now() + milliseconds(5);
  const auto first_due = device.due;
  queue.add(device.due, device, 0);
  io.run_for(std::chrono::seconds(5));
  ASSERT_EQ(woken.size(), 4u);
  for (std::size_t index = 0; index < woken.size(); ++index) {
    EXPECT_GE(woken[index], first_due + milliseconds(5 * static_cast<int>(index))) << index;
  }
}

}  // namespace
}  // namespace mqtt::simulator
