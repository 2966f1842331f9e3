// Violations in report.html, one entry per statement: a run with hundreds of violations of one statement shows
// the statement once, with the count, the clients and cases in its evidence, the first few instances with their
// evidence and sequence diagrams, and the rest as compact rows. Keeps the page within the size budget of
// docs/reports.md.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "results/results.hpp"

namespace mqtt::reports {

// Instances per statement shown in full (with a diagram); the rest are compact rows, at most this many per
// statement (results.json keeps all of them).
inline constexpr std::size_t full_instances_per_statement = 3;
inline constexpr std::size_t compact_rows_per_statement = 500;
// Diagrams on the whole page; later instances are shown without one.
inline constexpr std::size_t diagrams_per_page = 60;

// One violation in full: statement, explanation, requirement, acceptance, and a diagram while `diagrams_left` > 0
// (decremented when drawn).
std::string violation_html(const results::Results& results, const results::CaseResult& result,
                           const results::Violation& violation, std::size_t& diagrams_left);

// A case's violations grouped by statement as collapsible groups (the first open).
std::string grouped_violations_html(const results::Results& results, const results::CaseResult& result,
                                    const std::vector<const results::Violation*>& violations,
                                    std::size_t& diagrams_left);

// The overview near the top: one row per violated statement with its count, clients and cases, linking to the
// groups; "" when nothing was violated.
std::string violations_overview_html(const results::Results& results);

// The unaccepted and accepted violations of the run: results.violations, or the cases' own when that is empty.
std::vector<const results::Violation*> all_violations(const results::Results& results);

}  // namespace mqtt::reports
