#include "runner/connect_outcomes.hpp"

#include <algorithm>

namespace mqtt::runner {

void ConnectOutcomes::expect_refusal(const std::string& client) { refusal_expected_for_ = client.empty() ? "*" : client; }

bool ConnectOutcomes::take_refusal_expectation(const std::string& client) {
  if (refusal_expected_for_.empty() || (refusal_expected_for_ != "*" && refusal_expected_for_ != client)) {
    return false;
  }
  refusal_expected_for_.clear();
  return true;
}

bool ConnectOutcomes::connect_step(const std::string& client, std::uint32_t connection,
                                   const client::RequestResult& result, int timeout_ms, CaseRun& run) {
  const bool refusal_expected = take_refusal_expectation(client);
  UnacceptedConnect unaccepted{client, connection, false, false, std::nullopt, result.outcome, result.close_reason,
                               timeout_ms};
  if (result.ok()) {
    const auto* answer = std::get_if<Connack>(&*result.reply);
    const std::uint8_t code = answer != nullptr ? answer->reason_code : 0;
    if (code == 0) {
      ++run.connects.accepted;
      return true;
    }
    ++run.connects.refused[code];
    if (refusal_expected) return true;  // what the case asked for: it goes on to see what follows
    unaccepted.return_code = code;
  } else if (result.outcome == client::WaitOutcome::closed) {
    ++(result.close_reason == history::CloseReason::reset ? run.connects.reset : run.connects.closed);
  } else {
    ++run.connects.unanswered;
    run.connects.unanswered_wait_ms = std::max<std::int64_t>(run.connects.unanswered_wait_ms, timeout_ms);
  }
  run.unaccepted_connects.push_back(std::move(unaccepted));
  return false;
}

void ConnectOutcomes::hand_made(const std::string& client, std::uint32_t connection, bool as_written) {
  hand_made_.push_back(HandMade{client, connection, as_written, take_refusal_expectation(client)});
}

void ConnectOutcomes::connack(std::uint32_t connection, std::uint8_t return_code) {
  first_connack_.emplace(connection, return_code);
}

void ConnectOutcomes::judge_hand_made(CaseRun& run) const {
  for (const auto& connect : hand_made_) {
    const auto found = first_connack_.find(connect.connection);
    if (found == first_connack_.end()) continue;
    const std::uint8_t code = found->second;
    if (code == 0) {
      ++run.connects.accepted;
      continue;
    }
    ++run.connects.refused[code];
    if ((code == 4 || code == 5) && !connect.refusal_expected) {
      run.unaccepted_connects.push_back(UnacceptedConnect{connect.client, connect.connection, true, connect.as_written,
                                                          code, client::WaitOutcome::packet, std::nullopt, 0});
    }
  }
}

}  // namespace mqtt::runner
