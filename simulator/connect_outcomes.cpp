#include "simulator/connect_outcomes.hpp"

#include <unordered_map>

namespace mqtt::simulator {
namespace {

struct Attempt {
  std::string actor;
  bool reconnect = false;
  bool connect_sent = false;
  std::optional<std::uint8_t> connack;
};

}  // namespace

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

ConnectOutcomes connect_outcomes(const history::History& history) {
  ConnectOutcomes outcomes;
  std::unordered_map<std::uint32_t, Attempt> attempts;  // by connection
  std::unordered_map<std::string, bool> last_failed;    // actor -> whether its latest attempt failed so far
  std::set<std::string> seen;
  const auto finish = [&](const Attempt& attempt) {
    const bool accepted = attempt.connack == std::uint8_t{0};
    if (attempt.connect_sent && !attempt.connack) ++outcomes.unanswered;
    if (attempt.reconnect && !attempt.connack) ++outcomes.reconnects_unanswered;
    last_failed[attempt.actor] = !accepted;
  };
  for (const auto& event : history.events) {
    switch (event.kind) {
      case history::EventKind::open: {
        ++outcomes.opened;
        Attempt attempt;
        attempt.actor = event.actor;
        attempt.reconnect = !seen.insert(event.actor).second;
        if (attempt.reconnect) ++outcomes.reconnects;
        last_failed[event.actor] = true;  // until a CONNACK 0 says otherwise
        attempts[event.connection] = std::move(attempt);
        break;
      }
      case history::EventKind::open_failed:
        ++outcomes.open_failures;
        last_failed[event.actor] = true;
        break;
      case history::EventKind::sent:
        if (event.packet && std::holds_alternative<Connect>(*event.packet)) {
          ++outcomes.connects_sent;
          if (auto found = attempts.find(event.connection); found != attempts.end()) found->second.connect_sent = true;
        }
        break;
      case history::EventKind::received: {
        const auto* connack = event.packet ? std::get_if<Connack>(&*event.packet) : nullptr;
        if (connack == nullptr) break;
        auto found = attempts.find(event.connection);
        if (found == attempts.end() || found->second.connack) break;
        found->second.connack = connack->reason_code;
        if (connack->reason_code == 0) {
          ++outcomes.accepted;
          outcomes.accepted_actors.insert(found->second.actor);
          last_failed[found->second.actor] = false;
        } else {
          if (outcomes.refused.empty()) outcomes.refused_version = connack->version;
          ++outcomes.refused[connack->reason_code];
        }
        break;
      }
      case history::EventKind::closed:
        if (auto found = attempts.find(event.connection); found != attempts.end()) {
          finish(found->second);
          attempts.erase(found);
        }
        break;
      default:
        break;
    }
  }
  for (const auto& [connection, attempt] : attempts) finish(attempt);  // still open when the history ended
  for (const auto& [actor, failed] : last_failed) {
    if (failed) outcomes.last_attempt_failed.insert(actor);
  }
  return outcomes;
}

}  // namespace mqtt::simulator
