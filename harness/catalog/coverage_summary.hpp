// How much of a statement catalog a set of cases reaches: what a broker test can observe at all, and how much of
// that some case exercises. Pure counting over catalog rows, shared by `list --summary` and the tests.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"

namespace mqtt::catalog {

// "none" is the only class a broker test can never see; conditional statements become observable once the
// broker declares the capability (or the profile the configuration) they depend on.
bool observable_by_broker_test(const Statement& statement);

struct CoverageSummary {
  std::size_t statements = 0;
  std::map<std::string, std::size_t> by_observability;  // "direct", "policed", "conditional", "none"
  std::size_t observable = 0;                            // every class but "none"
  std::size_t exercised = 0;                             // observable statements named by at least one case
  std::size_t exercised_unconditionally = 0;             // of those, direct or policed
  std::size_t unconditionally_observable = 0;            // direct + policed
  std::vector<std::string> not_observable;               // ids, in spec order
  std::vector<std::string> observable_not_exercised;     // ids, in spec order
};

// `cases_by_statement` maps a statement id to the cases naming it; ids the catalog does not hold are ignored.
CoverageSummary summarise_coverage(std::span<const Statement> statements,
                                   const std::map<std::string, std::vector<std::string>>& cases_by_statement);

}  // namespace mqtt::catalog
