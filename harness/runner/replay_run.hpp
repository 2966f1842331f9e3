// `replay`: re-drives the client sessions of a capture (capture::ReplayPlan) against a live target, in the run's
// namespace, each session on its own schedule, and says whether the target took part.
//
// Every broker-facing wait is bounded, so a silent or vanishing target cannot stretch a replay:
// - before anything, one TCP connect within the connect deadline (else: unreachable, nothing runs);
// - timed: each step is due at its capture time / speed, sessions run side by side. A step first waits for the
//   answers its captured client had seen before it, but neither a wait nor an open goes past the step's due time +
//   answer deadline + connect deadline, so no session falls further behind the capture than that; a session whose
//   answers did not come in time stops waiting for them (the target has shown it will not answer it in time), and
//   a session whose open would start later than that is not opened;
// - as fast as possible: one step after another in capture order (nothing overtakes a waiting step); each open
//   waits at most the connect deadline and each wait for answers at most the answer deadline; a session whose
//   answers did not come in time stops waiting for them, and when it had got nothing at all (a silent target), no
//   step waits until the target sends something (a silent target costs one answer deadline, not one per session);
// - after an open runs out of time no further session is opened; then the settle time, and every session closes;
// - an interruption (ReplayRunOptions::stop) ends it at once: no settle time, every open session closes.
// replay_worst_case() gives the bound; `replay` prints it before it starts.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "capture/replay_plan.hpp"
#include "client/target_url.hpp"
#include "history/event.hpp"
#include "runner/run_namespace.hpp"

namespace mqtt::runner {

struct ReplayRunOptions {
  client::TargetUrl target;
  RunNamespace run_namespace;  // applied to every replayed packet (run_namespace.hpp)
  double speed = 1.0;          // capture time / speed; ignored when as fast as possible
  bool as_fast_as_possible = false;
  std::chrono::milliseconds answer_deadline{2'000};
  std::chrono::milliseconds settle{2'000};
  std::chrono::milliseconds connect_deadline{5'000};
  // Requested to interrupt the replay: no further step runs, a wait in progress ends at once, the settle time is
  // skipped and every open session is closed; the history recorded so far is returned as usual.
  std::stop_token stop;
};

struct ReplayRun {
  std::string unreachable;  // the target accepted no TCP connection at the start (the reason); nothing ran
  history::History history;
  // Per plan session: the live connection it ran on, when it was opened.
  std::vector<std::optional<std::uint32_t>> connections;
  std::size_t open_failures = 0;
  std::string first_open_failure;
  std::size_t sessions_not_opened = 0;  // skipped because an earlier open had run out of time
  std::size_t sessions_unanswered = 0;  // sessions that stopped waiting for answers that did not come in time
  // Why the replay is no test of the target, one sentence each (empty when it is), and the one line for a target
  // that accepted no session at all (every CONNECT refused or unanswered).
  std::vector<std::string> inconclusive;
  std::string target_problem;
  double duration_ms = 0;
  // Set when ReplayRunOptions::stop ended the replay early: when, counted like duration_ms.
  std::optional<double> interrupted_at_ms;
};

// The longest the replay of `plan` may take (the worst case above).
std::chrono::milliseconds replay_worst_case(const capture::ReplayPlan& plan, const ReplayRunOptions& options);

ReplayRun run_replay(const capture::ReplayPlan& plan, const ReplayRunOptions& options);

}  // namespace mqtt::runner
