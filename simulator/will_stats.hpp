// What became of the fleet's last wills, from the history alone: how many were due (a session with a will that
// the broker accepted ended without the client's DISCONNECT), delivered to a subscriber, late, missing (a
// subscriber had asked for the topic before the session ended and never got it) or unobserved (nobody asked).
// A statistic for people reading a will storm; whether a will was owed is the checker's call. Pure.
#pragma once

#include <cstddef>
#include <memory>

#include <nlohmann/json.hpp>

#include "history/event.hpp"

namespace mqtt::simulator {

// Grace after the moment the broker must have noticed the end of the session (the close, or one and a half keep
// alive periods after the client's last packet when the link went silent) before a delivered will counts as late.
inline constexpr double will_grace_ms = 1000;

// {"due", "delivered", "late", "missing", "unobserved", "latency_ms": percentiles of session end → first copy,
//  "due_per_second": [...], "delivered_per_second": [...]}; {} when no CONNECT carried a will.
nlohmann::json compute_will_stats(const history::History& history);

// The same, fed one event at a time. Holds the sessions with a will that are open or ended owing one, the will
// copies received and each actor's filters: it grows with connections and wills, not with messages.
class WillStatistics {
 public:
  WillStatistics();
  WillStatistics(WillStatistics&&) noexcept;
  WillStatistics& operator=(WillStatistics&&) noexcept;
  ~WillStatistics();
  void observe(const history::Event& event);
  nlohmann::json finish() const;  // as compute_will_stats
  std::size_t tracked() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mqtt::simulator
