// EventLoop::stop_on: a stop requested from another thread ends a wait in progress at once and keeps later waits
// from running, until stop_on({}) lets the loop run again (an interrupted run still closes its connections).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stop_token>
#include <thread>

#include <utility>  // before Boost.Asio 1.74: its headers use std::exchange without including it

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client/connection.hpp"

namespace mqtt::client {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(EventLoopStop, AStopFromAnotherThreadEndsTheWaitInProgress) {
  EventLoop loop;
  std::stop_source stop;
  loop.stop_on(stop.get_token());
  // Work that would hold the loop for a minute.
  boost::asio::steady_timer far(loop.context(), 60s);
  far.async_wait([](const boost::system::error_code&) {});
  // Requested from a thread started inside the wait, so the wait is under way when the stop comes.
  std::jthread requester;
  boost::asio::post(loop.context(), [&] { requester = std::jthread([&] { stop.request_stop(); }); });
  const auto started = Clock::now();
  EXPECT_FALSE(loop.run_until([] { return false; }, 60s));
  EXPECT_LT(Clock::now() - started, 10s);
  // Stopped stays stopped: a later wait does not run at all.
  const auto again = Clock::now();
  EXPECT_FALSE(loop.run_until([] { return false; }, 60s));
  EXPECT_LT(Clock::now() - again, 1s);
  far.cancel();
}

TEST(EventLoopStop, RunsAgainOnceTheStopIsLifted) {
  EventLoop loop;
  std::stop_source stop;
  stop.request_stop();
  loop.stop_on(stop.get_token());
  auto fired = std::make_shared<bool>(false);
  boost::asio::steady_timer soon(loop.context(), 20ms);
  soon.async_wait([fired](const boost::system::error_code& error) { *fired = !error; });
  EXPECT_FALSE(loop.run_until([&] { return *fired; }, 5s));
  EXPECT_FALSE(*fired);
  loop.stop_on({});
  EXPECT_TRUE(loop.run_until([&] { return *fired; }, 5s));
}

}  // namespace
}  // namespace mqtt::client
