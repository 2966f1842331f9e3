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

void Recorder::set_batch_sink(BatchSink sink, std::function<void()> request_flush, std::size_t flush_at) {
  std::lock_guard lock(mutex_);
  batch_sink_ = std::move(sink);
  request_flush_ = std::move(request_flush);
  flush_at_ = std::max<std::size_t>(1, flush_at);
  sink_ = {};
}

void Recorder::set_flush_request(std::function<void()> request_flush) {
  std::lock_guard lock(mutex_);
  request_flush_ = std::move(request_flush);
  flush_requested_ = false;
}

void Recorder::flush() {
  std::lock_guard lock(mutex_);
  flush_requested_ = false;
  hand_over_batch();
}

void Recorder::hand_over_batch() {
  if (batch_.size == 0 || !batch_sink_) return;
  batch_sink_(batch_);
  batch_.size = 0;  // the sink left spares (or nothing) behind
}

history::Event& Recorder::next_batch_slot() {
  if (batch_.size == batch_.events.size()) {
    // A new batch (none has come back yet) gets room for a loop's turn at once, not a reallocation (which moves
    // every event) each time it doubles.
    if (batch_.events.capacity() == batch_.size) batch_.events.reserve(std::max<std::size_t>(64, 2 * batch_.size));
    batch_.events.emplace_back();
  }
  return batch_.events[batch_.size++];
}

void Recorder::batch_filled() {
  if (batch_.size >= flush_at_) {
    hand_over_batch();
  } else if (batch_.size == 1 && request_flush_ && !flush_requested_) {
    flush_requested_ = true;
    request_flush_();
  }
}

void make_spare(history::Event& event) {
  // Buffers past these sizes are let go: a spare should not hold a large payload's bytes for the rest of the run.
  constexpr std::size_t kept_raw = 1024;
  constexpr std::size_t kept_actor = 128;
  Bytes raw = std::move(event.raw);
  std::string actor = std::move(event.actor);
  event = history::Event{};  // every field as new, whatever fields the event gains
  if (raw.capacity() <= kept_raw) {
    raw.clear();
    event.raw = std::move(raw);
  }
  if (actor.capacity() <= kept_actor) {
    actor.clear();
    event.actor = std::move(actor);
  }
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
    if (batch_sink_) {
      next_batch_slot() = std::move(event);
      batch_filled();
    } else if (sink_) {
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
  if (storage_ == RecorderStorage::none && batch_sink_) {
    // A fleet's packet event, written into a spare of the batch: its raw bytes and actor go into buffers that
    // came back from the judge, and the event is handed over with the others at the next flush.
    std::lock_guard lock(mutex_);
    history::Event& event = next_batch_slot();
    event.sequence = next_sequence_++;
    event.time_ns = now_ns();
    event.looked_ns = looked_before(event.time_ns);
    event.connection = connection;
    event.actor.assign(log_.actor(actor));
    event.kind = kind;
    if (moved != nullptr) {
      event.packet.emplace(std::move(*moved));
    } else if (copied != nullptr) {
      event.packet.emplace(*copied);
    }
    event.raw.assign(raw.begin(), raw.end());
    if (event.packet) {
      ++tally_[static_cast<std::size_t>(kind) & 7][static_cast<std::size_t>(packet_type(*event.packet)) & 15];
    }
    const std::uint64_t sequence = event.sequence;
    batch_filled();
    return sequence;
  }
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
