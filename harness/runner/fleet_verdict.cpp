#include "runner/fleet_verdict.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "runner/target_refusal.hpp"

namespace mqtt::runner {
namespace {

std::uint64_t number(const nlohmann::json& stats, const char* section, const char* key) {
  const auto found = stats.find(section);
  if (found == stats.end() || !found->is_object()) return 0;
  const auto value = found->find(key);
  if (value == found->end() || !value->is_number_integer()) return 0;
  return value->is_number_unsigned() ? value->get<std::uint64_t>()
                                     : static_cast<std::uint64_t>(std::max<std::int64_t>(0, value->get<std::int64_t>()));
}

ProtocolVersion refused_version(const nlohmann::json& fleet) {
  const std::string text = fleet.value("connack_refused_version", std::string("3.1.1"));
  if (text == "5.0") return ProtocolVersion::v5;
  if (text == "3.1") return ProtocolVersion::v3_1;
  return ProtocolVersion::v3_1_1;
}

// The most frequent refusal code in stats.fleet.connack_refused_codes, and how many refusals in all.
std::pair<std::uint8_t, std::uint64_t> usual_refusal(const nlohmann::json& fleet) {
  std::uint8_t usual = 0;
  std::uint64_t most = 0;
  std::uint64_t total = 0;
  const auto codes = fleet.find("connack_refused_codes");
  if (codes == fleet.end() || !codes->is_object()) return {0, 0};
  for (const auto& [code, count] : codes->items()) {
    // Keys are written by compute_fleet_stats; a hand-edited results.json with anything else is skipped.
    if (!count.is_number_integer() || code.empty() || code.size() > 3 ||
        code.find_first_not_of("0123456789") != std::string::npos || std::stoul(code) > 255) {
      continue;
    }
    const auto times = static_cast<std::uint64_t>(std::max<std::int64_t>(0, count.get<std::int64_t>()));
    total += times;
    if (times > most) {
      most = times;
      usual = static_cast<std::uint8_t>(std::stoul(code));
    }
  }
  return {usual, total};
}

// "3 CONNECTs refused (return code 5, not authorized), 2 unanswered, 1 TCP connect failed"; "" when none.
std::string attempt_failures(const nlohmann::json& stats) {
  const auto& fleet = stats["fleet"];
  std::vector<std::string> parts;
  const auto [code, refused] = usual_refusal(fleet);
  if (refused > 0) {
    const auto version = refused_version(fleet);
    parts.push_back(fmt::format("{} CONNECT(s) refused (mostly {} code {}, {})", refused,
                                version == ProtocolVersion::v5 ? "reason" : "return", code,
                                connack_code_meaning(version, code)));
  }
  if (const auto unanswered = number(stats, "fleet", "connects_unanswered"); unanswered > 0) {
    parts.push_back(fmt::format("{} CONNECT(s) unanswered", unanswered));
  }
  if (const auto failed = number(stats, "fleet", "open_failures"); failed > 0) {
    parts.push_back(fmt::format("{} TCP connect(s) failed", failed));
  }
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : ", ") + part;
  return text;
}

std::string examples(const nlohmann::json& fleet) {
  const auto found = fleet.find("never_connected_examples");
  if (found == fleet.end() || !found->is_array() || found->empty()) return "";
  std::string text;
  for (const auto& id : *found) text += (text.empty() ? "" : ", ") + id.get<std::string>();
  return text;
}

void recount(results::Results& results) {
  results.summary = {};
  for (const auto& row : results.cases) {
    switch (row.verdict) {
      case results::Verdict::passed: ++results.summary.passed; break;
      case results::Verdict::failed: ++results.summary.failed; break;
      case results::Verdict::warned: ++results.summary.warned; break;
      case results::Verdict::skipped: ++results.summary.skipped; break;
      case results::Verdict::error: ++results.summary.errors; break;
      case results::Verdict::inconclusive: ++results.summary.inconclusive; break;
      case results::Verdict::accepted: ++results.summary.accepted; break;
    }
  }
}

}  // namespace

FleetExercise assess_fleet(const nlohmann::json& stats, std::chrono::milliseconds connect_deadline) {
  FleetExercise exercise;
  if (!stats.contains("fleet") || !stats["fleet"].is_object()) return exercise;
  const auto& fleet = stats["fleet"];
  const auto devices = number(stats, "fleet", "devices");
  const auto observers = number(stats, "fleet", "observers");
  if (devices + observers > 0 && number(stats, "fleet", "connack_accepted") == 0) {
    const auto [code, refused] = usual_refusal(fleet);
    const auto sent = number(stats, "fleet", "connects_sent");
    if (refused > 0) {
      exercise.target_problem = refused_connect_line(refused_version(fleet), code);
    } else if (sent > 0) {
      exercise.target_problem = unanswered_connect_line(connect_deadline, sent);
    } else {
      exercise.target_problem =
          fmt::format("target accepted no TCP connection ({} attempt(s) failed)", number(stats, "fleet", "open_failures"));
    }
  }
  if (number(stats, "messages", "publish_packets_sent") == 0 && number(stats, "messages", "publish_packets_received") == 0) {
    exercise.inconclusive.push_back("nothing was published or delivered, so no message was put to the test");
  }
  const auto never = number(stats, "fleet", "devices_never_connected");
  const auto failures = attempt_failures(stats);
  if (never > 0) {
    exercise.inconclusive.push_back(fmt::format("{} of {} device(s) never connected (e.g. {}){}", never, devices,
                                                examples(fleet), failures.empty() ? "" : ": " + failures));
  }
  if (const auto silent = number(stats, "fleet", "observers_never_connected"); silent > 0) {
    exercise.inconclusive.push_back(fmt::format("{} of {} observer(s) never connected, so nothing they were owed was "
                                                "checked{}",
                                                silent, observers, failures.empty() ? "" : ": " + failures));
  }
  if (const auto ending = number(stats, "fleet", "clients_ending_unconnected"); ending > 0) {
    exercise.inconclusive.push_back(fmt::format(
        "{} client(s) lost their connection and ended the run without getting it back ({} of {} reconnect(s) got no "
        "CONNACK, {} TCP connect(s) failed)",
        ending, number(stats, "fleet", "reconnects_unanswered"), number(stats, "fleet", "reconnects"),
        number(stats, "fleet", "open_failures")));
  }
  return exercise;
}

void mark_inconclusive(results::Results& results, const std::vector<std::string>& reasons, const std::string& section) {
  if (reasons.empty()) return;
  std::string message;
  for (const auto& reason : reasons) message += (message.empty() ? "" : "; ") + reason;
  std::set<std::string> changed;
  for (auto& row : results.cases) {
    if (row.verdict != results::Verdict::passed) continue;
    row.verdict = results::Verdict::inconclusive;
    row.message = row.message.empty() ? message : message + " (" + row.message + ")";
    changed.insert(row.id);
  }
  // A statement is passed only when a case that covers it passed.
  for (auto& statement : results.statements) {
    if (statement.verdict != results::Verdict::passed) continue;
    bool passed_elsewhere = false;
    for (const auto& id : statement.cases) passed_elsewhere = passed_elsewhere || !changed.contains(id);
    if (!passed_elsewhere) statement.verdict = results::Verdict::inconclusive;
  }
  recount(results);
  results.stats[section]["inconclusive"] = reasons;
}

}  // namespace mqtt::runner
