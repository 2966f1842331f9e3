#include "client/async_connection.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "client/detail/connection_end.hpp"
#include "client/detail/transport.hpp"
#include "client/loop_watch.hpp"
#include "codec/encoder.hpp"

namespace mqtt::client {

namespace asio = boost::asio;
using boost::system::error_code;
using detail::close_reason_for;
using detail::max_error_bytes;

namespace {

// How long a gracefully closed socket waits for the server's FIN before we release it anyway.
constexpr auto graceful_close_linger = std::chrono::seconds(1);

// The bytes written while one connection handles what it read (its acknowledgements), sent in one write at
// the end of that batch. One buffer per thread: batches do not nest, and an idle connection holds none.
thread_local Bytes held_writes;
thread_local const void* held_writes_owner = nullptr;

// The bytes as one valid client packet, if they are exactly that.
std::optional<Packet> decode_as_client_packet(const Bytes& bytes, ProtocolVersion version) {
  if (bytes.empty()) return std::nullopt;
  DecoderOptions options;
  options.sender = Sender::client;
  // A CONNECT carries its own protocol level; anything else is read under the connection's version.
  if ((bytes.front() >> 4) != static_cast<std::uint8_t>(PacketType::connect)) options.version = version;
  StreamDecoder decoder(options);
  decoder.feed(bytes);
  auto result = decoder.next();
  if (auto* decoded = std::get_if<DecodedPacket>(&result)) {
    if (decoder.consumed() == bytes.size()) return std::move(decoded->packet);
  }
  return std::nullopt;
}

// "peer 127.0.0.1:8883", then what TLS or WebSocket agreed ("peer 127.0.0.1:8883 TLSv1.3").
std::string open_detail(const detail::Transport& transport) {
  std::string text = "peer " + transport.peer();
  const std::string negotiated = transport.negotiated();
  if (!negotiated.empty()) text += " " + negotiated;
  return text;
}

void record_open(Recorder& recorder, std::uint32_t connection, const std::string& actor, std::string detail,
                 bool opened, std::optional<history::WebSocketDetail> websocket) {
  history::Event event;
  event.websocket = std::move(websocket);
  event.kind = opened ? history::EventKind::open : history::EventKind::open_failed;
  event.connection = connection;
  event.actor = actor;
  event.detail = std::move(detail);
  recorder.record(std::move(event));
}

}  // namespace

asio::awaitable<AsyncConnection::OpenResult> AsyncConnection::open(Executor executor, Recorder& recorder,
                                                                    TargetUrl target, OpenOptions options) {
  co_return co_await open(std::move(executor), recorder, std::make_shared<const TargetUrl>(std::move(target)),
                          std::move(options));
}

asio::awaitable<AsyncConnection::OpenResult> AsyncConnection::open(Executor executor, Recorder& recorder,
                                                                   std::shared_ptr<const TargetUrl> target,
                                                                   OpenOptions options) {
  watch_loop(executor);  // so that events on this loop say when the loop was late (client/loop_watch.hpp)
  const std::uint32_t id = recorder.allocate_connection();
  auto transport = detail::make_transport(executor, target->scheme);
  const std::string failure = co_await transport->connect(*target, options.deadline, options.on_tcp_connected);
  // Recorded by a plain function: an Event is ~500 bytes, and a local here would sit in this coroutine's
  // frame for the whole connect (thousands of devices connect at once).
  record_open(recorder, id, options.actor, failure.empty() ? open_detail(*transport) : failure, failure.empty(),
              transport->handshake_detail());
  transport->record_every_message(options.record_websocket_messages);
  if (!failure.empty()) co_return failure;
  auto connection = std::make_shared<AsyncConnection>(executor, recorder, std::move(target), std::move(options), id,
                                                      std::move(transport));
  connection->start_reading();
  co_return connection;
}

AsyncConnection::AsyncConnection(Executor executor, Recorder& recorder,
                                 std::shared_ptr<const TargetUrl> target, OpenOptions options,
                                 std::uint32_t id, std::unique_ptr<detail::Transport> transport)
    : executor_(std::move(executor)),
      recorder_(&recorder),
      target_(std::move(target)),
      limits_{options.inbox_limit, options.inbox_byte_limit, options.unrequested_publish_limit,
              options.unsent_byte_limit},
      id_(id),
      transport_(std::move(transport)),
      version_(options.version),
      decoder_(DecoderOptions{Sender::server, options.version, options.max_packet_size}),
      actor_id_(recorder.intern_actor(options.actor)),
      last_send_time_(std::chrono::steady_clock::now()) {}

AsyncConnection::~AsyncConnection() = default;

history::Event AsyncConnection::make_event(history::EventKind kind) const {
  history::Event event;
  event.kind = kind;
  event.connection = id_;
  event.actor = actor();
  return event;
}

namespace {
// Encoded into a per-thread buffer: most packets leave in one write and are recorded from the same bytes, so
// sending allocates nothing. Taken out while in use, in case a listener sends in turn.
thread_local Bytes send_scratch;
}  // namespace

Bytes AsyncConnection::prepare_send(const Packet& packet) {
  Bytes bytes = std::move(send_scratch);
  bytes.clear();
  encode(packet, bytes);
  if (const auto* connect = std::get_if<Connect>(&packet)) {
    version_ = connect->version;
    decoder_.set_version(version_);
  }
  track_subscriptions(packet);
  return bytes;
}

void AsyncConnection::finish_send(Bytes bytes) {
  write(bytes);
  send_scratch = std::move(bytes);
}

std::uint64_t AsyncConnection::send(const Packet& packet) {
  if (!is_open()) return 0;
  Bytes bytes = prepare_send(packet);
  const std::uint64_t sequence =
      recorder_->record_packet(history::EventKind::sent, id_, actor_id_, version_, bytes, &packet);
  finish_send(std::move(bytes));
  return sequence;
}

std::uint64_t AsyncConnection::send(Packet&& packet) {
  if (!is_open()) return 0;
  Bytes bytes = prepare_send(packet);
  const std::uint64_t sequence =
      recorder_->record_packet(history::EventKind::sent, id_, actor_id_, version_, bytes, std::move(packet));
  finish_send(std::move(bytes));
  return sequence;
}

std::uint64_t AsyncConnection::send_raw(Bytes bytes) {
  if (!is_open()) return 0;
  const std::optional<Packet> packet = decode_as_client_packet(bytes, version_);
  if (packet) {
    if (const auto* connect = std::get_if<Connect>(&*packet)) {
      version_ = connect->version;
      decoder_.set_version(version_);
    }
    track_subscriptions(*packet);
  }
  const std::uint64_t sequence = recorder_->record_packet(history::EventKind::sent, id_, actor_id_, version_,
                                                          bytes, packet ? &*packet : nullptr);
  write(bytes);
  return sequence;
}

bool AsyncConnection::over_websocket() const { return transport_->frames_messages(); }

std::uint64_t AsyncConnection::send_framed(Bytes bytes, WebSocketFraming framing) {
  if (!is_open() || !over_websocket()) return 0;
  const std::optional<Packet> packet = decode_as_client_packet(bytes, version_);
  if (packet) track_subscriptions(*packet);
  history::Event event = make_event(history::EventKind::sent);
  event.packet = packet;
  event.raw = bytes;
  event.websocket.emplace();
  event.websocket->frame = std::string(to_string(framing));
  const std::uint64_t sequence = recorder_->record(std::move(event));
  last_send_time_ = std::chrono::steady_clock::now();
  // Through the write queue, never the immediate path, so that the framing travels with these bytes.
  write_framings_[write_queue_.size()] = framing;
  write_queue_.emplace_back(bytes.begin(), bytes.end());
  unsent_bytes_ += bytes.size();
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(executor_, write_loop(shared_from_this()), asio::detached);
  }
  return sequence;
}

void AsyncConnection::write(std::span<const std::uint8_t> bytes) {
  last_send_time_ = std::chrono::steady_clock::now();
  if (holding_writes_ && held_writes_owner == this && !writing_ && write_head_ == write_queue_.size()) {
    held_writes.insert(held_writes.end(), bytes.begin(), bytes.end());
    return;
  }
  if (!writing_ && write_head_ == write_queue_.size()) {
    // Most packets fit the socket buffer: write now, so the bytes leave when the event says they did (those
    // written while received bytes are handled leave together at the end of that batch, microseconds later).
    error_code error;
    ++statistics_.writes;
    const std::size_t written = transport_->try_write(asio::buffer(bytes.data(), bytes.size()), error);
    if (error) {
      record_closed(close_reason_for(error));
      transport_->close();
      return;
    }
    if (written == bytes.size()) return;
    bytes = bytes.subspan(written);
  }
  write_queue_.emplace_back(bytes.begin(), bytes.end());
  unsent_bytes_ += bytes.size();
  statistics_.peak_unsent_bytes = std::max(statistics_.peak_unsent_bytes, unsent_bytes_);
  if (limits_.unsent_bytes > 0 && unsent_bytes_ > limits_.unsent_bytes) {
    give_up_on_unread_writes();
    return;
  }
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(executor_, write_loop(shared_from_this()), asio::detached);
  }
}

asio::awaitable<void> AsyncConnection::write_loop([[maybe_unused]] std::shared_ptr<AsyncConnection> self) {
  while (write_head_ < write_queue_.size()) {
    const std::size_t writing = write_head_;
    ++statistics_.writes;
    const auto framing = write_framings_.find(writing);
    const error_code error =
        framing == write_framings_.end()
            ? co_await transport_->write(asio::buffer(write_queue_[writing]))
            : co_await transport_->write_framed(asio::buffer(write_queue_[writing]), framing->second);
    if (error) {
      if (close_reason_ != history::CloseReason::local_abort) {
        record_closed(close_reason_for(error), transport_->explain(error));
      }
      transport_->close();
      break;
    }
    // abort() during the write moved write_head_ past the queue's end: the rest is given up. A WebSocket write can
    // complete without an error after the abort, so this is checked, not left to the error branch.
    if (write_head_ != writing) break;
    unsent_bytes_ -= std::min(unsent_bytes_, write_queue_[write_head_].size());
    Bytes().swap(write_queue_[write_head_]);
    ++write_head_;
  }
  write_queue_ = {};
  write_framings_.clear();
  write_head_ = 0;
  unsent_bytes_ = 0;
  writing_ = false;
  if (abort_after_writes_) {
    abort_after_writes_ = false;
    transport_->abort();
    co_return;
  }
  if (shutdown_after_writes_) {
    shutdown_after_writes_ = false;
    finish_graceful_close();
  }
}

void AsyncConnection::finish_graceful_close() {
  transport_->shutdown_send();
  // Keep reading until the server's FIN (the reader then releases the socket), but not forever.
  auto timer = std::make_shared<asio::steady_timer>(executor_, graceful_close_linger);
  timer->async_wait([self = shared_from_this(), timer](const error_code&) { self->transport_->close(); });
}

void AsyncConnection::release_held_writes() {
  if (!holding_writes_) return;
  holding_writes_ = false;
  held_writes_owner = nullptr;
  if (held_writes.empty()) return;
  // write() copies what the socket does not take at once, so the buffer is free again when it returns.
  write(held_writes);
  held_writes.clear();
}

void AsyncConnection::hold_writes() {
  if (held_writes_owner == nullptr) {
    holding_writes_ = true;
    held_writes_owner = this;
  }
}

void AsyncConnection::record_note(std::string text) {
  history::Event event = make_event(history::EventKind::note);
  event.detail = std::move(text);
  recorder_->record(std::move(event));
}

void AsyncConnection::give_up_on_unread_writes() {
  record_note("the broker has not read " + std::to_string(unsent_bytes_) +
              " bytes written to it (limit " + std::to_string(limits_.unsent_bytes) + "); giving up on the connection");
  record_closed(history::CloseReason::timeout);
  abort();
}

void AsyncConnection::record_closed(history::CloseReason reason, std::string detail) {
  if (close_reason_) return;
  // Acknowledgements recorded before the close leave before it (they may still reach a half-closed peer);
  // a failed write there records the close itself.
  release_held_writes();
  if (close_reason_) return;
  if (statistics_.publishes_not_recorded > 0) {
    record_note("flood: " + std::to_string(statistics_.publishes_not_recorded) + " PUBLISH packets (" +
                std::to_string(statistics_.bytes_not_recorded) + " bytes) received on this connection are not in "
                "the history");
  }
  close_reason_ = reason;
  history::Event event = make_event(history::EventKind::closed);
  event.close_reason = reason;
  event.detail = std::move(detail);
  if (decoder_.buffered() > 0) {
    // The connection ended inside a packet: keep the bytes that did arrive (bounded), so the checker can tell a
    // cut-short answer from no answer.
    const auto unread = decoder_.unread();
    const std::size_t kept = std::min(unread.size(), max_error_bytes);
    event.raw.assign(unread.begin(), unread.begin() + static_cast<std::ptrdiff_t>(kept));
    event.detail = "closed inside a packet: " + std::to_string(unread.size()) + " byte(s) of it had arrived" +
                   (event.detail.empty() ? "" : "; " + event.detail);
  }
  close_sequence_ = recorder_->record(std::move(event));
  notify_waiters();
  const auto close_waiters = close_waiters_;
  for (auto* timer : close_waiters) timer->cancel();
  if (observer_ != nullptr) observer_->on_closed();
}

void AsyncConnection::notify_waiters() {
  // Waiters re-check their condition when their timer is cancelled; a copy, because they unregister.
  const auto waiters = waiters_;
  for (const Waiter& waiter : waiters) waiter.timer->cancel();
}

void AsyncConnection::close(history::CloseReason reason) {
  if (!is_open()) return;
  record_closed(reason);
  if (writing_) {
    shutdown_after_writes_ = true;
  } else {
    finish_graceful_close();
  }
}

void AsyncConnection::abort() {
  const bool was_open = is_open();
  if (was_open) record_closed(history::CloseReason::local_abort);
  if (holding_writes_) {  // dropped like the queued writes
    holding_writes_ = false;
    held_writes_owner = nullptr;
    held_writes.clear();
  }
  unsent_bytes_ = 0;
  if (!writing_) {
    write_queue_ = {};
    write_framings_.clear();
    write_head_ = 0;
  } else if (transport_->frames_messages() && close_reason_ == history::CloseReason::local_abort) {
    // (Not when giving up on a broker that reads nothing: those writes would never end.)
    // WebSocket has no "what fits now" write: every write waits in the queue, so the packets recorded as sent
    // before the drop (a PUBACK just before a power loss) would never leave, where over TCP they had. They leave
    // first, and the reset follows them (write_loop).
    abort_after_writes_ = true;
    return;
  } else {
    write_head_ = write_queue_.size();  // the write loop ends after its current write
  }
  transport_->abort();
}

WaitResult AsyncConnection::closed_result() const {
  WaitResult result;
  result.outcome = WaitOutcome::closed;
  result.close_reason = close_reason_;
  result.decode_error = decode_error_;
  result.sequence = close_sequence_;
  return result;
}

}  // namespace mqtt::client
