// The asynchronous raw connection (Boost.Asio C++20 coroutines). Include only where coroutines are needed
// (fleets, the façade's implementation); the runner uses client/connection.hpp instead.
//
// Threading: each connection lives on the executor given to open(). When the io_context runs on several
// threads, pass a strand and call every member function from coroutines running on that same strand.
// The connection's reader runs as its own coroutine from open() until the connection closes; it records every
// received packet, hands it to the packet hook (the session's auto-acknowledgement) and queues it for waits.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client/connection.hpp"
#include "client/recorder.hpp"
#include "client/requested_filters.hpp"
#include "client/websocket_framing.hpp"
#include "client/target_url.hpp"
#include "codec/decoder.hpp"
#include "codec/packet.hpp"
#include "history/event.hpp"

namespace mqtt::client {

namespace detail {
class Transport;
class ReadCompletion;
}

// Told about a connection's packets and its end (the session: automatic acknowledgements, keep-alive).
class ConnectionObserver {
 public:
  // Each received packet, after it is recorded and before it is queued for waits. A PUBLISH that no waiter
  // and no inbox keeps arrives as its header only (version, QoS, packet id, retain, dup; empty topic, payload
  // and properties): its bytes moved into the recorded event.
  virtual void on_packet(const Packet& packet) = 0;
  // Once, just after the `closed` event is recorded.
  virtual void on_closed() = 0;

 protected:
  ~ConnectionObserver() = default;
};

class AsyncConnection : public std::enable_shared_from_this<AsyncConnection> {
 public:
  using Executor = boost::asio::any_io_executor;
  using OpenResult = std::variant<std::shared_ptr<AsyncConnection>, std::string>;

  // Resolves and connects within options.deadline; records `open` or `open_failed`. On failure the string is
  // the one-line reason ("connection refused by 127.0.0.1:1", "no answer from host:1883 within 5000 ms").
  static boost::asio::awaitable<OpenResult> open(Executor executor, Recorder& recorder, TargetUrl target,
                                                 OpenOptions options);
  // The same, sharing one target among many connections (a fleet: one copy, not one per device).
  static boost::asio::awaitable<OpenResult> open(Executor executor, Recorder& recorder,
                                                 std::shared_ptr<const TargetUrl> target,
                                                 OpenOptions options);

  AsyncConnection(Executor executor, Recorder& recorder, std::shared_ptr<const TargetUrl> target,
                  OpenOptions options, std::uint32_t id,
                  std::unique_ptr<detail::Transport> transport);  // use open()
  ~AsyncConnection();
  AsyncConnection(const AsyncConnection&) = delete;
  AsyncConnection& operator=(const AsyncConnection&) = delete;

  std::uint32_t id() const { return id_; }
  const std::string& actor() const { return recorder_->actor(actor_id_); }
  const TargetUrl& target() const { return *target_; }
  Recorder& recorder() const { return *recorder_; }
  const Executor& executor() const { return executor_; }
  bool is_open() const { return !close_reason_.has_value(); }
  std::optional<history::CloseReason> close_reason() const { return close_reason_; }
  ProtocolVersion version() const { return version_; }
  // When the client side last wrote something (for keep-alive).
  std::chrono::steady_clock::time_point last_send_time() const { return last_send_time_; }

  // Writes are started at once and complete in order; see Connection::send / send_raw for what is recorded.
  std::uint64_t send(const Packet& packet);
  // The same for a packet the caller is done with: it is moved into the recorded event, not copied (a fleet's
  // topic and payload strings were copied once per message for the event alone).
  std::uint64_t send(Packet&& packet);
  std::uint64_t send_raw(Bytes bytes);
  // ws:// and wss:// only (else 0, nothing sent): `bytes` framed as asked, the `sent` event saying so.
  std::uint64_t send_framed(Bytes bytes, WebSocketFraming framing);
  bool over_websocket() const;

  boost::asio::awaitable<WaitResult> next(Duration deadline);
  boost::asio::awaitable<WaitResult> wait_for(PacketType type, Duration deadline);
  // First queued packet for which `match` is true; it is removed from the queue, the others stay.
  boost::asio::awaitable<WaitResult> wait_for(std::function<bool(const Packet&)> match, Duration deadline);
  boost::asio::awaitable<WaitResult> wait_for_close(Duration deadline);
  // For a caller that sleeps on its own timer (an idle device's single frame): the timer is cancelled when
  // the connection closes. Unwatch it before the timer goes.
  void watch_close(boost::asio::steady_timer* timer) { close_waiters_.push_back(timer); }
  void unwatch_close(boost::asio::steady_timer* timer) { std::erase(close_waiters_, timer); }

  // Graceful: records `closed` now; queued writes are flushed, then FIN.
  void close(history::CloseReason reason = history::CloseReason::local_close);
  // Abrupt: records `closed` (local_abort) and resets the connection (SO_LINGER 0); queued writes are dropped.
  void abort();

  // A plain pointer, not a std::function: the observer (the session) owns this connection and clears it in
  // its destructor.
  void set_observer(ConnectionObserver* observer) { observer_ = observer; }
  ConnectionObserver* observer() const { return observer_; }

  void set_inbox_limit(std::size_t limit);
  const ConnectionStatistics& statistics() const { return statistics_; }

 private:
  friend class detail::ReadCompletion;  // calls on_read
  struct Queued {
    Packet packet;
    std::uint64_t sequence = 0;
    std::size_t size = 0;  // its bytes on the wire, for the inbox's byte limit
  };
  // Limits from OpenOptions that apply after open; the rest of the options is not kept.
  struct Limits {
    std::size_t inbox_packets = 0;
    std::size_t inbox_bytes = 0;
    std::uint64_t unrequested_publishes = 0;
    std::size_t unsent_bytes = 0;
  };
  // Whether a received PUBLISH is recorded and handed on; beyond the flood limits it is only counted.
  bool admit_publish(const Publish& publish, std::size_t size);
  void track_subscriptions(const Packet& sent);
  void queue_for_waits(Packet packet, std::uint64_t sequence, std::size_t size);
  // An awaited packet goes straight to the first waiter whose match takes it (true), without the inbox and
  // without waking the other waiters.
  bool hand_to_waiter(Packet& packet, std::uint64_t sequence);
  void record_note(std::string text);
  // A `note` per WebSocket data message the transport finished reading (its opcode and length).
  void record_finished_messages();
  void give_up_on_unread_writes();
  // Writes made while the received bytes are handled (automatic acknowledgements) are held and leave in one
  // write at the end of the batch, not one system call per packet.
  void release_held_writes();
  // Holds the writes from now on, unless another connection's batch already does (batches do not nest).
  void hold_writes();
  // The reader: a pending read (plain TCP: into the connection's own buffer) or readiness wait (TLS,
  // WebSocket: then read into a buffer per thread) whose handler holds the connection, re-armed after each read.
  void start_reading();
  void on_readable(boost::system::error_code error);
  void on_read(boost::system::error_code error, std::size_t size);
  // What both readers do after the bytes: the end of the connection on an error, else the next read.
  void finish_read(boost::system::error_code error);
  boost::asio::mutable_buffer own_read_buffer();
  static std::array<std::uint8_t, 65536>& read_batch_buffer();
  // `self` keeps the connection alive while the loop runs.
  boost::asio::awaitable<void> write_loop(std::shared_ptr<AsyncConnection> self);
  void finish_graceful_close();
  WaitResult closed_result() const;
  void write(std::span<const std::uint8_t> bytes);
  void handle_received_bytes(const std::uint8_t* data, std::size_t size);
  // `detail`: what the transport said about the end ("TLS alert from the server: ..."), or "".
  void record_closed(history::CloseReason reason, std::string detail = {});
  void notify_waiters();
  history::Event make_event(history::EventKind kind) const;
  // send()'s encoding and bookkeeping; the bytes are in the returned per-thread buffer (give it back with
  // finish_send).
  Bytes prepare_send(const Packet& packet);
  void finish_send(Bytes bytes);
  // A received packet: recorded, shown to the observer, handed to a waiter or queued.
  void take_received(Packet& packet, std::span<const std::uint8_t> raw, std::size_t size);
  // The first queued packet `match` accepts (removed from the inbox), or the close, or nothing yet.
  std::optional<WaitResult> take_matching(const std::function<bool(const Packet&)>& match);

  Executor executor_;
  Recorder* recorder_;
  std::shared_ptr<const TargetUrl> target_;
  Limits limits_;
  std::uint32_t id_;
  std::unique_ptr<detail::Transport> transport_;
  ProtocolVersion version_;
  StreamDecoder decoder_;   // holds the bytes of a packet not yet complete (at most max_packet_size)
  std::uint32_t actor_id_;  // options_.actor interned by the recorder
  RequestedFilters subscribed_filters_;  // every filter SUBSCRIBEd and not UNSUBSCRIBEd since
  // Topics already found to match one of them (bounded; emptied when the filters change): a subscriber receives the
  // same few thousand topics over and over, and a lookup costs less than a match. Made on the first PUBLISH, so an
  // idle connection holds none.
  std::unique_ptr<std::unordered_set<std::string>> requested_topics_;
  std::uint64_t unrequested_publishes_received_ = 0;
  std::size_t inbox_bytes_ = 0;
  std::size_t unsent_bytes_ = 0;
  ConnectionStatistics statistics_;
  std::optional<DecodeError> decode_error_;  // why the connection closed as protocol_error
  // An empty std::deque still holds a 512-byte block, and an idle connection should hold nothing but its
  // socket: the inbox exists only while it holds packets, the write queue is a vector.
  std::unique_ptr<std::deque<Queued>> inbox_;
  // A pending wait_for: its match, where a packet handed to it goes, and its timer (cancelled to wake it).
  struct Waiter {
    const std::function<bool(const Packet&)>* match;
    std::optional<WaitResult>* handed;
    boost::asio::steady_timer* timer;
  };
  std::vector<Waiter> waiters_;                            // in the order they began; all woken on close
  std::vector<boost::asio::steady_timer*> close_waiters_;  // cancelled on close only
  std::vector<Bytes> write_queue_;
  std::map<std::size_t, WebSocketFraming> write_framings_;  // write_queue_ index -> its framing (send_framed)
  std::size_t write_head_ = 0;  // write_queue_[write_head_] is the next to write
  bool writing_ = false;
  bool holding_writes_ = false;  // handling received bytes: writes go to the thread's held buffer
  bool shutdown_after_writes_ = false;
  bool abort_after_writes_ = false;  // WebSocket: abort() waits for the writes already recorded as sent
  std::optional<history::CloseReason> close_reason_;
  std::uint64_t close_sequence_ = 0;
  std::chrono::steady_clock::time_point last_send_time_;
  ConnectionObserver* observer_ = nullptr;
  // Plain TCP reads land here while the read is pending, so the buffer is the connection's own. A device reads
  // a few bytes at a time (CONNACK, PUBACK, PINGRESP): a small buffer inside the connection, no allocation; a
  // connection that keeps filling it (a subscriber) moves to a large one for the rest of its life.
  static constexpr std::size_t large_read_size = 16384;
  std::unique_ptr<std::array<std::uint8_t, large_read_size>> large_read_buffer_;
  std::uint32_t full_small_reads_ = 0;
  std::array<std::uint8_t, 64> small_read_buffer_{};
};

}  // namespace mqtt::client
