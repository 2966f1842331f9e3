#include "client/recorder.hpp"

#include <utility>

namespace mqtt::client {

Recorder::Recorder() : start_(std::chrono::steady_clock::now()) {}

Recorder::Recorder(Listener listener) : start_(std::chrono::steady_clock::now()), listener_(std::move(listener)) {}

void Recorder::set_listener(Listener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

std::uint64_t Recorder::record(history::Event event) {
  std::lock_guard lock(mutex_);
  event.sequence = next_sequence_++;
  // Stamped under the lock so time never goes backwards along the sequence.
  event.time_ns = now_ns();
  history_.events.push_back(std::move(event));
  if (listener_) listener_(history_.events.back());
  return history_.events.back().sequence;
}

std::uint64_t Recorder::note(std::string actor, std::string text, std::uint32_t connection) {
  history::Event event;
  event.kind = history::EventKind::note;
  event.actor = std::move(actor);
  event.detail = std::move(text);
  event.connection = connection;
  return record(std::move(event));
}

std::uint64_t Recorder::fault(std::string actor, std::string fault_name, std::string detail,
                              std::uint32_t connection) {
  history::Event event;
  event.kind = history::EventKind::fault;
  event.actor = std::move(actor);
  event.fault = std::move(fault_name);
  event.detail = std::move(detail);
  event.connection = connection;
  return record(std::move(event));
}

std::uint32_t Recorder::allocate_connection() {
  std::lock_guard lock(mutex_);
  return next_connection_++;
}

std::int64_t Recorder::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
}

history::History Recorder::snapshot() const {
  std::lock_guard lock(mutex_);
  return history_;
}

std::size_t Recorder::size() const {
  std::lock_guard lock(mutex_);
  return history_.events.size();
}

}  // namespace mqtt::client
