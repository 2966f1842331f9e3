#include "runner/target_engagement.hpp"

#include "codec/reason_codes.hpp"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

namespace mqtt::runner {

void ConnectTally::add(const ConnectTally& other) {
  accepted += other.accepted;
  for (const auto& [code, count] : other.refused) refused[code] += count;
  unanswered += other.unanswered;
  unanswered_wait_ms = std::max(unanswered_wait_ms, other.unanswered_wait_ms);
  closed += other.closed;
  reset += other.reset;
  unreachable += other.unreachable;
  if (unreachable_reason.empty()) unreachable_reason = other.unreachable_reason;
}

bool ConnectTally::attempted() const {
  return accepted + unanswered + closed + reset + unreachable > 0 || !refused.empty();
}

ConnectTally tally_connects(const history::History& history) { return tally_connects(history.events); }

ConnectTally tally_connects(const std::vector<history::Event>& events) {
  struct Attempt {
    std::int64_t sent_ns = 0;
    bool answered = false;
    bool ended = false;
  };
  ConnectTally tally;
  std::unordered_map<std::uint32_t, Attempt> attempts;  // connection -> its latest CONNECT
  std::int64_t end_ns = 0;
  auto unanswered = [&tally](std::int64_t waited_ns) {
    ++tally.unanswered;
    tally.unanswered_wait_ms = std::max(tally.unanswered_wait_ms, waited_ns / 1'000'000);
  };
  for (const auto& event : events) {
    end_ns = std::max(end_ns, event.time_ns);
    switch (event.kind) {
      case history::EventKind::open_failed:
        ++tally.unreachable;
        if (tally.unreachable_reason.empty()) tally.unreachable_reason = event.detail;
        break;
      case history::EventKind::sent:
        if (event.packet && std::holds_alternative<Connect>(*event.packet)) {
          attempts[event.connection] = Attempt{event.time_ns, false, false};
        }
        break;
      case history::EventKind::received:
        if (event.packet && std::holds_alternative<Connack>(*event.packet)) {
          auto found = attempts.find(event.connection);
          if (found == attempts.end() || found->second.answered) break;
          found->second.answered = true;
          const auto code = std::get<Connack>(*event.packet).reason_code;
          if (code == 0) {
            ++tally.accepted;
          } else {
            ++tally.refused[code];
          }
        }
        break;
      case history::EventKind::closed: {
        auto found = attempts.find(event.connection);
        if (found == attempts.end() || found->second.answered || found->second.ended) break;
        found->second.ended = true;
        const auto reason = event.close_reason.value_or(history::CloseReason::clean_eof);
        if (reason == history::CloseReason::reset) {
          ++tally.reset;
        } else if (reason == history::CloseReason::clean_eof || reason == history::CloseReason::protocol_error) {
          ++tally.closed;
        } else {
          unanswered(event.time_ns - found->second.sent_ns);  // the harness gave up waiting
        }
        break;
      }
      default: break;
    }
  }
  for (const auto& [connection, attempt] : attempts) {
    if (!attempt.answered && !attempt.ended) unanswered(end_ns - attempt.sent_ns);
  }
  return tally;
}

std::string return_code_meaning(std::uint8_t code) {
  // 3.1.1 return codes are 0-5 and 5.0's refusals 0x80 and up, so the code alone says which table.
  return std::string(connack_code_meaning(code < 0x80 ? ProtocolVersion::v3_1_1 : ProtocolVersion::v5, code));
}

std::string describe_return_code(std::uint8_t code) {
  return fmt::format("return code {} ({})", static_cast<int>(code), return_code_meaning(code));
}

std::string target_problem(const ConnectTally& tally) {
  if (tally.accepted > 0 || !tally.attempted()) return "";
  const bool reached = tally.unanswered + tally.closed + tally.reset > 0 || !tally.refused.empty();
  if (!reached) return "target unreachable: " + tally.unreachable_reason;
  if (!tally.refused.empty()) {
    const auto most = std::max_element(tally.refused.begin(), tally.refused.end(),
                                       [](const auto& left, const auto& right) { return left.second < right.second; });
    const bool credentials = most->first == 4 || most->first == 5 || most->first == 0x86 || most->first == 0x87;
    return "target refused CONNECT: " + describe_return_code(most->first) +
           (credentials ? " — check the credentials in --target (user:password@host) or the profile" : "");
  }
  if (tally.reset > 0 && tally.reset >= tally.closed) return "target reset the connection before answering CONNECT";
  if (tally.closed > 0 && tally.closed >= tally.unanswered) return "target closed the connection before answering CONNECT";
  return fmt::format("target did not answer CONNECT within {} ms", tally.unanswered_wait_ms);
}

void find_target_problem(results::Results& results) {
  ConnectTally tally;
  for (const auto& result : results.cases) tally.add(tally_connects(result.history));
  results.target_problem = target_problem(tally);
}

}  // namespace mqtt::runner
