#include "broker/broker.hpp"
#include "broker/core.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <future>

#include "broker/routing.hpp"
#include "broker/transport_listener.hpp"

namespace mqtt::broker {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
QoS lower(QoS a, QoS b) { return static_cast<int>(a) < static_cast<int>(b) ? a : b; }
}  // namespace

// ---- Core -------------------------------------------------------------------------------------------------

asio::awaitable<void> Broker::Core::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    boost::system::error_code error;
    tcp::socket socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, error));
    if (stopping) co_return;
    if (error) {
      if (error == asio::error::operation_aborted) co_return;
      // Out of descriptors or similar: back off briefly rather than spin.
      asio::steady_timer pause(*io_context, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
      if (stopping) co_return;
      continue;
    }
    serve(std::move(socket));
  }
}

void Broker::Core::serve(tcp::socket socket) {
  auto connection = std::make_shared<Connection>(shared_from_this(), std::move(socket));
  connections.emplace(connection.get(), connection);
  ++statistics.connections_accepted;
  statistics.connections_open = connections.size();
  connection->start();
}

void Broker::Core::shutdown() {
  if (stopping) return;
  stopping = true;
  boost::system::error_code ignored;
  if (acceptor) acceptor->close(ignored);
  if (forward_timer_) forward_timer_->cancel();
  held_forwards_.clear();
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [raw, weak] : connections) {
    if (auto connection = weak.lock()) open.push_back(std::move(connection));
  }
  for (auto& connection : open) connection->close(Connection::CloseReason::shutdown);
  connections.clear();
}

Connection* Broker::Core::online_connection(const std::string& client_id) const {
  auto found = online.find(client_id);
  return found == online.end() ? nullptr : found->second;
}

QoS Broker::Core::maximum_grant() const {
  QoS grant = options.maximum_qos;
  if (varies(Variation::grant_max_qos_1)) grant = lower(grant, QoS::at_least_once);
  if (varies(Variation::grant_max_qos_0)) grant = QoS::at_most_once;
  return grant;
}

Session& Broker::Core::open_session(const std::string& client_id, bool clean) {
  auto session = std::make_unique<Session>(client_id, clean, ++session_serials);
  Session& opened = *session;
  sessions[client_id] = std::move(session);
  statistics.sessions = sessions.size();
  return opened;
}

void Broker::Core::publish(const std::shared_ptr<const Message>& message) {
  store_retained(message);
  for (auto& [client_id, session] : sessions) route(message, *session);
}

void Broker::Core::store_retained(const std::shared_ptr<const Message>& message) {
  if (message->retain && !has(Defect::retain_ignored)) {
    if (message->payload.empty()) {
      if (!has(Defect::retain_not_deleted_by_empty)) retained.erase(message->topic);  // [MQTT-3.3.1-10], [MQTT-3.3.1-11]
    } else if (message->qos == QoS::at_most_once && varies(Variation::retained_qos0_discarded)) {
      retained.erase(message->topic);  // [MQTT-3.3.1-7]: the old one must go; keeping the new one is optional
    } else {
      retained[message->topic] = message;  // [MQTT-3.3.1-5]
    }
    statistics.retained_messages = retained.size();
  }
}

void Broker::Core::route(const std::shared_ptr<const Message>& message, Session& session) {
  // Established subscriptions get RETAIN=0 [MQTT-3.3.1-9].
  const bool retain_flag = message->retain && has(Defect::retain_flag_on_existing_subscription);
  // One copy at the highest matching grant [MQTT-3.3.5-1], or one per matching subscription (also allowed).
  std::vector<QoS> grants;
  if (varies(Variation::overlap_one_copy_per_subscription)) {
    grants = matching_grants(session.subscriptions(), message->topic, options.defects);
  } else if (const auto best = matching_qos(session.subscriptions(), message->topic, options.defects)) {
    grants.push_back(*best);
  }
  for (const QoS granted : grants) {
    const QoS qos = has(Defect::qos_not_downgraded) ? message->qos : lower(message->qos, granted);  // [MQTT-3.8.4-6]
    // QoS 1 sent at QoS 0 may arrive more than once [MQTT-3.8.4-6].
    const int copies = varies(Variation::duplicate_downgraded_qos0) && message->qos == QoS::at_least_once &&
                               qos == QoS::at_most_once
                           ? 2
                           : 1;
    for (int copy = 0; copy < copies; ++copy) {
      Delivery delivery{message, qos, retain_flag};
      if (!varies(Variation::puback_before_deliver)) {
        deliver(session, std::move(delivery));
        continue;
      }
      // Matched now, written later: the publisher's PUBACK/PUBREC goes out first.
      held_forwards_.push_back(HeldForward{std::chrono::steady_clock::now() + variation_hold, session.client_id(),
                                           session.serial(), std::move(delivery)});
      if (held_forwards_.size() > 1) continue;
      if (!forward_timer_) forward_timer_.emplace(*io_context);
      forward_timer_->expires_at(held_forwards_.front().due);
      forward_timer_->async_wait([self = shared_from_this()](boost::system::error_code error) {
        if (!error && !self->stopping) self->forward_due();
      });
    }
  }
}

void Broker::Core::forward_due() {
  const auto now = std::chrono::steady_clock::now();
  while (!held_forwards_.empty() && held_forwards_.front().due <= now) {
    HeldForward held = std::move(held_forwards_.front());
    held_forwards_.pop_front();
    // Only to the session it was routed to: a session that ended (or was replaced) gets nothing.
    const auto session = sessions.find(held.client_id);
    if (session != sessions.end() && session->second->serial() == held.session_serial) {
      deliver(*session->second, std::move(held.delivery));
    }
  }
  if (held_forwards_.empty()) return;
  forward_timer_->expires_at(held_forwards_.front().due);
  forward_timer_->async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (!error && !self->stopping) self->forward_due();
  });
}

void Broker::Core::send_retained(Session& session, const std::string& filter, QoS granted) {
  for (const auto& [topic, message] : retained) {
    if (!filter_matches(filter, topic, options.defects)) continue;
    QoS qos = has(Defect::qos_not_downgraded) ? message->qos : lower(message->qos, granted);
    if (has(Defect::retained_qos0)) qos = QoS::at_most_once;
    deliver(session, Delivery{message, qos, true});  // [MQTT-3.3.1-6], [MQTT-3.3.1-8]
  }
}

void Broker::Core::deliver(Session& session, Delivery delivery) {
  if (has(Defect::reorder_deliveries)) {
    // Park every other delivery and release it after the next one, or after variation_hold when no next one
    // comes: the defect swaps messages, it does not lose them.
    if (!session.held_back()) {
      const Message* parked = delivery.message.get();
      session.held_back() = std::move(delivery);
      auto timer = std::make_shared<asio::steady_timer>(*io_context, variation_hold);
      timer->async_wait([self = shared_from_this(), timer, client_id = session.client_id(),
                         serial = session.serial(), parked](boost::system::error_code error) {
        if (error || self->stopping) return;
        const auto found = self->sessions.find(client_id);
        if (found == self->sessions.end() || found->second->serial() != serial) return;
        auto& held = found->second->held_back();
        if (!held || held->message.get() != parked) return;  // already released by a later delivery
        Delivery alone = std::move(*held);
        held.reset();
        self->deliver_now(*found->second, std::move(alone));
      });
      return;
    }
    Delivery earlier = std::move(*session.held_back());
    session.held_back().reset();
    deliver_now(session, std::move(delivery));
    deliver_now(session, std::move(earlier));
    return;
  }
  deliver_now(session, std::move(delivery));
}

void Broker::Core::deliver_now(Session& session, Delivery delivery) {
  Connection* connection = online_connection(session.client_id());
  if (delivery.qos == QoS::at_most_once) {
    // QoS 0 is sent if the client is online; otherwise dropped, or queued for a persistent session by the
    // queue-qos0-offline variation (3.1.2.4 allows either).
    if (connection != nullptr) {
      connection->send_publish(delivery, std::nullopt, false);
    } else if (varies(Variation::queue_qos0_offline) && !session.clean()) {
      if (!session.enqueue(std::move(delivery), options.session_queue_limit)) ++statistics.messages_dropped;
    }
    return;
  }
  if (connection == nullptr && has(Defect::no_offline_queue)) return;
  if (connection != nullptr && !session.has_queued() && session.in_flight_count() < options.in_flight_limit) {
    const InFlight& entry = session.start_in_flight(std::move(delivery));
    connection->send_publish(entry.delivery, entry.packet_id, false);
    return;
  }
  if (!session.enqueue(std::move(delivery), options.session_queue_limit)) ++statistics.messages_dropped;  // [MQTT-3.1.2-5]
}

void Broker::Core::pump(Session& session) {
  Connection* connection = online_connection(session.client_id());
  if (connection == nullptr) return;
  while (session.has_queued() && session.in_flight_count() < options.in_flight_limit) {
    Delivery delivery = *session.dequeue();
    if (delivery.qos == QoS::at_most_once) {  // queued while offline (queue-qos0-offline): no flight to track
      connection->send_publish(delivery, std::nullopt, false);
      continue;
    }
    const InFlight& entry = session.start_in_flight(std::move(delivery));
    connection->send_publish(entry.delivery, entry.packet_id, false);
  }
}

// ---- Broker -----------------------------------------------------------------------------------------------

Broker::Broker(BrokerOptions options) : core_(std::make_shared<Core>(std::move(options))) {}

Broker::~Broker() = default;

void Broker::start(asio::io_context& io_context) {
  core_->io_context = &io_context;
  std::vector<Listener> listeners = core_->options.listeners;
  if (listeners.empty()) listeners.push_back(Listener{ListenerTransport::mqtt, core_->options.address, core_->options.port});
  for (std::size_t index = 0; index < listeners.size(); ++index) {
    const Listener& listener = listeners[index];
    if (index == 0 && listener.transport == ListenerTransport::mqtt) {
      // The first plain listener is the core's own acceptor; every other one is a transport listener.
      const tcp::endpoint endpoint(asio::ip::make_address(listener.address), listener.port);
      core_->acceptor.emplace(io_context);
      core_->acceptor->open(endpoint.protocol());
      core_->acceptor->set_option(tcp::acceptor::reuse_address(true));
      core_->acceptor->bind(endpoint);
      core_->acceptor->listen();
      ports_.push_back(core_->acceptor->local_endpoint().port());
      asio::co_spawn(io_context, [core = core_] { return core->accept_loop(); }, asio::detached);
      continue;
    }
    transport_listeners_.push_back(TransportListener::start(core_, listener));
    ports_.push_back(transport_listeners_.back()->port());
  }
  core_->port = ports_.front();
}

std::uint16_t Broker::port() const { return core_->port; }

std::vector<std::uint16_t> Broker::ports() const { return ports_; }

void Broker::stop() {
  if (core_->io_context == nullptr) return;
  asio::dispatch(*core_->io_context, [core = core_, listeners = transport_listeners_] {
    for (const auto& listener : listeners) listener->stop();
    core->shutdown();
  });
}

BrokerStatistics Broker::statistics() const { return core_->statistics; }

// ---- EmbeddedBroker ---------------------------------------------------------------------------------------

EmbeddedBroker::EmbeddedBroker(BrokerOptions options)
    : io_context_(std::make_unique<asio::io_context>(1)), broker_(std::make_unique<Broker>(std::move(options))) {
  broker_->start(*io_context_);
  port_ = broker_->port();
  thread_ = std::thread([this] { io_context_->run(); });
}

EmbeddedBroker::~EmbeddedBroker() { stop(); }

void EmbeddedBroker::stop() {
  if (!thread_.joinable()) return;
  broker_->stop();
  thread_.join();
}

BrokerStatistics EmbeddedBroker::statistics() {
  if (!thread_.joinable()) return broker_->statistics();
  std::promise<BrokerStatistics> promise;
  auto future = promise.get_future();
  asio::post(*io_context_, [&] { promise.set_value(broker_->statistics()); });
  return future.get();
}

}  // namespace mqtt::broker
