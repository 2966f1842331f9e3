// What became of every connection attempt in a history: accepted, refused (by return code), never answered, or
// never opened. A fleet or a replay whose sessions the target refused or ignored did not put the broker to the
// test, whatever the checker says about the rest; these counts let the runner say so (fleet_verdict.hpp,
// replay_run.hpp) and the statistics show it. Pure, computed from the history alone.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "history/event.hpp"

namespace mqtt::simulator {

struct ConnectOutcomes {
  std::uint64_t opened = 0;         // TCP connections established
  std::uint64_t open_failures = 0;  // TCP connects that failed
  std::uint64_t connects_sent = 0;
  std::uint64_t accepted = 0;                     // CONNACK with code 0
  std::map<std::uint8_t, std::uint64_t> refused;  // CONNACK return (3.1.1) or reason (5.0) code -> how many
  ProtocolVersion refused_version = ProtocolVersion::v3_1_1;  // the version of the first refused CONNECT
  // A CONNECT sent that got no CONNACK before its connection closed or the history ended.
  std::uint64_t unanswered = 0;
  // Connections an actor opened after its first (as in the fleet statistics' "reconnects"), and how many of those
  // never got a CONNACK at all.
  std::uint64_t reconnects = 0;
  std::uint64_t reconnects_unanswered = 0;
  std::set<std::string> accepted_actors;  // actors that got at least one CONNACK 0
  // Actors whose last attempt (a failed TCP connect, or a connection without CONNACK 0) left them unconnected.
  std::set<std::string> last_attempt_failed;

  std::uint64_t refused_total() const;
  // The most frequent refusal code (the lowest on a tie); 0 when nothing was refused.
  std::uint8_t usual_refusal() const;
};

// The same, fed one event at a time (the fleet's statistics while it runs): holds the open connection attempts
// and one flag per actor, never the history.
class ConnectOutcomeTracker {
 public:
  void observe(const history::Event& event);
  // The outcomes so far; attempts still open end here (unanswered if no CONNACK came).
  ConnectOutcomes result() const;
  std::size_t tracked() const { return attempts_.size() + last_failed_.size() + opened_actors_.size(); }

 private:
  struct Attempt {
    std::string actor;
    bool reconnect = false;
    bool connect_sent = false;
    std::optional<std::uint8_t> connack;
  };
  static void finish(ConnectOutcomes& outcomes, std::unordered_map<std::string, bool>& last_failed,
                     const Attempt& attempt);

  ConnectOutcomes outcomes_;
  std::unordered_map<std::uint32_t, Attempt> attempts_;  // by connection
  std::unordered_map<std::string, bool> last_failed_;    // actor -> whether its latest attempt failed so far
  std::unordered_set<std::string> opened_actors_;        // actors that opened a connection: the next is a reconnect
};

ConnectOutcomes connect_outcomes(const history::History& history);

}  // namespace mqtt::simulator
