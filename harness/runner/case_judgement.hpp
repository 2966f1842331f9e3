// From a case's run to its result: verdict, message, violations with the history slice that proves each.
// Pure: no I/O.
#pragma once

#include <unordered_map>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "results/results.hpp"
#include "runner/case.hpp"
#include "runner/case_execution.hpp"

namespace mqtt::runner {

// error when the run had a harness-side problem; failed: any MUST violation (whether or not its statement is in the
// case's list: the checker judges the whole history); warned: only SHOULD violations; inconclusive: the checker
// left an obligation unresolved; passed otherwise. judge_case then makes a would-be pass inconclusive for the
// reasons below. (Accepted deviations are applied later, to the results.)
// `unresolved_is_inconclusive`: a case is run to settle what it starts, so anything it leaves unresolved makes
// it inconclusive; a fleet, capture or replay history ends with obligations still open by nature (messages in
// flight, a capture cut short), and decides what was exercised from its own facts instead.
results::Verdict verdict_of(const model::Verdicts& verdicts, bool harness_error,
                            bool unresolved_is_inconclusive = true);

// Why a run did not exercise what its case claims, in one sentence, or nullopt: the run was interrupted during the
// case, the target was unreachable, the case hit its timeout, a CONNECT it needed was refused or never answered, the checker left an obligation
// unresolved, or a step never got the answer it waited for. The first of these, in that order.
std::optional<std::string> inconclusive_reason(const CaseRun& run);

// A case passes only when the history exercised every statement it claims (issue 11 §1): the claimed statements
// the checker never put in `exercised`, as one sentence ("the history never exercised MQTT-4.7.2-1, which the case
// claims"), or nullopt when there are none.
std::optional<std::string> unexercised_reason(const Case& the_case, const model::Verdicts& verdicts);

// The evidence events plus their context: the CONNECT sent on every connection the evidence involves, in history
// order. Indexes the history once, so a run with thousands of violations over a long fleet or capture history
// does not rescan it per violation.
class EvidenceSlicer {
 public:
  explicit EvidenceSlicer(const history::History& history);
  std::vector<history::Event> slice(const std::vector<std::uint64_t>& evidence) const;

 private:
  const history::History& history_;
  std::unordered_map<std::uint64_t, std::size_t> index_of_sequence_;
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> connects_by_connection_;
};

// One-off form of EvidenceSlicer::slice.
std::vector<history::Event> evidence_slice(const history::History& history, const std::vector<std::uint64_t>& evidence);

results::CaseResult judge_case(const Case& the_case, CaseRun run, bool keep_history = true);
results::CaseResult skipped_case(const Case& the_case, std::string reason);

// The statements table: every catalog statement of `spec` with its verdict and the cases that cover it. failed if
// an unaccepted MUST violation of it is anywhere, warned if only an unaccepted SHOULD one, accepted if it was
// violated only by accepted deviations; otherwise passed if a covering case passed (or warned, or was accepted for
// another statement), error if covering cases only errored, inconclusive if they ran but none of those, skipped if
// none ran.
std::vector<results::StatementResult> statement_table(std::string_view spec, const std::vector<Case>& cases,
                                                      const std::vector<results::CaseResult>& case_results);

}  // namespace mqtt::runner
