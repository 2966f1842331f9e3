#include "simulator/fleet_engine.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "client/async_connection.hpp"

namespace mqtt::simulator::detail {

Publish Engine::make_message(Device& device) {
  const PublishSpec& spec = device.group->publish;
  Publish publish;
  publish.version = device.group->version;
  // Expanded once per device, on its first message (an idle device keeps no copy), then copied per message.
  if (device.topic.empty()) {
    device.topic =
        expand_placeholders(spec.topic, device.group->name, device.identity.n, device.identity.client_id);
  }
  publish.topic = device.topic;
  publish.retain = spec.retain;
  publish.qos = static_cast<QoS>(qos_choices_[device.identity.group](device.random));
  // The token makes every message unique in the run, so deliveries can be matched to publishes. Written
  // straight into the payload, byte for byte what message_token() (fleet_stats.cpp, which reads it back) gives,
  // without its temporary strings.
  const std::string& id = device.identity.client_id;
  std::array<char, 24> number{};
  const auto number_end = std::to_chars(number.data(), number.data() + number.size(), ++device.published).ptr;
  Bytes& payload = publish.payload;
  payload.reserve(std::max<std::size_t>(spec.payload_size, id.size() + 2 + (number_end - number.data())));
  payload.insert(payload.end(), id.begin(), id.end());
  payload.push_back('#');
  payload.insert(payload.end(), number.data(), number_end);
  payload.push_back('|');
  if (payload.size() < spec.payload_size) payload.resize(spec.payload_size, '.');
  if (spec.topic_alias && publish.version == ProtocolVersion::v5 &&
      device.session->server_limits().topic_alias_maximum >= 1) {
    publish.properties.push_back({PropertyId::topic_alias, std::uint16_t{1}});
    if (device.topic_alias_set) publish.topic.clear();
    device.topic_alias_set = true;
  }
  return publish;
}

// Sends the current tick's messages until its burst is done or a QoS 1 message awaits its PUBACK (then the
// rest follow the PUBACK: on_acknowledged wakes the device). QoS 0 and 1 need no coroutine, so this is a plain
// call (a coroutine here cost a frame per tick); a QoS 2 message, whose two round trips still use the
// session's request, is handed back in `exactly_once` for online() to await (publish_exactly_once).
Engine::BurstStop Engine::send_burst(Device& device, std::unique_ptr<Publish>& exactly_once) {
  while (device.burst_left > 0 && !device.awaited_acknowledgement) {
    --device.burst_left;
    auto message = make_message(device);
    if (message.qos == QoS::at_most_once) {
      message.version = device.session->connection()->version();
      device.session->connection()->send(Packet(std::move(message)));
    } else if (message.qos == QoS::at_least_once) {
      const auto started = device.session->start_publish(std::move(message));
      if (started.state == client::AsyncSession::PublishStart::closed) return BurstStop::closed;
      if (started.state == client::AsyncSession::PublishStart::sent) {
        owed_.sent(QoS::at_least_once);
        device.awaited_acknowledgement = started.packet_id;
        device.acknowledgement_deadline = Clock::now() + request_deadline;
        if (device.burst_left == 0) {
          device.next_publish_undrawn = device.next_publish;
          device.random_undrawn = device.random;
          schedule_next_publish(device);
        }
        return BurstStop::done;
      }
    } else {
      exactly_once = std::make_unique<Publish>(std::move(message));
      return BurstStop::exactly_once;
    }
    if (device.burst_left == 0) schedule_next_publish(device);
  }
  return BurstStop::done;
}

// A QoS 2 message of the burst, as one request (PUBREC, PUBREL, PUBCOMP). False when the connection closed.
asio::awaitable<bool> Engine::publish_exactly_once(Device& device, Publish message) {
  owed_.sent(QoS::exactly_once);
  auto sent = co_await device.session->publish(std::move(message), request_deadline);
  owed_.answered(device.identity.client_id, device.topic, QoS::exactly_once, sent);
  if (sent.outcome == client::WaitOutcome::closed) co_return false;
  if (device.burst_left == 0) schedule_next_publish(device);
  co_return true;
}

// The session heard the PUBACK of a start_publish() (on the fleet's thread, while the connection reads).
void Engine::on_acknowledged(Device& device, std::uint16_t packet_id) {
  if (device.awaited_acknowledgement != packet_id) return;
  owed_.accepted(device.identity.client_id, device.topic, QoS::at_least_once);
  device.awaited_acknowledgement.reset();
  settle_late_acknowledgement(device);
  if (device.wake_on_acknowledgement && device.timer != nullptr) device.timer->cancel();
}

// Groups whose messages can go from the tick queue: QoS 2 needs a request (a coroutine) per message.
bool Engine::ticks_publish(const Device& device) const {
  const GroupSpec& group = *device.group;
  return !group.observer && group.publish.rate_per_second > 0 && group.publish.qos_weights[2] <= 0;
}

// The device's tick from the queue: what online() would do on waking at device.next_publish, done here when it
// is only to send the tick's messages (no PUBACK owed, no ping due, no churn, inside the window); anything else
// wakes online() to do it. Afterwards the device sleeps on in the queue until its next tick.
void Engine::on_publish_tick(Device& device, std::uint64_t generation) {
  if (generation != device.tick_generation || !device.publishes_by_tick || device.timer == nullptr) return;
  device.publishes_by_tick = false;
  const auto now = Clock::now();
  const auto& connection = device.session->connection();
  const auto ping = device.session->keep_alive_due();
  const bool only_publishing = !stopping_ && connection->is_open() && !device.awaited_acknowledgement &&
                               device.burst_left == 0 && now < publish_end_ && now >= device.next_publish &&
                               !(device.churn_at && now >= *device.churn_at) && !(ping && now >= *ping);
  if (!only_publishing) {
    device.timer->cancel();
    return;
  }
  device.burst_left = std::max<std::uint32_t>(1, device.group->publish.burst);
  std::unique_ptr<Publish> exactly_once;  // stays empty: ticks_publish() groups have no QoS 2
  const BurstStop stop = send_burst(device, exactly_once);
  const auto after = Clock::now();
  // online()'s timer was set before this message: a PUBACK deadline before the next tick is its to keep.
  if (stop != BurstStop::done || device.burst_left > 0 || !connection->is_open() ||
      device.next_publish <= after || wake_time(device, after) != device.next_publish ||
      (device.awaited_acknowledgement && device.acknowledgement_deadline < device.next_publish)) {
    device.timer->cancel();  // online() decides what comes next
    return;
  }
  device.publishes_by_tick = true;
  publish_ticks_->add(device.next_publish, device, ++device.tick_generation);
}

// The tick's last message was answered or given up on: a tick drawn for a time already past moves to now,
// as schedule_next_publish does when it runs after the answer.
void Engine::settle_late_acknowledgement(Device& device) {
  if (device.burst_left == 0 && device.next_publish < Clock::now()) device.next_publish = on_tick(Clock::now());
}

}  // namespace mqtt::simulator::detail
