// Collects the history of one run or one conformance case. Connections, sessions and the runner all append
// to the same Recorder, which stamps each event with its sequence number and a monotonic time.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/packet.hpp"
#include "history/event.hpp"
#include "history/event_log.hpp"

namespace mqtt::client {

// How a Recorder keeps its events. `events`: a vector of full events (conformance cases, replays).
// `compact`: a history::EventLog, a few dozen bytes per packet event instead of several hundred; the full
// events are built when the history is taken (fleets of thousands of devices). `none`: each event goes to the
// listener and is forgotten (probe streams what a broker sends, however much, in constant memory).
enum class RecorderStorage : std::uint8_t { events, compact, none };

// Events handed over together (RecorderStorage::none with a batch sink): the first `size` of `events`, in sequence
// order. The slots past `size` are spares: events already consumed and given back as fresh events (what
// history::Event{} holds) whose raw bytes and actor name keep their buffers, so that a fleet's next events are
// written into them instead of allocated (docs/benchmarks.md, "The fleet's thread, fifth cut").
struct EventBatch {
  std::vector<history::Event> events;
  std::size_t size = 0;
};

// Makes a consumed event a spare: as history::Event{}, except that its raw bytes and actor keep their (small)
// buffers, emptied. The consumer calls it on its own thread, where the event's packet is freed.
void make_spare(history::Event& event);

class Recorder {
 public:
  // Called once per recorded event, after it has been stamped, in sequence order. It runs while the
  // Recorder's lock is held (that is what keeps the order), so it must not call back into this Recorder.
  using Listener = std::function<void(const history::Event&)>;

  // The time base (time_ns == 0) is the moment of construction, measured on std::chrono::steady_clock.
  Recorder();
  explicit Recorder(Listener listener);
  explicit Recorder(RecorderStorage storage, Listener listener = {});

  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void set_listener(Listener listener);
  // With RecorderStorage::none: each event is moved to the sink instead of shown to the listener, so a consumer
  // that keeps it (a fleet's judging thread) does not copy it. Same calling rules as the listener.
  using Sink = std::function<void(history::Event&&)>;
  void set_sink(Sink sink);
  // With RecorderStorage::none: events are collected into a batch and handed to the batch sink together (under the
  // lock, in sequence order), when flush() is called or `flush_at` events wait; the sink takes the batch's events
  // and leaves spares in their place (EventBatch). `request_flush` is called (under the lock, so it must not call
  // back into this Recorder) when an event lands in an empty batch: the owner arranges a flush() soon, e.g. by
  // posting one to its event loop. One lock per event instead of two, and no allocation per event once spares
  // come back. Replaces a sink set with set_sink.
  using BatchSink = std::function<void(EventBatch&)>;
  void set_batch_sink(BatchSink sink, std::function<void()> request_flush, std::size_t flush_at = 1024);
  // Stops or restarts the flush requests (e.g. when the loop they are posted to stops). Thread-safe.
  void set_flush_request(std::function<void()> request_flush);
  // Hands the waiting events to the batch sink now (nothing without one). Thread-safe.
  void flush();

  // Appends `event`, overwriting its sequence (next number, starting at 1), time_ns (now) and looked_ns (set
  // when this thread's event loop was late: client/loop_watch.hpp). Thread-safe.
  // Returns the sequence number assigned.
  std::uint64_t record(history::Event event);

  // Convenience for the runner: a `note` event (step boundary or annotation), not tied to a connection.
  std::uint64_t note(std::string actor, std::string text, std::uint32_t connection = 0);
  // A `fault` event: the network did something on purpose (fault name, parameters as detail).
  std::uint64_t fault(std::string actor, std::string fault_name, std::string detail, std::uint32_t connection = 0);

  // Fast path for connections: a `sent` or `received` packet on `connection`, by an actor from
  // intern_actor(). `packet` is null when the bytes are not one valid packet; otherwise it must be exactly
  // what decode_packet(raw, sender, version) gives (sender: client for sent, server for received), because
  // compact storage keeps only the raw bytes and decodes them again when the history is taken. A listener,
  // when set, still receives the full event (with a copy of `packet`). Thread-safe.
  std::uint64_t record_packet(history::EventKind kind, std::uint32_t connection, std::uint32_t actor,
                              ProtocolVersion version, std::span<const std::uint8_t> raw,
                              const Packet* packet);
  // The same, moving the packet into the event instead of copying it (a caller done with it: a fleet's
  // message, or a received PUBLISH nobody else keeps).
  std::uint64_t record_packet(history::EventKind kind, std::uint32_t connection, std::uint32_t actor,
                              ProtocolVersion version, std::span<const std::uint8_t> raw, Packet&& packet);
  std::uint32_t intern_actor(std::string_view actor);
  // The interned actor; the reference stays valid for the Recorder's life.
  const std::string& actor(std::uint32_t index) const;

  // Packet events of this kind and type recorded so far (e.g. publishes sent and received, for progress).
  std::uint64_t packets(history::EventKind kind, PacketType type) const;

  // Connection ids are 1, 2, 3, ... in allocation order. Thread-safe.
  std::uint32_t allocate_connection();

  // Nanoseconds since construction on the Recorder's steady clock.
  std::int64_t now_ns() const;

  history::History snapshot() const;  // a copy of everything recorded so far
  // Everything recorded so far, moved out; the Recorder is empty afterwards (sequence numbers continue).
  // With compact storage the log is released as the events are built, so the peak is about one History.
  history::History take_history();
  std::size_t size() const;

 private:
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  Listener listener_;
  Sink sink_;
  RecorderStorage storage_ = RecorderStorage::events;
  history::History history_;  // RecorderStorage::events
  history::EventLog log_;     // RecorderStorage::compact (also holds the interned actors in both modes)
  std::array<std::array<std::uint64_t, 16>, 8> tally_{};  // RecorderStorage::events and none
  BatchSink batch_sink_;                  // RecorderStorage::none: set_batch_sink
  std::function<void()> request_flush_;
  std::size_t flush_at_ = 1024;
  EventBatch batch_;                      // events waiting for the batch sink, then spares
  bool flush_requested_ = false;
  // The next slot of batch_ to fill (a spare when there is one; mutex_ held), and the hand-over after it is filled.
  history::Event& next_batch_slot();
  void batch_filled();
  void hand_over_batch();  // mutex_ held
  // Both record_packet()s: the packet is copied from `copied` or moved from `moved` (one of them is set).
  std::uint64_t record_packet_event(history::EventKind kind, std::uint32_t connection, std::uint32_t actor,
                                    ProtocolVersion version, std::span<const std::uint8_t> raw,
                                    const Packet* copied, Packet* moved);
  // The moment (this Recorder's time) the loop running on the calling thread was last seen keeping up, when it
  // is more than loop_lag_recorded_above before `time_ns` (client/loop_watch.hpp); else nothing.
  std::optional<std::int64_t> looked_before(std::int64_t time_ns) const;
  std::uint64_t next_sequence_ = 1;
  std::uint32_t next_connection_ = 1;
};

}  // namespace mqtt::client
