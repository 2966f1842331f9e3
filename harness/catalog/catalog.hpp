// The catalog of MQTT normative statements: data compiled into the binary from scenarios/statements/*.json.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace mqtt::catalog {

struct Statement {
  std::string id;             // "MQTT-3.3.1-6"
  std::string spec;           // "3.1.1"
  std::string section;        // "3.3.1"
  std::string level;          // "MUST", "SHOULD" or "MAY"
  std::string holder;         // "server", "client" or "both"
  std::string observability;  // "direct", "policed", "conditional", "none"
  std::string text;           // our own paraphrase
};

std::span<const Statement> statements(std::string_view spec = "3.1.1");
const Statement* find(std::string_view id, std::string_view spec = "3.1.1");  // nullptr when unknown

}  // namespace mqtt::catalog
