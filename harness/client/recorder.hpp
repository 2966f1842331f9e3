// Collects the history of one run or one conformance case. Connections, sessions and the runner all append
// to the same Recorder, which stamps each event with its sequence number and a monotonic time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "history/event.hpp"

namespace mqtt::client {

class Recorder {
 public:
  // Called once per recorded event, after it has been stamped, in sequence order. It runs while the
  // Recorder's lock is held (that is what keeps the order), so it must not call back into this Recorder.
  using Listener = std::function<void(const history::Event&)>;

  // The time base (time_ns == 0) is the moment of construction, measured on std::chrono::steady_clock.
  Recorder();
  explicit Recorder(Listener listener);

  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void set_listener(Listener listener);

  // Appends `event`, overwriting its sequence (next number, starting at 1) and time_ns (now). Thread-safe.
  // Returns the sequence number assigned.
  std::uint64_t record(history::Event event);

  // Convenience for the runner: a `note` event (step boundary or annotation), not tied to a connection.
  std::uint64_t note(std::string actor, std::string text, std::uint32_t connection = 0);
  // A `fault` event: the network did something on purpose (fault name, parameters as detail).
  std::uint64_t fault(std::string actor, std::string fault_name, std::string detail, std::uint32_t connection = 0);

  // Connection ids are 1, 2, 3, ... in allocation order. Thread-safe.
  std::uint32_t allocate_connection();

  // Nanoseconds since construction on the Recorder's steady clock.
  std::int64_t now_ns() const;

  history::History snapshot() const;  // a copy of everything recorded so far
  std::size_t size() const;

 private:
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  Listener listener_;
  history::History history_;
  std::uint64_t next_sequence_ = 1;
  std::uint32_t next_connection_ = 1;
};

}  // namespace mqtt::client
