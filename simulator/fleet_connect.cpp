#include "simulator/fleet_engine.hpp"

#include <algorithm>
#include <cmath>

#include "client/async_connection.hpp"

namespace mqtt::simulator::detail {

// One shared copy of each target for every connection (not one per device).
const std::shared_ptr<const client::TargetUrl>& Engine::target_of(const Device& device) {
  if (!device.via_proxy || !proxy_) {
    if (!direct_target_) direct_target_ = std::make_shared<const client::TargetUrl>(options_.target);
    return direct_target_;
  }
  if (!proxy_target_) {
    // The TCP connection goes to the proxy; TLS still verifies, and WebSocket still names, the real target.
    client::TargetUrl target = options_.target;
    target.relay_host = proxy_->address();
    target.relay_port = proxy_->port();
    proxy_target_ = std::make_shared<const client::TargetUrl>(std::move(target));
  }
  return proxy_target_;
}

std::uint32_t Engine::backoff_ms(Device& device, std::uint32_t attempt) {
  const auto& policy = device.group->reconnect;
  double delay =
      policy.initial_ms * std::pow(std::max(1.0, policy.multiplier), std::min<std::uint32_t>(attempt, 30));
  delay = std::min<double>(delay, policy.maximum_ms);
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  delay *= std::uniform_real_distribution<double>(1.0 - jitter, 1.0)(device.random);
  return static_cast<std::uint32_t>(delay);
}

// Connecting is split into short-lived coroutines, so the frames alive at once while thousands of devices
// connect stay small (GCC gives each coroutine one frame holding all its locals).
asio::awaitable<bool> Engine::connect_once(Device& device) {
  // Results are named before they are tested: g++ 12 miscompiled `if (!co_await ...)` in this function.
  const bool opened = co_await open_session(device);
  if (!opened) co_return false;
  const bool handshaken = co_await handshake(device);
  if (!handshaken) co_return false;
  if (stopping_) {
    // The run ended while this device connected: it leaves like the others did, with a DISCONNECT.
    device.session->disconnect();
    co_return false;
  }
  device.connected = true;
  device.ever_connected = true;
  if (device.group->status) {
    co_await publish_status(device);
  }
  co_return true;
}

asio::awaitable<bool> Engine::open_session(Device& device) {
  const GroupSpec& group = *device.group;
  client::OpenOptions open_options;
  open_options.actor = device.identity.client_id;
  open_options.deadline = options_.connect_deadline;
  open_options.version = group.version;
  // No inbox: every packet is recorded, and the only packets a device waits for (CONNACK, SUBACK, its PUBACKs)
  // are handed straight to the waiting request, which always begins before its answer can arrive. An inbox
  // only churned: a subscriber queued and evicted every PUBLISH it received.
  open_options.inbox_limit = 0;
  if (device.via_proxy && proxy_) {
    // Under TLS or WebSocket the proxy cannot read the CONNECT: name the link by its TCP port instead.
    open_options.on_tcp_connected = [proxy = proxy_.get(), &client_id = device.identity.client_id](
                                        std::uint16_t port) { proxy->expect_link(port, client_id); };
  }
  std::shared_ptr<const client::TargetUrl> target = target_of(device);
  auto opened = co_await client::AsyncConnection::open(io_->get_executor(), recorder_, std::move(target),
                                                       open_options);
  auto* connection = std::get_if<std::shared_ptr<client::AsyncConnection>>(&opened);
  if (connection == nullptr) co_return false;
  for (const auto& [kind, detail] : device.active_faults) {
    recorder_.fault(device.identity.client_id, std::string(to_string(kind)),
                    detail + " (in force when this connection opened)", (*connection)->id());
  }
  device.session = client::AsyncSession::attach(*connection);
  if (const auto slot = owed_.subscriber_of(device.identity.client_id)) owed_.watch(*slot, device.session);
  else if (device.group->version == ProtocolVersion::v5) owed_.watch_publisher(device.session);
  device.session->set_keep_alive_by_caller(true);  // online() pings from the device's one timer
  co_return true;
}

Connect Engine::make_connect(const Device& device) const {
  const GroupSpec& group = *device.group;
  const std::string& id = device.identity.client_id;
  Connect connect;
  connect.version = group.version;
  connect.clean_session = group.clean_session;
  connect.keep_alive = group.keep_alive;
  connect.client_id = id;
  if (group.version == ProtocolVersion::v5) {
    if (group.session_expiry) connect.properties.push_back({PropertyId::session_expiry_interval, *group.session_expiry});
    if (group.receive_maximum) connect.properties.push_back({PropertyId::receive_maximum, *group.receive_maximum});
    if (group.topic_alias_maximum) {
      connect.properties.push_back({PropertyId::topic_alias_maximum, *group.topic_alias_maximum});
    }
  }
  connect.username = options_.target.username;
  if (options_.target.password)
    connect.password = Bytes(options_.target.password->begin(), options_.target.password->end());
  if (group.will) {
    Will will;
    will.topic = expand_placeholders(group.will->topic, group.name, device.identity.n, id);
    const std::string payload = expand_placeholders(group.will->payload, group.name, device.identity.n, id);
    will.payload.assign(payload.begin(), payload.end());
    will.qos = group.will->qos;
    will.retain = group.will->retain;
    if (group.version == ProtocolVersion::v5 && group.will->delay) {
      will.properties.push_back({PropertyId::will_delay_interval, *group.will->delay});
    }
    connect.will = std::move(will);
  }
  return connect;
}

// CONNECT and CONNACK, then the subscriptions. False (and the connection aborted) when either fails.
asio::awaitable<bool> Engine::handshake(Device& device) {
  const GroupSpec& group = *device.group;
  const auto session = device.session;
  if (group.will) {
    owed_.will(session, device.identity.client_id, group,
               expand_placeholders(group.will->topic, group.name, device.identity.n, device.identity.client_id));
  }
  auto connected = co_await session->connect(make_connect(device), options_.connect_deadline);
  const auto* connack = connected.reply ? std::get_if<Connack>(&*connected.reply) : nullptr;
  if (!connected.ok() || connack == nullptr || connack->reason_code != 0) {
    session->connection()->abort();
    co_return false;
  }
  device.topic_alias_set = false;  // aliases live and die with one network connection
  if (!group.subscriptions.empty()) {
    auto subscriptions = group.subscriptions;
    for (auto& subscription : subscriptions) {
      subscription.filter = expand_placeholders(subscription.filter, group.name, device.identity.n,
                                                device.identity.client_id);
    }
    auto subscribed = co_await session->subscribe(std::move(subscriptions), request_deadline);
    if (!subscribed.ok()) {
      if (session->connection()->is_open()) session->connection()->abort();
      co_return false;
    }
    if (const auto slot = owed_.subscriber_of(device.identity.client_id)) {
      const auto* suback = std::get_if<Suback>(&*subscribed.reply);
      owed_.subscribed(*slot, connack->session_present, suback ? suback->reason_codes : std::vector<std::uint8_t>());
    }
  }
  co_return true;
}

asio::awaitable<void> Engine::publish_status(Device& device) {
  const GroupSpec& group = *device.group;
  const std::string& id = device.identity.client_id;
  const auto session = device.session;
  {
    Publish status;
    status.version = group.version;
    status.topic = expand_placeholders(group.status->topic, group.name, device.identity.n, id);
    const std::string payload =
        expand_placeholders(group.status->payload, group.name, device.identity.n, id);
    status.payload.assign(payload.begin(), payload.end());
    status.qos = group.status->qos;
    status.retain = true;
    const std::string topic = status.topic;
    owed_.sent(status.qos);
    const auto sent = co_await session->publish(std::move(status), request_deadline);
    owed_.answered(id, topic, group.status->qos, sent);
  }
}

}  // namespace mqtt::simulator::detail
