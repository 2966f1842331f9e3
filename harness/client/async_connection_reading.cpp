#include "client/async_connection.hpp"

#include <algorithm>
#include <cstring>

#include "client/detail/connection_end.hpp"
#include "client/detail/transport.hpp"

namespace mqtt::client {

namespace asio = boost::asio;
using boost::system::error_code;
using detail::close_reason_for;
using detail::max_error_bytes;

namespace {

// admit_publish() remembers at most this many topics that matched a subscription (a few hundred KB at most).
constexpr std::size_t max_requested_topics = 4096;

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

}  // namespace

void AsyncConnection::start_reading() {
  if (transport_->reads_into_buffer()) {
    transport_->read_into(own_read_buffer(), detail::ReadCompletion(shared_from_this()));
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


void AsyncConnection::handle_received_bytes(const std::uint8_t* data, std::size_t size) {
  // The decoder holds the bytes of a packet not yet complete; complete packets are recorded from its buffer
  // without another copy. A packet claiming more than max_packet_size fails at its header, before its bytes
  // are waited for.
  decoder_.feed(std::span<const std::uint8_t>(data, size));
  // Each PUBLISH of a batch is acknowledged as it is recorded, but the acknowledgements leave together when
  // the batch is done (a subscriber reading 10,000 QoS 1 messages a second made as many write calls).
  hold_writes();
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
    for (const auto& subscription : subscribe->subscriptions) subscribed_filters_.add(subscription.filter);
  } else if (const auto* unsubscribe = std::get_if<Unsubscribe>(&sent)) {
    requested_topics_.reset();
    for (const auto& filter : unsubscribe->filters) subscribed_filters_.remove(filter);
  }
}

bool AsyncConnection::admit_publish(const Publish& publish, std::size_t size) {
  if (limits_.unrequested_publishes == 0) return true;
  // Matching the topic directly, even against one filter, cost about twice the lookup's instructions (callgrind,
  // docs/benchmarks.md "The client's read and write path"): the matched topics are remembered.
  if (requested_topics_ && requested_topics_->contains(publish.topic)) return true;
  if (subscribed_filters_.match(publish.topic)) {
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

}  // namespace mqtt::client

namespace mqtt::client::detail {

void ReadCompletion::operator()(const boost::system::error_code& error, std::size_t size) {
  connection_->on_read(error, size);
}

}  // namespace mqtt::client::detail
