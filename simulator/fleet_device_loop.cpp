#include "simulator/fleet_engine.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "client/async_connection.hpp"

namespace mqtt::simulator::detail {

namespace {

// Unwatches the timer when the frame goes, also when the io_context destroys a suspended frame.
struct CloseWatch {
  client::AsyncConnection* connection;
  asio::steady_timer* timer;
  CloseWatch(client::AsyncConnection* c, asio::steady_timer* t) : connection(c), timer(t) {
    c->watch_close(t);
  }
  ~CloseWatch() { connection->unwatch_close(timer); }
  CloseWatch(const CloseWatch&) = delete;
  CloseWatch& operator=(const CloseWatch&) = delete;
};

// Online's timer is the device's only one; it is named in the device while online runs, so a PUBACK can wake it.
struct TimerNamed {
  Device& device;
  TimerNamed(Device& d, asio::steady_timer* timer) : device(d) { device.timer = timer; }
  ~TimerNamed() {
    device.timer = nullptr;
    device.wake_on_acknowledgement = false;
    device.publishes_by_tick = false;
    ++device.tick_generation;
  }
  TimerNamed(const TimerNamed&) = delete;
  TimerNamed& operator=(const TimerNamed&) = delete;
};

}  // namespace

// Connected: publish on schedule until the connection ends, the run ends or the device churns away. This is
// the frame an idle device sits in: one timer, cancelled by the connection's end, and by a PUBACK the device
// is blocked on. A device waits for each QoS 1 message's PUBACK (at most request_deadline) before it does
// anything else, as a request would; since its next tick is drawn when the tick's last message leaves, it
// sleeps until that tick and is not woken by a PUBACK that arrives before it.
asio::awaitable<Engine::Leave> Engine::online(Device& device) {
  const std::shared_ptr<client::AsyncConnection> connection = device.session->connection();
  asio::steady_timer timer(io_->get_executor());
  const CloseWatch watch(connection.get(), &timer);
  const TimerNamed named(device, &timer);
  device.burst_left = 0;
  device.awaited_acknowledgement.reset();
  device.session->set_acknowledgement_listener(
      [this, &device](std::uint16_t packet_id) { on_acknowledged(device, packet_id); });
  for (;;) {
    auto now = Clock::now();
    if (device.awaited_acknowledgement && now >= device.acknowledgement_deadline) {
      // No PUBACK within the deadline: given up on, like a request that timed out; the device goes on.
      device.session->forget_publish(*device.awaited_acknowledgement);
      owed_.unanswered(device.topic, QoS::at_least_once);
      device.awaited_acknowledgement.reset();
      settle_late_acknowledgement(device);
    }
    if (device.burst_left > 0 && !device.awaited_acknowledgement) {
      std::unique_ptr<Publish> exactly_once;  // a pointer: online()'s frame is what an idle device holds
      BurstStop stop = send_burst(device, exactly_once);
      if (stop == BurstStop::exactly_once) {
        const bool sent = co_await publish_exactly_once(device, std::move(*exactly_once));
        stop = sent ? BurstStop::done : BurstStop::closed;
      }
      if (stop == BurstStop::closed) co_return leave_closed(device);
      continue;
    }
    auto wake = wake_time(device, now);
    // Blocked: the PUBACK is owed and the device has something to do before the deadline.
    const bool blocked = device.awaited_acknowledgement && (device.burst_left > 0 || wake <= now);
    // Its next action is its next message: the tick queue wakes it (on_publish_tick), and this timer waits
    // for whatever comes after that (a ping, a churn, the end of the window) or for the PUBACK's deadline.
    const bool by_tick = !blocked && wake > now && wake == device.next_publish && ticks_publish(device);
    if (by_tick) wake = wake_time(device, now, false);
    const auto until = !device.awaited_acknowledgement ? wake
                       : blocked                       ? device.acknowledgement_deadline
                                                       : std::min(wake, device.acknowledgement_deadline);
    if (until > now && connection->is_open()) {
      if (by_tick) {
        device.publishes_by_tick = true;
        publish_ticks_->add(device.next_publish, device, ++device.tick_generation);
      }
      timer.expires_at(until);
      device.wake_on_acknowledgement = blocked;
      error_code ignored;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      device.wake_on_acknowledgement = false;
      device.publishes_by_tick = false;  // awake: whatever the queue still holds for it is stale
      ++device.tick_generation;
    }
    if (!connection->is_open()) co_return leave_closed(device);
    if (device.awaited_acknowledgement) continue;
    device.session->ping_if_due();
    if (!connection->is_open()) co_return leave_closed(device);
    // Past the publishing window the device stays connected (deliveries, wills and queued messages still
    // arrive) until the end of the run, still pinging.
    now = Clock::now();
    if (stopping_ || now >= run_end_) co_return Leave::finished;
    if (device.churn_at && now >= *device.churn_at && now < publish_end_) co_return Leave::churn;
    if (device.group->observer || now >= publish_end_) continue;
    if (device.group->publish.rate_per_second <= 0 || now < device.next_publish) continue;
    device.burst_left = std::max<std::uint32_t>(1, device.group->publish.burst);
  }
}

// The connection closed: a tick drawn ahead for a PUBACK that never came is taken back (the device would
// have drawn it only after the answer), and the rest of the burst is dropped.
Engine::Leave Engine::leave_closed(Device& device) {
  if (device.awaited_acknowledgement) owed_.unanswered(device.topic, QoS::at_least_once);
  if (device.awaited_acknowledgement && device.burst_left == 0) {
    device.next_publish = device.next_publish_undrawn;
    device.random = device.random_undrawn;
  }
  device.awaited_acknowledgement.reset();
  device.burst_left = 0;
  return Leave::closed;
}

// After online(): leave on purpose (churn) or back off after the network took the connection.
asio::awaitable<void> Engine::after_online(Device& device, Leave leave) {
  if (leave == Leave::churn) {
    if (device.group->churn.abrupt) {
      device.session->connection()->abort();
    } else {
      device.session->disconnect();
    }
    co_await sleep_until(Clock::now() + draw_offline_time(device));
    co_return;
  }
  // The network took the connection: back off before the first retry, like a real device.
  co_await sleep_until(Clock::now() + milliseconds(backoff_ms(device, device.failures++)));
}

asio::awaitable<void> Engine::device_loop(Device& device, Clock::time_point first_connect) {
  co_await sleep_until(first_connect);
  start_schedule(device);
  while (!stopping_ && Clock::now() < (device.group->observer ? run_end_ : publish_end_)) {
    if (device.powered_off_until && Clock::now() < *device.powered_off_until) {
      co_await sleep_until(*device.powered_off_until);
      continue;
    }
    const bool connected = co_await connect_once(device);
    if (!connected) {
      device.connected = false;
      co_await sleep_until(Clock::now() + milliseconds(backoff_ms(device, device.failures++)));
      continue;
    }
    device.failures = 0;
    draw_churn(device);
    const Leave leave = co_await online(device);
    if (leave == Leave::finished) break;
    device.connected = false;
    co_await after_online(device, leave);
  }
  co_await settle(device);
}

// Past the publishing window: stay connected (deliveries, wills and queues still arrive) until the end.
asio::awaitable<void> Engine::settle(Device& device) {
  if (device.session && device.session->connection()->is_open() && !stopping_) {
    const auto now = Clock::now();
    if (run_end_ > now) {
      co_await device.session->connection()->wait_for_close(run_end_ - now);
    }
  }
}

}  // namespace mqtt::simulator::detail
