// Whether new subscriptions got the right retained message, from the history alone: for every topic a client
// (or a retained will) wrote with RETAIN=1, each later SUBSCRIBE that matched it is one check. A statistic
// for people reading a fleet run; whether a statement was broken is the checker's call. Pure.
//
// What counts as right: a write took effect somewhere between its sending (for a will, the end of the
// session) and its confirmation (a PUBACK or PUBREC for QoS 1 and 2; for QoS 0 the answer to a later request
// on the same connection; for a will, a copy seen by a subscriber). The value of any write sent before the
// SUBACK arrived may be the stored one, unless that write was confirmed before another one, itself confirmed
// before the SUBSCRIBE was sent, had even begun: that one surely overwrote it. An empty payload clears the
// topic ("nothing" is then right), and so is "nothing" while no write was surely done.
#pragma once

#include <cstddef>
#include <memory>

#include <nlohmann/json.hpp>

#include "history/event.hpp"

namespace mqtt::simulator {

// {"topics": topics written with RETAIN=1, "subscriptions": SUBSCRIBE packets with at least one check,
//  "checks", "correct", "stale" (an older value of the topic), "unexpected" (a value never written in this
//  history), "missing" (none although one was stored), "delivered_when_cleared", "unjudged" (the connection
//  heard nothing from the broker after the SUBACK, so a copy may still have been on its way),
//  "first_problem": {"kind", "actor", "topic", "at_s", "got", "expected"}};
// {} when nothing was written with RETAIN=1.
nlohmann::json compute_retained_stats(const history::History& history);

// The same, fed one event at a time. A SUBSCRIBE is judged once its connection closed and the writes it reads are
// answered, and then dropped; a write no later SUBSCRIBE can get goes (its value stays, to tell a stale copy from
// an unexpected one). It holds the open connections' SUBSCRIBEs, per topic the writes since the latest confirmed
// one (and those still unanswered) and the distinct values written: it follows devices and topics, not reconnects.
class RetainedStatistics {
 public:
  RetainedStatistics();
  RetainedStatistics(RetainedStatistics&&) noexcept;
  RetainedStatistics& operator=(RetainedStatistics&&) noexcept;
  ~RetainedStatistics();
  void observe(const history::Event& event);
  nlohmann::json finish() const;  // as compute_retained_stats
  std::size_t tracked() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mqtt::simulator
