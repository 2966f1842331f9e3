// Hand-written results for report tests: a passing case, a failing case with a short history slice, a skipped
// case, a warned case and an observation. The broker password is a known marker so tests can prove it never
// reaches an output.
#pragma once

#include <string>
#include <vector>

#include "results/results.hpp"

namespace mqtt::reports::testing {

inline constexpr const char* secret_password = "hunter2-secret";
inline constexpr const char* secret_password_hex = "68756e746572322d736563726574";

results::Results sample_results();

// MQTT type numbers (as Wireshark's mqtt.msgtype prints them) of every sent/received packet, in history order.
std::vector<int> packet_types_in_order(const std::vector<history::Event>& events);

// Runs a shell command with its stdout captured; stderr is discarded.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult run_command(const std::string& command);

std::string read_file(const std::string& path);

}  // namespace mqtt::reports::testing
