// The wills the broker owes the fleet's observers (owed_deliveries.hpp), as the model owes them
// (harness/model/will.cpp, v5_will.cpp): a will is owed once its connection, accepted by a CONNACK, closed without
// DISCONNECT, to each observer subscribed at that moment, at min(will QoS, grant); under 5.0 once the Will Delay
// (or the session, if shorter) ran out, unless the device came back to its session first. A will that may come and
// need not (a fault hit its link, its CONNACK never came) is a "may" delivery; one whose fate the count cannot
// know (the device came back just as the delay ran out) makes the run fall back to the quiet rule.
#include <algorithm>

#include "simulator/owed_deliveries.hpp"
#include "simulator/owed_deliveries_will_tap.hpp"

namespace mqtt::simulator {

namespace {

// The broker's delay timer may fire this much early or late (the model's v5_timer_granularity_ns).
constexpr std::chrono::seconds will_delay_tolerance{1};

}  // namespace

void OwedDeliveries::will(const std::shared_ptr<client::AsyncSession>& session, const std::string& client_id,
                          const GroupSpec& group, std::string topic) {
  if (!counting() || !group.will || group.will->qos == QoS::at_most_once) return;  // a QoS 0 will is never owed
  if (will_taps_.size() >= 2 * std::max<std::size_t>(will_taps_swept_, 32)) {
    std::erase_if(will_taps_, [](const auto& tap) { return tap->gone(); });
    will_taps_swept_ = will_taps_.size();
  }
  WillConnection state;
  state.client_id = client_id;
  state.topic = std::move(topic);
  state.qos = group.will->qos;
  state.faulted = std::find(faulted_groups_.begin(), faulted_groups_.end(), group.name) != faulted_groups_.end();
  // 5.0: published once the delay or the session runs out, whichever comes first (MQTT-3.1.2-8).
  if (group.version == ProtocolVersion::v5 && group.will->delay) {
    state.delay = std::chrono::seconds(std::min(*group.will->delay, group.session_expiry.value_or(0)));
  }
  will_taps_.push_back(std::make_unique<WillTap>(*this, session, std::move(state)));
  session->connection()->set_observer(will_taps_.back().get());
}

void OwedDeliveries::will_connected(const std::string& client_id, bool session_present, Clock::time_point now) {
  if (!counting()) return;
  for (auto it = delayed_wills_.begin(); it != delayed_wills_.end();) {
    if (it->client_id != client_id) {
      ++it;
      continue;
    }
    if (!session_present) {
      // A new session (Clean Start, or the old one gone): the old one ended now, and its will is published now.
      it = delayed_wills_.erase(it);
      continue;
    }
    if (now + will_delay_tolerance >= it->due) {
      fall_back("device " + client_id + " came back to its session as its will's delay ran out: the broker may or "
                "may not have published the will");
      return;
    }
    take_back(*it);  // back in time: the will is never published [MQTT-3.1.3-9]
    it = delayed_wills_.erase(it);
  }
}

void OwedDeliveries::will_closed(const WillConnection& tap, Clock::time_point now) {
  if (!counting()) return;
  if (!tap.connack_seen) {
    // The broker may have accepted the CONNECT whose CONNACK never came, and then publishes its will.
    publish_will(tap.client_id, tap.topic, tap.qos, false);
    return;
  }
  if (!tap.accepted) return;
  if (tap.faulted) {
    // A fault may have swallowed the DISCONNECT, and the model owes the will of a faulted link only once the
    // broker could have noticed its end (1.5 keep-alives and a tolerance), mostly after the run: it may come.
    publish_will(tap.client_id, tap.topic, tap.qos, false);
    return;
  }
  if (tap.disconnect_sent) return;  // a normal DISCONNECT removes the will [MQTT-3.1.2-10]
  auto owed_to = publish_will(tap.client_id, tap.topic, tap.qos, true);
  if (tap.delay.count() > 0 && counting()) {  // kept for observers that subscribe during the delay
    delayed_wills_.push_back(DelayedWill{tap.client_id, tap.topic, tap.qos, now + tap.delay, std::move(owed_to)});
  }
}

std::vector<std::pair<std::size_t, std::uint32_t>> OwedDeliveries::publish_will(const std::string& client_id,
                                                                                const std::string& topic, QoS qos,
                                                                                bool owed) {
  std::vector<std::pair<std::size_t, std::uint32_t>> owed_to;
  fleet_began_ = true;  // a forwarded copy may arrive from now on (under retain-as-published with RETAIN 1)
  for (std::size_t slot = 0; slot < subscribers_.size(); ++slot) {
    Subscriber& subscriber = subscribers_[slot];
    if (!subscriber.subscribed) continue;  // a clean observer away: published while it is away, never owed to it
    const auto qos_granted = granted(subscriber, client_id, topic);
    if (!qos_granted) return {};
    if (std::min(qos, *qos_granted) == QoS::at_most_once) continue;
    ++(owed ? subscriber.expected : subscriber.may);
    if (owed) owed_to.emplace_back(slot, subscriber.generation);
  }
  if (owed) wills_owed_ += owed_to.size();
  return owed_to;
}

void OwedDeliveries::take_back(const DelayedWill& will) {
  for (const auto& [slot, generation] : will.owed_to) {
    Subscriber& subscriber = subscribers_[slot];
    if (subscriber.generation != generation) continue;  // that session ended: its counts were cleared with it
    if (subscriber.expected > 0) --subscriber.expected;
    if (wills_owed_ > 0) --wills_owed_;
  }
}

void OwedDeliveries::settle_delayed_wills(Clock::time_point now, Clock::time_point run_end) {
  std::erase_if(delayed_wills_, [&](const DelayedWill& will) {
    if (will.due > run_end) {
      // Due after the run: not owed in it (the observers leave first). A copy before its delay ran out is the
      // model's to judge; here it is one more than expected.
      take_back(will);
      return true;
    }
    return will.due <= now;  // due: owed like any other will from now on
  });
}

}  // namespace mqtt::simulator
