// Executes one case against a target with probe clients, recording one history whose events feed a
// model::Checker as they happen (so `settle` can ask what the broker still owes). Every step and the whole
// case have hard deadlines: a broker that never answers ends the case as an error, with its history kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "client/connection.hpp"
#include "client/target_url.hpp"
#include "history/event.hpp"
#include "model/checker.hpp"
#include "runner/case.hpp"
#include "runner/profile.hpp"

namespace mqtt::runner {

struct ExecutionContext {
  client::TargetUrl target;  // credentials from the profile are filled in when the URL has none
  Profile profile;
  std::uint64_t seed = 0;
  std::chrono::milliseconds cleanup_budget{3000};  // after the case: closing clients, clearing retained topics
};

struct CaseRun {
  history::History history;
  model::Verdicts verdicts;
  std::optional<std::string> error;  // harness-side: unreachable target, case timeout, bad placeholder
  bool unreachable = false;          // the error is that the target could not be connected to
  double duration_ms = 0;
};

// Runs `the_case` on the calling thread, driving `loop`; never throws for anything the broker does.
CaseRun execute_case(const Case& the_case, const ExecutionContext& context, client::EventLoop& loop);

}  // namespace mqtt::runner
