#include "simulator/connect_outcomes.hpp"

namespace mqtt::simulator {

std::uint64_t ConnectOutcomes::refused_total() const {
  std::uint64_t total = 0;
  for (const auto& [code, count] : refused) total += count;
  return total;
}

std::uint8_t ConnectOutcomes::usual_refusal() const {
  std::uint8_t usual = 0;
  std::uint64_t most = 0;
  for (const auto& [code, count] : refused) {
    if (count > most) {
      usual = code;
      most = count;
    }
  }
  return usual;
}

void ConnectOutcomeTracker::finish(ConnectOutcomes& outcomes, std::unordered_map<std::string, bool>& last_failed,
                                   const Attempt& attempt) {
  const bool accepted = attempt.connack == std::uint8_t{0};
  if (attempt.connect_sent && !attempt.connack) ++outcomes.unanswered;
  if (attempt.reconnect && !attempt.connack) ++outcomes.reconnects_unanswered;
  last_failed[attempt.actor] = !accepted;
}

void ConnectOutcomeTracker::observe(const history::Event& event) {
  switch (event.kind) {
    case history::EventKind::open: {
      ++outcomes_.opened;
      Attempt attempt;
      attempt.actor = event.actor;
      attempt.reconnect = !opened_actors_.insert(event.actor).second;
      if (attempt.reconnect) ++outcomes_.reconnects;
      last_failed_[event.actor] = true;  // until a CONNACK 0 says otherwise
      attempts_[event.connection] = std::move(attempt);
      break;
    }
    case history::EventKind::open_failed:
      ++outcomes_.open_failures;
      last_failed_[event.actor] = true;
      break;
    case history::EventKind::sent:
      if (event.packet && std::holds_alternative<Connect>(*event.packet)) {
        ++outcomes_.connects_sent;
        if (auto found = attempts_.find(event.connection); found != attempts_.end()) found->second.connect_sent = true;
      }
      break;
    case history::EventKind::received: {
      const auto* connack = event.packet ? std::get_if<Connack>(&*event.packet) : nullptr;
      if (connack == nullptr) break;
      auto found = attempts_.find(event.connection);
      if (found == attempts_.end() || found->second.connack) break;
      found->second.connack = connack->reason_code;
      if (connack->reason_code == 0) {
        ++outcomes_.accepted;
        outcomes_.accepted_actors.insert(found->second.actor);
        last_failed_[found->second.actor] = false;
      } else {
        if (outcomes_.refused.empty()) outcomes_.refused_version = connack->version;
        ++outcomes_.refused[connack->reason_code];
      }
      break;
    }
    case history::EventKind::closed:
      if (auto found = attempts_.find(event.connection); found != attempts_.end()) {
        finish(outcomes_, last_failed_, found->second);
        attempts_.erase(found);
      }
      break;
    default:
      break;
  }
}

ConnectOutcomes ConnectOutcomeTracker::result() const {
  ConnectOutcomes outcomes = outcomes_;
  auto last_failed = last_failed_;
  for (const auto& [connection, attempt] : attempts_) finish(outcomes, last_failed, attempt);
  for (const auto& [actor, failed] : last_failed) {
    if (failed) outcomes.last_attempt_failed.insert(actor);
  }
  return outcomes;
}

ConnectOutcomes connect_outcomes(const history::History& history) {
  ConnectOutcomeTracker tracker;
  for (const auto& event : history.events) tracker.observe(event);
  return tracker.result();
}

}  // namespace mqtt::simulator
