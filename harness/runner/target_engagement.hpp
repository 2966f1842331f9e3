// Did the target take part in the run at all? A tally of the CONNECTs the harness sent and what became of them,
// and the one line a run prints instead of one line per case when the target accepted none of them: unreachable,
// refused ("target refused CONNECT: return code 5 (not authorized) — check the credentials (-u, -P, ...)") or
// silent. Shared by conform (from each case's client-layer facts), simulate and replay (from their histories),
// so every command says it the same way and exits 3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "history/event.hpp"
#include "results/results.hpp"

namespace mqtt::runner {

struct ConnectTally {
  std::size_t accepted = 0;                     // answered with CONNACK return code 0
  std::map<std::uint8_t, std::size_t> refused;  // return code -> CONNECTs answered with it
  std::size_t unanswered = 0;                   // no CONNACK before the harness gave up waiting
  std::int64_t unanswered_wait_ms = 0;          // the longest such wait (the deadline, for conform)
  std::size_t closed = 0;                       // the target closed the connection before a CONNACK
  std::size_t reset = 0;                        // ... with a reset
  std::size_t unreachable = 0;                  // TCP connections that could not be opened
  std::string unreachable_reason;               // the first one's reason ("connection refused")

  void add(const ConnectTally& other);
  bool attempted() const;  // anything at all was tried
};

// From a recorded history (fleets, replays): every CONNECT sent and the CONNACK, close or silence after it, and
// every connection that could not be opened.
ConnectTally tally_connects(const history::History& history);
ConnectTally tally_connects(const std::vector<history::Event>& events);

// The one line when the target accepted no CONNECT although the harness tried; "" otherwise. The most telling
// cause wins: unreachable (when nothing was reached), then refusal (the most frequent return code), then a
// close, then silence.
std::string target_problem(const ConnectTally& tally);

// MQTT 3.1.1 CONNACK return code meanings: 5 -> "not authorized", 9 -> "reserved".
std::string return_code_meaning(std::uint8_t code);

// "return code 5 (not authorized)".
std::string describe_return_code(std::uint8_t code);

// For runs judged from histories (simulate, replay): sets results.target_problem from the histories of its cases.
void find_target_problem(results::Results& results);

}  // namespace mqtt::runner
