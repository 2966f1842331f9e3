#include "client/recorder.hpp"

#include <algorithm>
#include <utility>

#include "client/loop_watch.hpp"

namespace mqtt::client {

Recorder::Recorder() : start_(std::chrono::steady_clock::now()) {}

Recorder::Recorder(Listener listener) : start_(std::chrono::steady_clock::now()), listener_(std::move(listener)) {}

Recorder::Recorder(RecorderStorage storage, Listener listener)
    : start_(std::chrono::steady_clock::now()), listener_(std::move(listener)), storage_(storage) {}

void Recorder::set_listener(Listener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void Recorder::set_sink(Sink sink) {
  std::lock_guard lock(mutex_);
  sink_ = std::move(sink);
}

std::uint64_t Recorder::record(history::Event event) {
  std::lock_guard lock(mutex_);
  event.sequence = next_sequence_++;
  // Stamped under the lock so time never goes backwards along the sequence.
  event.time_ns = now_ns();
  event.looked_ns = looked_before(event.time_ns);
  if (storage_ == RecorderStorage::compact) {
    log_.append(event);
    if (listener_) listener_(event);
    return event.sequence;
  }
  if (event.packet) {
    ++tally_[static_cast<std::size_t>(event.kind) & 7]
            [static_cast<std::size_t>(packet_type(*event.packet)) & 15];
  }
  if (storage_ == RecorderStorage::none) {
    const std::uint64_t sequence = event.sequence;
    if (sink_) {
      sink_(std::move(event));
    } else if (listener_) {
      listener_(event);
    }
    return sequence;
  }
  history_.events.push_back(std::move(event));
  if (listener_) listener_(history_.events.back());
  return history_.events.back().sequence;
}

std::uint64_t Recorder::record_packet(history::EventKind kind, std::uint32_t connection, std::uint32_t actor,
                                      ProtocolVersion version, std::span<const std::uint8_t> raw,
                                      const Packet* packet) {
  return record_packet_event(kind, connection, actor, version, raw, packet, nullptr);
}

std::uint64_t Recorder::record_packet(history::EventKind kind, std::uint32_t connection, std::uint32_t actor,
                                      ProtocolVersion version, std::span<const std::uint8_t> raw,
                                      Packet&& packet) {
  return record_packet_event(kind, connection, actor, version, raw, nullptr, &packet);
}

std::uint64_t Recorder::record_packet_event(history::EventKind kind, std::uint32_t connection, std::uint32_t actor,
                                            ProtocolVersion version, std::span<const std::uint8_t> raw,
                                            const Packet* copied, Packet* moved) {
  const Packet* packet = moved != nullptr ? moved : copied;
  if (storage_ != RecorderStorage::compact || listener_) {
    // The full event is needed anyway (stored, or handed to the listener).
    history::Event event;
    event.kind = kind;
    event.connection = connection;
    if (moved != nullptr) {
      event.packet.emplace(std::move(*moved));
    } else if (copied != nullptr) {
      event.packet = *copied;
    }
    event.raw.assign(raw.begin(), raw.end());
    if (storage_ == RecorderStorage::events) {
      {
        std::lock_guard lock(mutex_);
        event.actor = log_.actor(actor);
      }
      return record(std::move(event));
    }
    // One lock for the actor's name and the stamp, and the event handed on from here rather than moved into
    // record() first: a fleet hands its judging thread thousands of packet events a second (RecorderStorage::none).
    std::lock_guard lock(mutex_);
    event.actor = log_.actor(actor);
    event.sequence = next_sequence_++;
    event.time_ns = now_ns();
    event.looked_ns = looked_before(event.time_ns);
    if (storage_ == RecorderStorage::none) {
      const std::uint64_t sequence = event.sequence;
      if (event.packet) {
        ++tally_[static_cast<std::size_t>(kind) & 7][static_cast<std::size_t>(packet_type(*event.packet)) & 15];
      }
      if (sink_) {
        sink_(std::move(event));
      } else if (listener_) {
        listener_(event);
      }
      return sequence;
    }
    if (event.looked_ns) {
      log_.append(event);
    } else {
      log_.append_packet(event.time_ns, connection, actor, kind, version, packet != nullptr, raw);
    }
    listener_(event);
    return event.sequence;
  }
  std::lock_guard lock(mutex_);
  const std::int64_t time = now_ns();
  if (const auto looked = looked_before(time)) {
    // The loop was late (rare): the event goes whole, with the moment the loop last looked.
    history::Event event;
    event.sequence = next_sequence_;
    event.time_ns = time;
    event.connection = connection;
    event.actor = log_.actor(actor);
    event.kind = kind;
    if (packet != nullptr) event.packet = *packet;
    event.raw.assign(raw.begin(), raw.end());
    event.looked_ns = looked;
    log_.append(event);
  } else {
    log_.append_packet(time, connection, actor, kind, version, packet != nullptr, raw);
  }
  return next_sequence_++;
}

std::optional<std::int64_t> Recorder::looked_before(std::int64_t time_ns) const {
  const std::int64_t looked_steady = loop_looked_steady_ns();
  if (looked_steady == 0) return std::nullopt;  // not on a watched loop's thread: nothing known
  const std::int64_t start_steady =
      std::chrono::duration_cast<std::chrono::nanoseconds>(start_.time_since_epoch()).count();
  const std::int64_t looked = looked_steady - start_steady;
  if (time_ns - looked <= std::chrono::nanoseconds(loop_lag_recorded_above).count()) return std::nullopt;
  return std::max<std::int64_t>(0, looked);  // before this history began: as early as its start
}

std::uint32_t Recorder::intern_actor(std::string_view actor) {
  std::lock_guard lock(mutex_);
  return log_.intern_actor(actor);
}

const std::string& Recorder::actor(std::uint32_t index) const {
  std::lock_guard lock(mutex_);
  return log_.actor(index);
}

std::uint64_t Recorder::packets(history::EventKind kind, PacketType type) const {
  std::lock_guard lock(mutex_);
  if (storage_ == RecorderStorage::compact) return log_.packets(kind, type);
  return tally_[static_cast<std::size_t>(kind) & 7][static_cast<std::size_t>(type) & 15];
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
  if (storage_ == RecorderStorage::compact) return log_.materialize();
  return history_;
}

history::History Recorder::take_history() {
  std::lock_guard lock(mutex_);
  if (storage_ == RecorderStorage::compact) return log_.take();
  history::History taken = std::move(history_);
  history_.events.clear();
  return taken;
}

std::size_t Recorder::size() const {
  std::lock_guard lock(mutex_);
  if (storage_ == RecorderStorage::compact) return log_.size();
  return history_.events.size();
}

}  // namespace mqtt::client
