#include "client/async_connection.hpp"

#include <algorithm>
#include <array>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "client/detail/transport.hpp"
#include "codec/encoder.hpp"

namespace mqtt::client {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// How long a gracefully closed socket waits for the server's FIN before we release it anyway.
constexpr auto graceful_close_linger = std::chrono::seconds(1);

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

}  // namespace

asio::awaitable<AsyncConnection::OpenResult> AsyncConnection::open(Executor executor, Recorder& recorder,
                                                                    TargetUrl target, OpenOptions options) {
  const std::uint32_t id = recorder.allocate_connection();
  auto transport = detail::make_transport(executor, target.scheme);
  const std::string failure = co_await transport->connect(target, options.deadline);
  history::Event event;
  event.connection = id;
  event.actor = options.actor;
  if (!failure.empty()) {
    event.kind = history::EventKind::open_failed;
    event.detail = failure;
    recorder.record(std::move(event));
    co_return failure;
  }
  event.kind = history::EventKind::open;
  event.detail = "peer " + transport->peer();
  recorder.record(std::move(event));
  auto connection = std::make_shared<AsyncConnection>(executor, recorder, std::move(target), std::move(options), id,
                                                      std::move(transport));
  asio::co_spawn(executor, connection->read_loop(connection), asio::detached);
  co_return connection;
}

AsyncConnection::AsyncConnection(Executor executor, Recorder& recorder, TargetUrl target, OpenOptions options,
                                 std::uint32_t id, std::unique_ptr<detail::Transport> transport)
    : executor_(std::move(executor)),
      recorder_(&recorder),
      target_(std::move(target)),
      options_(std::move(options)),
      id_(id),
      transport_(std::move(transport)),
      version_(options_.version),
      decoder_(DecoderOptions{Sender::server, options_.version}),
      last_send_time_(std::chrono::steady_clock::now()) {}

AsyncConnection::~AsyncConnection() = default;

history::Event AsyncConnection::make_event(history::EventKind kind) const {
  history::Event event;
  event.kind = kind;
  event.connection = id_;
  event.actor = options_.actor;
  return event;
}

std::uint64_t AsyncConnection::send(const Packet& packet) {
  if (!is_open()) return 0;
  Bytes bytes = encode(packet);
  if (const auto* connect = std::get_if<Connect>(&packet)) {
    version_ = connect->version;
    decoder_.set_version(version_);
  }
  history::Event event = make_event(history::EventKind::sent);
  event.packet = packet;
  event.raw = bytes;
  const std::uint64_t sequence = recorder_->record(std::move(event));
  write(std::move(bytes));
  return sequence;
}

std::uint64_t AsyncConnection::send_raw(Bytes bytes) {
  if (!is_open()) return 0;
  history::Event event = make_event(history::EventKind::sent);
  event.packet = decode_as_client_packet(bytes, version_);
  if (event.packet) {
    if (const auto* connect = std::get_if<Connect>(&*event.packet)) {
      version_ = connect->version;
      decoder_.set_version(version_);
    }
  }
  event.raw = bytes;
  const std::uint64_t sequence = recorder_->record(std::move(event));
  write(std::move(bytes));
  return sequence;
}

void AsyncConnection::write(Bytes bytes) {
  last_send_time_ = std::chrono::steady_clock::now();
  if (!writing_ && write_queue_.empty()) {
    // Most packets fit the socket buffer: write now, so the bytes leave when the event says they did.
    error_code error;
    const std::size_t written = transport_->try_write(asio::buffer(bytes), error);
    if (error) {
      record_closed(close_reason_for(error));
      transport_->close();
      return;
    }
    if (written == bytes.size()) return;
    bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(written));
  }
  write_queue_.push_back(std::move(bytes));
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(executor_, write_loop(shared_from_this()), asio::detached);
  }
}

asio::awaitable<void> AsyncConnection::write_loop([[maybe_unused]] std::shared_ptr<AsyncConnection> self) {
  while (!write_queue_.empty()) {
    const error_code error = co_await transport_->write(asio::buffer(write_queue_.front()));
    if (error) {
      write_queue_.clear();
      if (close_reason_ != history::CloseReason::local_abort) record_closed(close_reason_for(error));
      transport_->close();
      break;
    }
    write_queue_.pop_front();
  }
  writing_ = false;
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

asio::awaitable<void> AsyncConnection::read_loop([[maybe_unused]] std::shared_ptr<AsyncConnection> self) {
  // One buffer per thread, not per connection: read_some waits for readability and then fills the buffer and
  // returns without suspending, and the bytes are consumed before this coroutine suspends again. An idle
  // connection therefore holds no read buffer (thousands of idle simulated devices).
  static thread_local std::array<std::uint8_t, 65536> buffer{};
  for (;;) {
    const detail::ReadResult result = co_await transport_->read_some(asio::buffer(buffer));
    if (result.size > 0 && is_open()) handle_received_bytes(buffer.data(), result.size);
    if (result.error) {
      if (result.error != asio::error::operation_aborted) record_closed(close_reason_for(result.error));
      transport_->close();
      break;
    }
  }
  notify_waiters();
}

void AsyncConnection::handle_received_bytes(const std::uint8_t* data, std::size_t size) {
  decoder_.feed(std::span<const std::uint8_t>(data, size));
  undecoded_.insert(undecoded_.end(), data, data + size);
  while (is_open()) {
    auto result = decoder_.next();
    if (std::holds_alternative<NeedMoreData>(result)) return;
    if (auto* error = std::get_if<DecodeError>(&result)) {
      history::Event event = make_event(history::EventKind::decode_error);
      event.error = *error;
      event.raw = std::move(undecoded_);
      undecoded_.clear();
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
    history::Event event = make_event(history::EventKind::received);
    event.packet = decoded.packet;
    event.raw.assign(decoded.raw.begin(), decoded.raw.end());
    const std::size_t packet_size = decoded.raw.size();
    undecoded_.erase(undecoded_.begin(),
                     undecoded_.begin() + static_cast<std::ptrdiff_t>(std::min(packet_size, undecoded_.size())));
    const std::uint64_t sequence = recorder_->record(std::move(event));
    if (packet_hook_) packet_hook_(decoded.packet);
    inbox_.push_back(Queued{std::move(decoded.packet), sequence});
    while (inbox_.size() > options_.inbox_limit) inbox_.pop_front();
    notify_waiters();
  }
}

void AsyncConnection::record_closed(history::CloseReason reason) {
  if (close_reason_) return;
  close_reason_ = reason;
  history::Event event = make_event(history::EventKind::closed);
  event.close_reason = reason;
  close_sequence_ = recorder_->record(std::move(event));
  notify_waiters();
}

void AsyncConnection::notify_waiters() {
  // Waiters re-check their condition when their timer is cancelled; a copy, because they unregister.
  const auto waiters = waiters_;
  for (auto* timer : waiters) timer->cancel();
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
  write_queue_.clear();
  transport_->abort();
}

asio::awaitable<WaitResult> AsyncConnection::wait(const std::function<std::optional<WaitResult>()>& check,
                                                  Duration deadline) {
  auto self = shared_from_this();
  const auto until = std::chrono::steady_clock::now() + deadline;
  asio::steady_timer timer(executor_);
  for (;;) {
    if (auto result = check()) co_return std::move(*result);
    if (std::chrono::steady_clock::now() >= until) co_return WaitResult{};
    timer.expires_at(until);
    waiters_.push_back(&timer);
    error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    std::erase(waiters_, &timer);
  }
}

WaitResult AsyncConnection::closed_result() const {
  WaitResult result;
  result.outcome = WaitOutcome::closed;
  result.close_reason = close_reason_;
  result.sequence = close_sequence_;
  return result;
}

asio::awaitable<WaitResult> AsyncConnection::next(Duration deadline) {
  return wait_for([](const Packet&) { return true; }, deadline);
}

asio::awaitable<WaitResult> AsyncConnection::wait_for(PacketType type, Duration deadline) {
  return wait_for([type](const Packet& packet) { return packet_type(packet) == type; }, deadline);
}

asio::awaitable<WaitResult> AsyncConnection::wait_for(std::function<bool(const Packet&)> match, Duration deadline) {
  co_return co_await wait(
      [this, &match]() -> std::optional<WaitResult> {
        const auto found = std::find_if(inbox_.begin(), inbox_.end(),
                                        [&](const Queued& queued) { return match(queued.packet); });
        if (found != inbox_.end()) {
          WaitResult result;
          result.outcome = WaitOutcome::packet;
          result.packet = std::move(found->packet);
          result.sequence = found->sequence;
          inbox_.erase(found);
          return result;
        }
        if (!is_open()) return closed_result();
        return std::nullopt;
      },
      deadline);
}

asio::awaitable<WaitResult> AsyncConnection::wait_for_close(Duration deadline) {
  co_return co_await wait(
      [this]() -> std::optional<WaitResult> {
        if (!is_open()) return closed_result();
        return std::nullopt;
      },
      deadline);
}

}  // namespace mqtt::client
