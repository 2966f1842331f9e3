// What became of the fleet's last wills, from the history alone: how many were due (a session with a will that
// the broker accepted ended without the client's DISCONNECT), delivered to a subscriber, late, missing (a
// subscriber had asked for the topic before the session ended and never got it) or unobserved (nobody asked).
// Sessions a broker restart ended are counted apart: their wills are allowed, not owed.
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
// The per-second series have at most this many entries; a longer run sums `interval_s` seconds into each.
inline constexpr std::size_t will_series_points = 7200;

// {"due", "delivered", "late", "missing", "unobserved", "latency_ms": percentiles of session end → first copy,
//  "ended_by_broker_restart": {"sessions", "published_anyway"}: sessions with a will that a broker restart ended
//  (the `broker-restart` fault), which the broker may but need not publish, as the checker judges them; they are
//  not in due, missing, late or the latency,
//  "due_per_second": [...], "delivered_per_second": [...] (an entry per `interval_s` seconds: 1 up to 7,200 s)};
// {} when no CONNECT carried a will.
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
