#include "simulator/fleet_engine.hpp"

#include <algorithm>

namespace mqtt::simulator::detail {

// Draws, in a fixed order, whether the device churns and when it first publishes (at its first wake-up).
void Engine::start_schedule(Device& device) {
  const GroupSpec& group = *device.group;
  device.churns = !group.observer && group.churn.fraction > 0 &&
                  std::uniform_real_distribution<double>(0, 1)(device.random) < group.churn.fraction;
  device.next_publish = on_tick(Clock::now());
  if (group.publish.rate_per_second > 0) {
    // Spread the first messages over one interval so devices do not publish in lockstep.
    const double interval_ms = publish_interval_ms(group.publish);
    device.next_publish += milliseconds(
        static_cast<std::int64_t>(std::uniform_real_distribution<double>(0, interval_ms)(device.random)));
  }
}

void Engine::draw_churn(Device& device) {
  device.churn_at.reset();
  if (!device.churns) return;
  std::exponential_distribution<double> online_time(
      1.0 / std::max<std::uint32_t>(1, device.group->churn.online_ms));
  device.churn_at = Clock::now() + milliseconds(static_cast<std::int64_t>(online_time(device.random)));
}

milliseconds Engine::draw_offline_time(Device& device) {
  std::exponential_distribution<double> offline_time(
      1.0 / std::max<std::uint32_t>(1, device.group->churn.offline_ms));
  return milliseconds(static_cast<std::int64_t>(offline_time(device.random)));
}

// When the connected device next has something to do (publish, ping, churn, the end of the run).
// Without `publishing`: its next action other than its next message (that one is the tick queue's).
Clock::time_point Engine::wake_time(const Device& device, Clock::time_point now, bool publishing) const {
  const GroupSpec& group = *device.group;
  Clock::time_point wake = run_end_;
  if (!group.observer && now < publish_end_) {
    wake = publish_end_;
    if (group.publish.rate_per_second > 0 && publishing) wake = std::min(wake, device.next_publish);
  }
  if (const auto ping = device.session->keep_alive_due()) wake = std::min(wake, *ping);
  if (device.churn_at && now < publish_end_) wake = std::min(wake, *device.churn_at);
  // Observers start before the run's clock is set, so they look up every second; devices sleep until their
  // next action (an idle device costs no wake-ups).
  if (group.observer) wake = std::min(wake, now + std::chrono::seconds(1));
  return wake;
}

void Engine::schedule_next_publish(Device& device) {
  const PublishSpec& spec = device.group->publish;
  const double interval_ms = publish_interval_ms(spec);
  const double jitter = std::clamp(spec.jitter, 0.0, 1.0);
  const double factor = std::uniform_real_distribution<double>(1.0 - jitter, 1.0 + jitter)(device.random);
  device.next_publish += milliseconds(static_cast<std::int64_t>(interval_ms * factor));
  if (device.next_publish < Clock::now()) device.next_publish = on_tick(Clock::now());
}

// Capped just past the publishing window, so a tiny rate cannot overflow the conversion to a duration (the
// scenario loader refuses such rates, but the engine does not rely on it).
double Engine::publish_interval_ms(const PublishSpec& spec) const {
  return std::min(1000.0 / spec.rate_per_second, static_cast<double>(spec_.duration_ms) + 1.0);
}

// Publish times fall on whole milliseconds of the run's clock, so devices due in the same millisecond share
// one wake-up of the event loop (at 10,000 messages/s: at most 1,000 wake-ups and timer changes a second,
// not one per message).
Clock::time_point Engine::on_tick(Clock::time_point when) const {
  return start_ + std::chrono::ceil<milliseconds>(when - start_);
}

}  // namespace mqtt::simulator::detail
