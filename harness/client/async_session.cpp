#include "client/async_session.hpp"

#include <algorithm>
#include <type_traits>

namespace mqtt::client {

namespace asio = boost::asio;

namespace {

Duration remaining_until(std::chrono::steady_clock::time_point until) {
  const auto now = std::chrono::steady_clock::now();
  return now >= until ? Duration::zero() : until - now;
}

RequestResult from_wait(const WaitResult& wait, std::uint16_t packet_id) {
  RequestResult result;
  result.outcome = wait.outcome;
  result.reply = wait.packet;
  result.close_reason = wait.close_reason;
  result.decode_error = wait.decode_error;
  result.packet_id = packet_id;
  return result;
}

template <typename Reply>
std::function<bool(const Packet&)> reply_with_id(std::uint16_t packet_id) {
  return [packet_id](const Packet& packet) {
    const auto* reply = std::get_if<Reply>(&packet);
    return reply != nullptr && reply->packet_id == packet_id;
  };
}

RequestResult closed_before_sending(const AsyncConnection& connection, std::uint16_t packet_id) {
  RequestResult result;
  result.outcome = WaitOutcome::closed;
  result.close_reason = connection.close_reason();
  result.packet_id = packet_id;
  return result;
}

RequestResult written_without_answer() {  // QoS 0: done once written
  RequestResult result;
  result.outcome = WaitOutcome::packet;
  return result;
}

// After a request timed out: takes an answer of the awaited type that carried another packet id, so the
// failure can name what did arrive.
// (Called only after a timeout: a coroutine call allocates its frame even when it returns at once, and a fleet
// publishes 10,000 QoS 1 messages a second.)
template <typename Reply>
asio::awaitable<void> take_unmatched(AsyncConnection& connection, RequestResult& result) {
  if (result.outcome != WaitOutcome::timeout) co_return;
  const WaitResult other = co_await connection.wait_for(
      [](const Packet& packet) { return std::holds_alternative<Reply>(packet); }, Duration::zero());
  if (other.packet) result.unmatched = other.packet;
}

std::optional<std::uint16_t> packet_id_of(const Packet& packet) {
  return std::visit(
      [](const auto& value) -> std::optional<std::uint16_t> {
        if constexpr (requires { value.packet_id; }) {
          if constexpr (std::is_same_v<std::decay_t<decltype(value.packet_id)>, std::uint16_t>) return value.packet_id;
        }
        return std::nullopt;
      },
      packet);
}

}  // namespace

std::string failure_text(const RequestResult& result, PacketType awaited, Duration deadline) {
  const std::string name(to_string(awaited));
  switch (result.outcome) {
    case WaitOutcome::packet: return "";
    case WaitOutcome::closed:
      if (result.decode_error) {
        return "the broker sent bytes that do not decode and the connection closed (" + describe(*result.decode_error) +
               ")";
      }
      return "the connection closed (" +
             std::string(result.close_reason ? history::to_string(*result.close_reason) : "closed") + ") before a " +
             name;
    case WaitOutcome::timeout: break;
  }
  if (result.unmatched) {
    const auto other = packet_id_of(*result.unmatched);
    return std::string(to_string(packet_type(*result.unmatched))) + " for packet id " +
           (other ? std::to_string(*other) : std::string("?")) + " while " + std::to_string(result.packet_id) +
           " was awaited";
  }
  const auto milliseconds = std::chrono::duration_cast<std::chrono::milliseconds>(deadline).count();
  return "no " + name + " within " + std::to_string(milliseconds) + " ms";
}

std::shared_ptr<AsyncSession> AsyncSession::attach(std::shared_ptr<AsyncConnection> connection,
                                                   SessionOptions options) {
  auto session = std::make_shared<AsyncSession>(connection, options);
  // A plain pointer: the connection must not keep its session alive (the session owns the connection and
  // clears the pointer when it goes).
  connection->set_observer(session.get());
  return session;
}

AsyncSession::AsyncSession(std::shared_ptr<AsyncConnection> connection, SessionOptions options)
    : connection_(std::move(connection)), options_(options) {}

AsyncSession::~AsyncSession() {
  if (connection_->observer() == this) connection_->set_observer(nullptr);
}

void AsyncSession::on_closed() {
  if (keep_alive_running_ && keep_alive_timer_) keep_alive_timer_->cancel();
  // As publish() does when its wait ends with the close.
  for (const std::uint16_t id : tracked_publishes_) {
    packet_ids_.release(id);
    --in_flight_;
  }
  tracked_publishes_.clear();
}

void AsyncSession::ping_if_due() {
  const auto due = keep_alive_due();
  if (!due || std::chrono::steady_clock::now() < *due) return;
  if (options_.keep_alive_pings && !options_.silent) connection_->send(Pingreq{connection_->version()});
}

void AsyncSession::on_packet(const Packet& packet) {
  if (const auto* puback = std::get_if<Puback>(&packet); puback != nullptr && !tracked_publishes_.empty()) {
    const auto tracked = std::find(tracked_publishes_.begin(), tracked_publishes_.end(), puback->packet_id);
    if (tracked != tracked_publishes_.end()) {
      tracked_publishes_.erase(tracked);
      --in_flight_;
      packet_ids_.release(puback->packet_id);
      if (acknowledgement_listener_) acknowledgement_listener_(puback->packet_id);
    }
    return;
  }
  if (options_.silent || !options_.auto_acknowledge) {
    // Kept for an explicit acknowledge() (a case's `acknowledge` step), never answered on their own.
    if (const auto* publish = std::get_if<Publish>(&packet); publish != nullptr && publish->packet_id) {
      unanswered_.push_back({PacketType::publish, publish->qos, *publish->packet_id});
    } else if (const auto* pubrel = std::get_if<Pubrel>(&packet)) {
      unanswered_.push_back({PacketType::pubrel, QoS::exactly_once, pubrel->packet_id});
    }
    return;
  }
  const ProtocolVersion version = connection_->version();
  if (const auto* publish = std::get_if<Publish>(&packet)) {
    if (!publish->packet_id) return;
    if (publish->qos == QoS::at_least_once) {
      connection_->send(Puback{version, *publish->packet_id, 0, {}});
    } else if (publish->qos == QoS::exactly_once) {
      connection_->send(Pubrec{version, *publish->packet_id, 0, {}});
    }
  } else if (const auto* pubrel = std::get_if<Pubrel>(&packet)) {
    connection_->send(Pubcomp{version, pubrel->packet_id, 0, {}});
  }
}

asio::awaitable<RequestResult> AsyncSession::connect(Connect connect, Duration deadline) {
  const TargetUrl& target = connection_->target();
  if (!connect.username && target.username) connect.username = target.username;
  if (!connect.password && target.password) connect.password = Bytes(target.password->begin(), target.password->end());
  const auto keep_alive = std::chrono::seconds(connect.keep_alive);
  if (connection_->send(connect) == 0) co_return closed_before_sending(*connection_, 0);
  const WaitResult wait = co_await connection_->wait_for(PacketType::connack, deadline);
  RequestResult result = from_wait(wait, 0);
  const auto* connack = wait.packet ? std::get_if<Connack>(&*wait.packet) : nullptr;
  if (connack != nullptr && connack->reason_code == 0) server_limits_ = ServerLimits::from(*connack);
  if (connack != nullptr && connack->reason_code == 0 && keep_alive.count() > 0) {
    keep_alive_interval_ = keep_alive;
    if (!keep_alive_running_ && !keep_alive_by_caller_) {
      keep_alive_running_ = true;
      keep_alive_timer_ = std::make_unique<asio::steady_timer>(connection_->executor());
      arm_keep_alive();
    }
  }
  co_return result;
}

void AsyncSession::arm_keep_alive() {
  if (!connection_->is_open()) {
    keep_alive_running_ = false;
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  auto due = connection_->last_send_time() + keep_alive_interval_;
  if (now >= due) {
    if (options_.keep_alive_pings && !options_.silent) connection_->send(Pingreq{connection_->version()});
    if (!connection_->is_open()) {  // the write failed: nothing will cancel the timer any more
      keep_alive_running_ = false;
      return;
    }
    due = now + keep_alive_interval_;
  }
  keep_alive_timer_->expires_at(due);
  keep_alive_timer_->async_wait([self = shared_from_this()](const boost::system::error_code&) {
    // Cancelled (the connection ended) or due: either way arm_keep_alive looks at the connection first.
    self->arm_keep_alive();
  });
}

asio::awaitable<RequestResult> AsyncSession::publish(Publish publish, Duration deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  publish.version = connection_->version();
  if (honour_limits_) {
    if (auto reason = publish_beyond_limits(publish, server_limits_, in_flight_)) {
      RequestResult withheld = written_without_answer();
      withheld.withheld = std::move(reason);
      co_return withheld;
    }
  }
  if (publish.qos == QoS::at_most_once) {
    publish.packet_id.reset();
    if (connection_->send(publish) == 0) {
      co_return closed_before_sending(*connection_, 0);
    }
    co_return written_without_answer();
  }
  if (publish.packet_id) {
    packet_ids_.reserve(*publish.packet_id);
  } else {
    const auto id = packet_ids_.allocate();
    if (!id) co_return RequestResult{};  // all ids in flight: report as a timeout, nothing was sent
    publish.packet_id = *id;
  }
  const std::uint16_t id = *publish.packet_id;
  if (connection_->send(publish) == 0) {
    packet_ids_.release(id);
    co_return closed_before_sending(*connection_, id);
  }
  ++in_flight_;
  RequestResult result;
  if (publish.qos == QoS::at_least_once) {
    result = from_wait(co_await connection_->wait_for(reply_with_id<Puback>(id), remaining_until(until)), id);
    if (result.outcome == WaitOutcome::timeout) co_await take_unmatched<Puback>(*connection_, result);
  } else {
    result = from_wait(co_await connection_->wait_for(reply_with_id<Pubrec>(id), remaining_until(until)), id);
    if (result.outcome == WaitOutcome::timeout) co_await take_unmatched<Pubrec>(*connection_, result);
    const auto* pubrec = result.reply ? std::get_if<Pubrec>(&*result.reply) : nullptr;
    // A 5.0 PUBREC with a failure reason code ends the flow; otherwise release and await completion.
    if (pubrec != nullptr && pubrec->reason_code < 0x80) {
      connection_->send(Pubrel{connection_->version(), id, 0, {}});
      result = from_wait(co_await connection_->wait_for(reply_with_id<Pubcomp>(id), remaining_until(until)), id);
    }
  }
  --in_flight_;
  packet_ids_.release(id);
  co_return result;
}

AsyncSession::StartedPublish AsyncSession::start_publish(Publish&& publish) {
  publish.version = connection_->version();
  if (honour_limits_ && publish_beyond_limits(publish, server_limits_, in_flight_)) {
    return {PublishStart::withheld, 0};
  }
  if (publish.packet_id) {
    packet_ids_.reserve(*publish.packet_id);
  } else {
    const auto id = packet_ids_.allocate();
    if (!id) return {PublishStart::no_packet_id, 0};
    publish.packet_id = *id;
  }
  const std::uint16_t id = *publish.packet_id;
  if (connection_->send(Packet(std::move(publish))) == 0) {
    packet_ids_.release(id);
    return {PublishStart::closed, id};
  }
  ++in_flight_;
  tracked_publishes_.push_back(id);
  return {PublishStart::sent, id};
}

void AsyncSession::forget_publish(std::uint16_t packet_id) {
  const auto tracked = std::find(tracked_publishes_.begin(), tracked_publishes_.end(), packet_id);
  if (tracked == tracked_publishes_.end()) return;
  tracked_publishes_.erase(tracked);
  --in_flight_;
  packet_ids_.release(packet_id);
}

asio::awaitable<RequestResult> AsyncSession::subscribe(std::vector<Subscription> subscriptions, Duration deadline,
                                                       Properties properties) {
  const auto id = packet_ids_.allocate();
  if (!id) co_return RequestResult{};
  Subscribe subscribe{connection_->version(), *id, std::move(subscriptions), std::move(properties)};
  if (honour_limits_) {
    if (auto reason = subscribe_beyond_limits(subscribe, server_limits_)) {
      packet_ids_.release(*id);
      RequestResult withheld = written_without_answer();
      withheld.withheld = std::move(reason);
      co_return withheld;
    }
  }
  if (connection_->send(subscribe) == 0) {
    packet_ids_.release(*id);
    co_return closed_before_sending(*connection_, *id);
  }
  RequestResult result = from_wait(co_await connection_->wait_for(reply_with_id<Suback>(*id), deadline), *id);
  if (result.outcome == WaitOutcome::timeout) co_await take_unmatched<Suback>(*connection_, result);
  packet_ids_.release(*id);
  co_return result;
}

asio::awaitable<RequestResult> AsyncSession::unsubscribe(std::vector<std::string> filters, Duration deadline,
                                                         Properties properties) {
  const auto id = packet_ids_.allocate();
  if (!id) co_return RequestResult{};
  Unsubscribe unsubscribe{connection_->version(), *id, std::move(filters), std::move(properties)};
  if (connection_->send(unsubscribe) == 0) {
    packet_ids_.release(*id);
    co_return closed_before_sending(*connection_, *id);
  }
  RequestResult result = from_wait(co_await connection_->wait_for(reply_with_id<Unsuback>(*id), deadline), *id);
  if (result.outcome == WaitOutcome::timeout) co_await take_unmatched<Unsuback>(*connection_, result);
  packet_ids_.release(*id);
  co_return result;
}

void AsyncSession::disconnect(std::uint8_t reason_code, Properties properties) {
  if (!connection_->is_open()) return;
  connection_->send(Disconnect{connection_->version(), reason_code, std::move(properties)});
  connection_->close(history::CloseReason::local_close);
}

std::size_t AsyncSession::acknowledge(std::uint8_t reason_code) {
  const ProtocolVersion version = connection_->version();
  const std::uint8_t code = version == ProtocolVersion::v5 ? reason_code : 0;
  std::size_t sent = 0;
  for (const auto& packet : unanswered_) {
    if (!connection_->is_open()) break;
    if (packet.type == PacketType::pubrel) {
      connection_->send(Pubcomp{version, packet.packet_id, 0, {}});
    } else if (packet.qos == QoS::at_least_once) {
      connection_->send(Puback{version, packet.packet_id, code, {}});
    } else {
      connection_->send(Pubrec{version, packet.packet_id, code, {}});
    }
    ++sent;
  }
  unanswered_.clear();
  return sent;
}

asio::awaitable<WaitResult> AsyncSession::next_publish(Duration deadline) {
  return connection_->wait_for(
      [](const Packet& packet) { return std::holds_alternative<Publish>(packet); }, deadline);
}

}  // namespace mqtt::client
