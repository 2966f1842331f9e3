#include <boost/asio/io_context.hpp>

#include <functional>
#include <optional>
#include <stop_token>

#include "client/connection.hpp"
#include "client/loop_watch.hpp"

namespace mqtt::client {

struct EventLoop::State {
  std::unique_ptr<boost::asio::io_context> owned;
  boost::asio::io_context* context = nullptr;
  std::stop_token stop;
  // Wakes a run in progress: io_context::stop is safe from any thread and makes run_one_until return.
  std::optional<std::stop_callback<std::function<void()>>> wake;
};

EventLoop::EventLoop() : state_(std::make_unique<State>()) {
  state_->owned = std::make_unique<boost::asio::io_context>(1);
  state_->context = state_->owned.get();
}

EventLoop::EventLoop(boost::asio::io_context& context) : state_(std::make_unique<State>()) {
  state_->context = &context;
}

EventLoop::~EventLoop() = default;

boost::asio::io_context& EventLoop::context() { return *state_->context; }

void EventLoop::stop_on(std::stop_token stop) {
  state_->wake.reset();
  state_->stop = std::move(stop);
  if (state_->stop.stop_possible()) {
    state_->wake.emplace(state_->stop, std::function<void()>([context = state_->context] { context->stop(); }));
  }
}

void EventLoop::run_for(Duration duration) {
  run_until([] { return false; }, duration);
}

bool EventLoop::run_until(const std::function<bool()>& done, Duration deadline) {
  auto& context = *state_->context;
  // Moves out by the time this loop was held (client/loop_watch.hpp): what came meanwhile is read first. The
  // watch starts here too, not only with the first connection: the wait for that connection can be held.
  watch_loop(context.get_executor());
  WatchedDeadline until(deadline);
  while (!done()) {
    if (context.stopped()) context.restart();
    // After the restart: a stop requested from here on also stops the context, so run_one_until returns at once.
    if (state_->stop.stop_requested()) return done();
    if (until.passed()) return done();
    const std::size_t handlers = context.run_one_until(until.until());
    // No handler ran before the deadline, or there is no work left at all: nothing more can happen.
    if (handlers == 0) return done();
  }
  return true;
}

}  // namespace mqtt::client
