// Runs one coroutine to completion on an EventLoop, for the blocking façades. Internal.
#pragma once

#include <exception>
#include <memory>
#include <optional>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "client/connection.hpp"

namespace mqtt::client::detail {

// Extra time the loop allows past an operation's own deadline before giving up on it: the operation enforces
// its deadline itself, so this only guards against a bug turning into a hang.
inline constexpr Duration blocking_grace = std::chrono::seconds(2);

template <typename T>
T run_blocking(EventLoop& loop, boost::asio::awaitable<T> operation, Duration deadline, T if_unfinished) {
  struct Outcome {
    std::optional<T> value;
    std::exception_ptr error;
  };
  auto outcome = std::make_shared<Outcome>();
  boost::asio::co_spawn(loop.context(), std::move(operation), [outcome](std::exception_ptr error, T value) {
    if (error) {
      outcome->error = error;
    } else {
      outcome->value = std::move(value);
    }
  });
  loop.run_until([&] { return outcome->value.has_value() || outcome->error != nullptr; }, deadline + blocking_grace);
  if (outcome->error) std::rethrow_exception(outcome->error);
  if (!outcome->value) return if_unfinished;
  return std::move(*outcome->value);
}

}  // namespace mqtt::client::detail
