// Pieces shared by the single-run report and the comparison page.
#pragma once

#include <string>
#include <string_view>

#include "results/results.hpp"

namespace mqtt::reports {

std::string_view report_stylesheet();
std::string verdict_badge(results::Verdict verdict);
std::string section_group(std::string_view section);  // "3.3.1" -> "3.3"; "" -> "other"
std::string anchor_id(std::string_view text);          // characters safe in an id attribute
// "FAILED", "ERRORS", "INCONCLUSIVE", "PASSED WITH WARNINGS", "PASSED WITH ACCEPTED DEVIATIONS", "PASSED" or
// "NOTHING RAN", in the order of the exit codes' precedence; with a target problem, "TARGET DID NOT TAKE PART";
// interrupted, as below.
std::string overall_verdict(const results::Summary& summary);
std::string overall_verdict(const results::Results& results);
// The CSS class of that verdict: "failed", "error", "inconclusive", "warned", "accepted", "passed", "skipped".
std::string overall_class(const results::Results& results);
// An interrupted run's verdict is "INTERRUPTED" ("FAILED (INTERRUPTED)" when what was recorded already fails), and
// every report says so at the top with this sentence: "Interrupted by SIGINT after 12.3 s: partial results ...".
std::string interruption_banner(const results::Interruption& interruption);

}  // namespace mqtt::reports
