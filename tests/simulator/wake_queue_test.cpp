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

// A sleeper due every millisecond or so (a large fleet's ticks): after the first wake the next time is already
// armed on the second timer, so no wake arms a wait earlier than every pending one (with one timer, each wake
// armed its successor as the new earliest, and Asio reset its kernel timer for it, twice per wake in all).
TEST(WakeQueue, WakesOnConsecutiveMillisecondsArmNoNewEarliestWait) {
  boost::asio::io_context io;
  Sleeper a{"a"}, b{"b"}, c{"c"};
  std::vector<Call> calls;
  WakeQueue<Sleeper>* self = nullptr;
  WakeQueue<Sleeper> queue(io.get_executor(), [&](Sleeper& sleeper, std::uint64_t generation) {
    calls.push_back(Call{sleeper.name, generation, Clock::now() >= sleeper.due});
    if (calls.size() >= 12) {  // the wakes already due in this run still come
      io.stop();
      return;
    }
    sleeper.due += milliseconds(3);  // three sleepers a millisecond apart: a wake every millisecond
    self->add(sleeper.due, sleeper, generation + 1);
  });
  self = &queue;
  const auto start = Clock::now() + milliseconds(5);
  a.due = start;
  b.due = start + milliseconds(1);
  c.due = start + milliseconds(2);
  queue.add(a.due, a, 0);
  queue.add(b.due, b, 0);
  queue.add(c.due, c, 0);
  const auto arms_before = queue.earliest_arms();
  io.run_for(std::chrono::seconds(5));
  ASSERT_GE(calls.size(), 12u);
  for (const auto& call : calls) EXPECT_TRUE(call.on_time) << call.name << " " << call.generation;
  EXPECT_EQ(calls[0].name, "a");
  EXPECT_EQ(calls[1].name, "b");
  EXPECT_EQ(calls[2].name, "c");
  EXPECT_EQ(calls[3].name, "a");
  EXPECT_EQ(calls[3].generation, 1u);
  // Only a wake that finds both timers' times past (the loop woke late) arms an earliest wait; on a loaded
  // machine a few may, where one timer armed one per wake (11 here).
  EXPECT_LE(queue.earliest_arms() - arms_before, 3u);
}

// Wakes at the same time are one wake; a later wake added before them does not disturb the armed pair, an
// earlier one takes the later timer.
TEST(WakeQueue, AnEarlierSleeperTakesTheLaterTimer) {
  boost::asio::io_context io;
  Sleeper early{"early"}, same1{"same1"}, same2{"same2"}, late{"late"};
  std::vector<std::string> names;
  WakeQueue<Sleeper> queue(io.get_executor(), [&](Sleeper& sleeper, std::uint64_t) {
    names.push_back(sleeper.name);
    if (names.size() == 4) io.stop();
  });
  const auto now = Clock::now();
  queue.add(now + milliseconds(30), same1, 0);
  queue.add(now + milliseconds(30), same2, 0);
  queue.add(now + milliseconds(50), late, 0);
  queue.add(now + milliseconds(10), early, 0);
  io.run_for(std::chrono::seconds(5));
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[0], "early");
  EXPECT_TRUE((names[1] == "same1" && names[2] == "same2") || (names[1] == "same2" && names[2] == "same1"));
  EXPECT_EQ(names[3], "late");
}

}  // namespace
}  // namespace mqtt::simulator
