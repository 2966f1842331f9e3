// What became of a case's CONNECTs, from what the client layer returned: accepted, refused with a return code the
// case did not ask for, or never answered. Feeds CaseRun's facts (UnacceptedConnect, ConnectTally) so the judgement
// can tell a case that was not exercised from one that passed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "client/session.hpp"
#include "runner/case_execution.hpp"

namespace mqtt::runner {

class ConnectOutcomes {
 public:
  // A note "expect-auth-failure": the next CONNECT of `client` ("" any client) is meant to be refused.
  void expect_refusal(const std::string& client);

  // A `connect` step's result. Returns whether the case can go on with this client: not after an unexpected
  // refusal or no CONNACK at all.
  bool connect_step(const std::string& client, std::uint32_t connection, const client::RequestResult& result,
                    int timeout_ms, CaseRun& run);

  // A CONNECT written by a `send` step; `as_written`: the target has credentials and the bytes went without them.
  void hand_made(const std::string& client, std::uint32_t connection, bool as_written);
  // Every CONNACK received (only the first of a connection counts).
  void connack(std::uint32_t connection, std::uint8_t return_code);
  // At the end of the case: a hand-made CONNECT may be malformed on purpose, so no CONNACK is no fact about the
  // target; a refusal for its credentials (4 or 5) the case did not ask for is.
  void judge_hand_made(CaseRun& run) const;

 private:
  bool take_refusal_expectation(const std::string& client);

  struct HandMade {
    std::string client;
    std::uint32_t connection = 0;
    bool as_written = false;
    bool refusal_expected = false;
  };
  std::string refusal_expected_for_;  // the client ("*" any) whose next CONNECT is meant to be refused
  std::vector<HandMade> hand_made_;
  std::map<std::uint32_t, std::uint8_t> first_connack_;  // connection -> return code of its first CONNACK
};

}  // namespace mqtt::runner
