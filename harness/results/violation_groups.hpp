// Violations grouped by the statement they break: a fleet whose broker drops every will breaks one statement
// hundreds of times, and every output shows that statement once, with the count, the clients and cases in its
// evidence, and the first few instances.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "results/results.hpp"

namespace mqtt::results {

struct ViolationGroup {
  std::string statement;                       // "MQTT-3.1.2-8"
  std::string level;                           // of the first instance
  std::vector<const Violation*> instances;     // in the order given
  std::set<std::string> clients;               // actors in the instances' evidence
  std::set<std::string> cases;                 // case ids of the instances
};

// Groups in order of each statement's first instance. Accepted violations are left out unless
// `include_accepted`. The pointers refer into `violations`.
std::vector<ViolationGroup> group_by_statement(const std::vector<Violation>& violations, bool include_accepted = false);
std::vector<ViolationGroup> group_by_statement(const std::vector<const Violation*>& violations,
                                               bool include_accepted = false);

}  // namespace mqtt::results
