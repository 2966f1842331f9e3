// The catalog of MQTT normative statements: data compiled into the binary from scenarios/statements/*.json.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mqtt::catalog {

struct Statement {
  std::string id;             // "MQTT-3.3.1-6"
  std::string spec;           // "3.1.1" or "5.0"
  std::string section;        // "3.3.1"
  std::string level;          // "MUST", "SHOULD" or "MAY"
  std::string holder;         // "server", "client" or "both"
  std::string observability;  // "direct", "policed", "conditional", "none"
  std::string text;           // our own paraphrase
};

// Rows in spec order; empty for a spec without a catalog. The same id can mean different things in 3.1.1 and 5.0
// (MQTT-3.1.2-4 is about clean session in one and Clean Start in the other), so always name the spec.
std::span<const Statement> statements(std::string_view spec = "3.1.1");
const Statement* find(std::string_view id, std::string_view spec = "3.1.1");  // nullptr when unknown
std::vector<std::string> specs();  // the specs that have a catalog, e.g. {"3.1.1", "5.0"}

}  // namespace mqtt::catalog
