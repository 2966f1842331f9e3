// Executes one case against a target with probe clients, recording one history whose events feed a
// model::Checker as they happen (so `settle` can ask what the broker still owes). Every step and the whole
// case have hard deadlines: a broker that never answers cannot hang a run. What the client layer saw of the
// target's answers (refused or unanswered CONNECTs, requests never answered) is kept as facts next to the
// checker's verdicts, so the judgement can tell "not exercised" from "passed".
#pragma once

#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "client/connection.hpp"
#include "client/target_url.hpp"
#include "history/event.hpp"
#include "model/checker.hpp"
#include "runner/case.hpp"
#include "runner/profile.hpp"
#include "runner/target_engagement.hpp"

namespace mqtt::runner {

struct ExecutionContext {
  client::TargetUrl target;  // credentials from the profile are filled in when the URL has none
  Profile profile;
  std::uint64_t seed = 0;
  std::chrono::milliseconds cleanup_budget{3000};  // after the case: closing clients, clearing retained topics
  // Requested when the run is interrupted: the case stops at once (a wait in progress ends early), cleans up
  // within cleanup_budget and is judged on what it recorded.
  std::stop_token stop;
};

// A CONNECT the target did not accept although the case did not ask for a refusal.
struct UnacceptedConnect {
  std::string client;                       // the case's client name
  std::uint32_t connection = 0;
  bool hand_made = false;                   // sent by a `send` step rather than a `connect` step
  bool as_written = false;                  // hand-made and sent without the target's credentials
  std::optional<std::uint8_t> return_code;  // refused: the CONNACK's return code; unset: no CONNACK at all
  client::WaitOutcome outcome = client::WaitOutcome::timeout;  // no CONNACK: the deadline passed or it closed
  std::optional<history::CloseReason> close_reason;
  int timeout_ms = 0;                       // the step's deadline
};

// A step that waited for the target's answer and did not get it.
struct UnansweredStep {
  std::string client;
  std::string what;                      // "subscribe", "publish", "wait for puback", "settle"
  client::WaitOutcome outcome = client::WaitOutcome::timeout;  // timeout, or closed while an answer was owed
  int timeout_ms = 0;
  std::string owed;                      // what the checker still expected then (one description)
};

// Where an inserted password sits in a recorded event's raw bytes, so it can be masked before any report.
struct InsertedSecret {
  std::uint64_t sequence = 0;
  std::size_t offset = 0;
  std::size_t size = 0;
};

struct CaseRun {
  history::History history;
  model::Verdicts verdicts;
  std::optional<std::string> error;        // harness-side: bad placeholder, unusable step, internal error
  std::optional<std::string> unreachable;  // the target could not be connected to: the reason
  std::optional<std::string> timed_out;    // the case hit its overall deadline: the sentence saying where
  std::optional<std::string> interrupted;  // the run was interrupted during the case: where ("at step 3 of 7")
  // A request the client withheld because the target's CONNACK declared it cannot take it (MQTT 5.0: Maximum
  // QoS, Retain Available, ...): that part of the case was not exercised. The first one, as a sentence.
  std::optional<std::string> withheld;
  std::vector<UnacceptedConnect> unaccepted_connects;  // in history order
  std::vector<UnansweredStep> unanswered;              // in history order
  ConnectTally connects;                   // every CONNECT of the case and what became of it
  std::vector<InsertedSecret> secrets;
  double duration_ms = 0;
};

// Runs `the_case` on the calling thread, driving `loop`; never throws for anything the broker does.
CaseRun execute_case(const Case& the_case, const ExecutionContext& context, client::EventLoop& loop);

}  // namespace mqtt::runner
