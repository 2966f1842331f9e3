#include "client/async_connection.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "client/detail/transport.hpp"
#include "client/loop_watch.hpp"
#include "codec/encoder.hpp"
#include "model/topic.hpp"

namespace mqtt::client {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// How long a gracefully closed socket waits for the server's FIN before we release it anyway.
constexpr auto graceful_close_linger = std::chrono::seconds(1);

// The bytes written while one connection handles what it read (its acknowledgements), sent in one write at
// the end of that batch. One buffer per thread: batches do not nest, and an idle connection holds none.
thread_local Bytes held_writes;
thread_local const void* held_writes_owner = nullptr;

// admit_publish() remembers at most this many topics that matched a subscription (a few hundred KB at most).
constexpr std::size_t max_requested_topics = 4096;

// A decode_error keeps at most this many of the bytes that did not decode: the first ones show what went
// wrong, and the error's offset says where.
constexpr std::size_t max_error_bytes = 64u << 10;

// "$share/group/filter" (MQTT 5.0 shared subscription) -> "filter": what a delivered topic is matched against.
std::string_view matched_filter(std::string_view filter) {
  if (filter.substr(0, 7) != "$share/") return filter;
  const auto slash = filter.find('/', 7);
  return slash == std::string_view::npos ? filter : filter.substr(slash + 1);
}

// "the connection ended 10 bytes into a PUBLISH of 2052 bytes": what the unread bytes at a close were.
std::string partial_packet_text(std::span<const std::uint8_t> unread) {
  std::string text = "the connection ended " + std::to_string(unread.size()) + " byte(s) into a";
  const std::uint8_t type = unread[0] >> 4;
  text += type == 0 ? " packet of reserved type 0" : std::string(" ") + std::string(to_string(static_cast<PacketType>(type)));
  std::uint64_t length = 0;
  for (std::size_t index = 1; index < unread.size() && index <= 4; ++index) {
    length |= static_cast<std::uint64_t>(unread[index] & 0x7F) << (7 * (index - 1));
    if ((unread[index] & 0x80) == 0) {
      return text + " of " + std::to_string(index + 1 + length) + " bytes; the rest never arrived";
    }
  }
  return text + "; the rest never arrived";
}

history::CloseReason close_reason_for(const error_code& error) {
  if (error == asio::error::eof) return history::CloseReason::clean_eof;
  return history::CloseReason::reset;  // connection_reset, broken_pipe and every other socket failure
}

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

void AsyncConnection::start_reading() {
  if (transport_->reads_into_buffer()) {
    transport_->read_into(own_read_buffer(), [self = shared_from_this()](const error_code& error, std::size_t size) {
      self->on_read(error, size);
    });
    return;
  }
  transport_->wait_readable(
      [self = shared_from_this()](const error_code& error) { self->on_readable(error); });
}

asio::mutable_buffer AsyncConnection::own_read_buffer() {
  if (large_read_buffer_) return asio::buffer(*large_read_buffer_);
  return asio::buffer(small_read_buffer_);
}

void AsyncConnection::on_read(error_code error, std::size_t size) {
  const auto own = own_read_buffer();
  const std::uint8_t* data = static_cast<const std::uint8_t*>(own.data());
  if (!error && size == own.size()) {
    // The buffer filled: the rest of what has arrived is read now, behind it, so that the batch is handled and
    // acknowledged as one (one write), as on_readable does.
    auto& batch = read_batch_buffer();
    std::memcpy(batch.data(), data, size);
    size += transport_->read_available(asio::buffer(batch.data() + size, batch.size() - size), error);
    data = batch.data();
    // A connection that keeps filling its small buffer is a busy reader (a subscriber): it gets the large one,
    // so that a read takes what has arrived in one call (after a read that filled its buffer Asio tries the next
    // one at once, a call that finds nothing when this one took the rest).
    if (!large_read_buffer_ && ++full_small_reads_ >= 8) {
      large_read_buffer_ = std::make_unique<std::array<std::uint8_t, large_read_size>>();
    }
  }
  if (size > 0 && is_open()) handle_received_bytes(data, size);
  finish_read(error);
}

// One buffer per thread, not per connection: the bytes are read only once the socket is readable and are consumed
// before the handler returns. An idle connection therefore holds no large read buffer and no coroutine frame,
// only its pending read or wait (thousands of idle simulated devices).
std::array<std::uint8_t, 65536>& AsyncConnection::read_batch_buffer() {
  static thread_local std::array<std::uint8_t, 65536> buffer{};
  return buffer;
}

void AsyncConnection::on_readable(error_code error) {
  auto& buffer = read_batch_buffer();
  std::size_t size = 0;
  if (!error) size = transport_->read_available(asio::buffer(buffer), error);
  if (size > 0 && is_open()) handle_received_bytes(buffer.data(), size);
  finish_read(error);
}

void AsyncConnection::finish_read(error_code error) {
  record_finished_messages();
  if (error) {
    if (error != asio::error::operation_aborted && is_open() && decoder_.buffered() > 0) {
      record_note(partial_packet_text(decoder_.unread()));
    }
    if (error != asio::error::operation_aborted) record_closed(close_reason_for(error), transport_->explain(error));
    transport_->close();
    notify_waiters();
    return;
  }
  start_reading();
}

void AsyncConnection::record_finished_messages() {
  for (auto& message : transport_->take_finished_messages()) {
    history::Event event = make_event(history::EventKind::note);
    event.detail = "WebSocket " + message.frame + " message, " + std::to_string(message.size) + " bytes";
    event.websocket = std::move(message);
    recorder_->record(std::move(event));
  }
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

void AsyncConnection::handle_received_bytes(const std::uint8_t* data, std::size_t size) {
  // The decoder holds the bytes of a packet not yet complete; complete packets are recorded from its buffer
  // without another copy. A packet claiming more than max_packet_size fails at its header, before its bytes
  // are waited for.
  decoder_.feed(std::span<const std::uint8_t>(data, size));
  // Each PUBLISH of a batch is acknowledged as it is recorded, but the acknowledgements leave together when
  // the batch is done (a subscriber reading 10,000 QoS 1 messages a second made as many write calls).
  if (held_writes_owner == nullptr) {
    holding_writes_ = true;
    held_writes_owner = this;
  }
  statistics_.peak_unread_bytes = std::max(statistics_.peak_unread_bytes, decoder_.buffered());
  while (is_open()) {
    auto result = decoder_.next();
    if (std::holds_alternative<NeedMoreData>(result)) break;
    if (auto* error = std::get_if<DecodeError>(&result)) {
      history::Event event = make_event(history::EventKind::decode_error);
      event.error = *error;
      const auto unread = decoder_.unread();
      const std::size_t kept = std::min(unread.size(), max_error_bytes);
      event.raw.assign(unread.begin(), unread.begin() + static_cast<std::ptrdiff_t>(kept));
      if (kept < unread.size()) {
        event.detail = "the first " + std::to_string(kept) + " of " + std::to_string(unread.size()) +
                       " bytes that did not decode are kept";
      }
      decode_error_ = *error;
      decoder_ = StreamDecoder(DecoderOptions{Sender::server, version_, 0});  // the connection ends: free it
      release_held_writes();  // what was acknowledged before the bad bytes still goes out, before the FIN
      recorder_->record(std::move(event));
      record_closed(history::CloseReason::protocol_error);
      if (writing_) {
        shutdown_after_writes_ = true;
      } else {
        finish_graceful_close();
      }
      return;
    }
    auto& decoded = std::get<DecodedPacket>(result);
    const std::size_t packet_size = decoded.raw.size();
    if (const auto* publish = std::get_if<Publish>(&decoded.packet); publish && !admit_publish(*publish, packet_size)) {
      continue;
    }
    take_received(decoded.packet, decoded.raw, packet_size);
  }
  release_held_writes();
  decoder_.release_unused_memory();
}

void AsyncConnection::take_received(Packet& packet, std::span<const std::uint8_t> raw, std::size_t size) {
  auto* publish = std::get_if<Publish>(&packet);
  if (publish != nullptr && waiters_.empty() && limits_.inbox_packets == 0) {
    // Nobody here keeps this PUBLISH (no waiter, no inbox): its topic, payload and properties move into the
    // recorded event instead of being copied (a fleet's subscriber receives thousands a second), and the
    // observer sees its header, which is all an acknowledgement needs.
    Publish header;
    header.version = publish->version;
    header.qos = publish->qos;
    header.packet_id = publish->packet_id;
    header.retain = publish->retain;
    header.dup = publish->dup;
    recorder_->record_packet(history::EventKind::received, id_, actor_id_, version_, raw, std::move(packet));
    if (observer_ != nullptr) observer_->on_packet(Packet(std::move(header)));
    return;
  }
  const std::uint64_t sequence =
      recorder_->record_packet(history::EventKind::received, id_, actor_id_, version_, raw, &packet);
  if (observer_ != nullptr) observer_->on_packet(packet);
  // A packet no waiter takes matched none of their conditions, so none of them needs waking for it.
  if (!hand_to_waiter(packet, sequence)) queue_for_waits(std::move(packet), sequence, size);
}

bool AsyncConnection::hand_to_waiter(Packet& packet, std::uint64_t sequence) {
  for (const Waiter& waiter : waiters_) {
    if (waiter.handed->has_value() || !(*waiter.match)(packet)) continue;
    WaitResult result;
    result.outcome = WaitOutcome::packet;
    result.packet = std::move(packet);
    result.sequence = sequence;
    *waiter.handed = std::move(result);
    waiter.timer->cancel();
    return true;
  }
  return false;
}

void AsyncConnection::queue_for_waits(Packet packet, std::uint64_t sequence, std::size_t size) {
  if (limits_.inbox_packets == 0) return;
  if (!inbox_) inbox_ = std::make_unique<std::deque<Queued>>();
  // The oldest PUBLISH goes first (answers that a request waits for are few and must not be pushed out by a
  // burst of publishes read in the same batch), then the oldest of anything; the newest packet is always kept,
  // however large, so a wait can still take it.
  while (!inbox_->empty() &&
         (inbox_->size() >= limits_.inbox_packets || inbox_bytes_ + size > limits_.inbox_bytes)) {
    auto evicted = std::find_if(inbox_->begin(), inbox_->end(),
                                [](const Queued& queued) { return std::holds_alternative<Publish>(queued.packet); });
    if (evicted == inbox_->end()) evicted = inbox_->begin();
    inbox_bytes_ -= evicted->size;
    inbox_->erase(evicted);
  }
  inbox_->push_back(Queued{std::move(packet), sequence, size});
  inbox_bytes_ += size;
  statistics_.peak_inbox_packets = std::max(statistics_.peak_inbox_packets, inbox_->size());
  statistics_.peak_inbox_bytes = std::max(statistics_.peak_inbox_bytes, inbox_bytes_);
}

void AsyncConnection::set_inbox_limit(std::size_t limit) {
  limits_.inbox_packets = limit;
  while (inbox_ && inbox_->size() > limit) {
    inbox_bytes_ -= inbox_->front().size;
    inbox_->pop_front();
  }
  if (inbox_ && inbox_->empty()) inbox_.reset();
}

void AsyncConnection::track_subscriptions(const Packet& sent) {
  if (const auto* subscribe = std::get_if<Subscribe>(&sent)) {
    requested_topics_.reset();
    for (const auto& subscription : subscribe->subscriptions) {
      const std::string_view filter = matched_filter(subscription.filter);
      if (std::find(subscribed_filters_.begin(), subscribed_filters_.end(), filter) == subscribed_filters_.end()) {
        subscribed_filters_.emplace_back(filter);
      }
    }
  } else if (const auto* unsubscribe = std::get_if<Unsubscribe>(&sent)) {
    requested_topics_.reset();
    for (const auto& filter : unsubscribe->filters) std::erase(subscribed_filters_, matched_filter(filter));
  }
}

bool AsyncConnection::admit_publish(const Publish& publish, std::size_t size) {
  if (limits_.unrequested_publishes == 0) return true;
  if (requested_topics_ && requested_topics_->contains(publish.topic)) return true;
  const bool requested = std::any_of(subscribed_filters_.begin(), subscribed_filters_.end(),
                                     [&](const std::string& filter) { return topic::matches(filter, publish.topic); });
  if (requested) {
    if (!requested_topics_) requested_topics_ = std::make_unique<std::unordered_set<std::string>>();
    if (requested_topics_->size() < max_requested_topics) requested_topics_->insert(publish.topic);
    return true;
  }
  if (++unrequested_publishes_received_ <= limits_.unrequested_publishes) return true;
  if (statistics_.publishes_not_recorded == 0) {
    record_note("flood: the broker sent more than " + std::to_string(limits_.unrequested_publishes) +
                " PUBLISH packets matching no subscription of this connection; later ones are counted, not "
                "recorded, acknowledged or queued");
  }
  ++statistics_.publishes_not_recorded;
  statistics_.bytes_not_recorded += size;
  return false;
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

asio::awaitable<WaitResult> AsyncConnection::next(Duration deadline) {
  return wait_for([](const Packet&) { return true; }, deadline);
}

asio::awaitable<WaitResult> AsyncConnection::wait_for(PacketType type, Duration deadline) {
  return wait_for([type](const Packet& packet) { return packet_type(packet) == type; }, deadline);
}

std::optional<WaitResult> AsyncConnection::take_matching(const std::function<bool(const Packet&)>& match) {
  if (inbox_) {
    const auto found = std::find_if(inbox_->begin(), inbox_->end(),
                                    [&](const Queued& queued) { return match(queued.packet); });
    if (found != inbox_->end()) {
      WaitResult result;
      result.outcome = WaitOutcome::packet;
      result.packet = std::move(found->packet);
      result.sequence = found->sequence;
      inbox_bytes_ -= found->size;
      inbox_->erase(found);
      if (inbox_->empty()) inbox_.reset();
      return result;
    }
  }
  if (!is_open()) return closed_result();
  return std::nullopt;
}

asio::awaitable<WaitResult> AsyncConnection::wait_for(std::function<bool(const Packet&)> match, Duration deadline) {
  // One coroutine frame per wait (thousands of devices wait for their CONNACK at once); the timer exists only
  // when the answer is not already there. Packets and the close cancel it, and the loop looks again.
  // A packet that arrives while it waits is handed over directly (hand_to_waiter).
  auto self = shared_from_this();
  WatchedDeadline until(deadline);  // moves out by the time this loop was held (client/loop_watch.hpp)
  std::optional<asio::steady_timer> timer;
  std::optional<WaitResult> handed;
  for (;;) {
    if (handed) co_return std::move(*handed);
    if (auto result = take_matching(match)) co_return std::move(*result);
    if (until.passed()) co_return WaitResult{};
    if (!timer) timer.emplace(executor_);
    timer->expires_at(until.until());
    waiters_.push_back(Waiter{&match, &handed, &*timer});
    error_code ignored;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    std::erase_if(waiters_, [&](const Waiter& waiter) { return waiter.timer == &*timer; });
  }
}

asio::awaitable<WaitResult> AsyncConnection::wait_for_close(Duration deadline) {
  // Its own small loop on the close-only list: an idle device waits here for a long time, and packets that
  // arrive meanwhile need not wake it.
  auto self = shared_from_this();
  WatchedDeadline until(deadline);  // moves out by the time this loop was held (client/loop_watch.hpp)
  while (is_open() && !until.passed()) {
    asio::steady_timer timer(executor_, until.until());
    close_waiters_.push_back(&timer);
    error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    std::erase(close_waiters_, &timer);
  }
  if (!is_open()) co_return closed_result();
  co_return WaitResult{};
}

}  // namespace mqtt::client
