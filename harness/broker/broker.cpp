#include "broker/broker.hpp"
#include "broker/core.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>
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
  for (auto& [id, timer] : timers_) timer->cancel();
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

QoS Broker::Core::maximum_grant(ProtocolVersion version) const {
  QoS grant = options.maximum_qos;
  if (varies(Variation::grant_max_qos_1)) grant = lower(grant, QoS::at_least_once);
  if (varies(Variation::grant_max_qos_0)) grant = QoS::at_most_once;
  if (version == ProtocolVersion::v5) grant = lower(grant, declared_maximum_qos());
  return grant;
}

QoS Broker::Core::declared_maximum_qos() const {
  QoS maximum = options.maximum_qos;
  // will-qos-above-maximum-accepted declares Maximum QoS 1 so that its acceptance of a QoS 2 will is a violation.
  // qos-2-subscription-refused declares it too: its refusal of a QoS 2 request only breaks a rule below QoS 2.
  if (varies(Variation::declare_maximum_qos_1) || has(Defect::will_qos_above_maximum_accepted) ||
      has(Defect::qos_2_subscription_refused)) {
    maximum = lower(maximum, QoS::at_least_once);
  }
  return maximum;
}

bool Broker::Core::declares_retain_available() const {
  return options.mqtt5.retain_available && !has(Defect::will_retain_accepted_without_retain_available);
}

std::uint16_t Broker::Core::declared_receive_maximum() const {
  const std::uint16_t maximum = options.mqtt5.receive_maximum;
  return varies(Variation::smaller_receive_maximum) ? std::min<std::uint16_t>(maximum, 2) : maximum;
}

std::uint32_t Broker::Core::capped_session_expiry(std::uint32_t requested) const {
  std::optional<std::uint32_t> cap = options.mqtt5.maximum_session_expiry_interval;
  if (varies(Variation::session_expiry_capped)) cap = std::min<std::uint32_t>(cap.value_or(60), 60);
  return cap ? std::min(requested, *cap) : requested;
}

SharedDistribution Broker::Core::shared_distribution() const {
  if (varies(Variation::shared_sticky)) return SharedDistribution::sticky;
  if (varies(Variation::shared_random)) return SharedDistribution::random;
  return SharedDistribution::round_robin;
}

std::string Broker::Core::assign_client_identifier(ProtocolVersion version) {
  // Counter based, so new for the broker's lifetime; a client may have chosen the same text itself, hence the
  // loop [MQTT-3.1.3-6, MQTT-3.2.2-16].
  for (;;) {
    const std::uint64_t number = ++generated_client_ids;
    std::string id;
    if (version == ProtocolVersion::v5 && varies(Variation::long_assigned_client_identifiers)) {
      char text[37];
      std::snprintf(text, sizeof text, "6d682d61-7373-4967-8e65-%012llx", static_cast<unsigned long long>(number));
      id = text;
    } else {
      id = "mqtt-harness-" + std::to_string(number);
    }
    if (!sessions.contains(id) && !online.contains(id)) return id;
  }
}

Session& Broker::Core::open_session(const std::string& client_id, std::uint32_t expiry_interval) {
  auto session = std::make_unique<Session>(client_id, expiry_interval, ++session_serials);
  Session& opened = *session;
  sessions[client_id] = std::move(session);
  statistics.sessions = sessions.size();
  return opened;
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
