#include "results/run_warnings.hpp"

#include <algorithm>
#include <cstdio>

namespace mqtt::results {
namespace {

std::uint64_t number_at(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return 0;
  const auto found = object.find(key);
  if (found == object.end() || !found->is_number()) return 0;
  return found->is_number_unsigned() ? found->get<std::uint64_t>()
                                     : static_cast<std::uint64_t>(std::max<double>(0, found->get<double>()));
}

std::string seconds_text(std::uint64_t milliseconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(milliseconds) / 1000.0);
  return text;
}

// What was still owed when the drain stopped: "3 QoS 1/2 deliveries still owed (backend-1: 2, backend-2: 1) and 1
// publish still unacknowledged" (the observers named in the drain's `owed_to`, the rest as "others").
std::string owed_text(const nlohmann::json& drain, std::uint64_t owed) {
  const auto unacknowledged = std::min(owed, number_at(drain, "awaiting_acknowledgement"));
  const auto deliveries = owed - unacknowledged;
  std::string text;
  if (deliveries > 0) {
    text = std::to_string(deliveries) + (deliveries == 1 ? " QoS 1/2 delivery" : " QoS 1/2 deliveries") + " still owed";
    std::string named;
    std::uint64_t listed = 0;
    if (drain.contains("owed_to") && drain["owed_to"].is_object()) {
      for (const auto& [observer, count] : drain["owed_to"].items()) {
        const auto to = count.is_number() ? static_cast<std::uint64_t>(std::max(0.0, count.get<double>())) : 0;
        named += (named.empty() ? "" : ", ") + observer + ": " + std::to_string(to);
        listed += to;
      }
    }
    if (!named.empty() && listed < deliveries) named += ", others: " + std::to_string(deliveries - listed);
    if (!named.empty()) text += " (" + named + ")";
  }
  if (unacknowledged > 0) {
    text += (text.empty() ? "" : " and ") + std::to_string(unacknowledged) + " publish(es) still unacknowledged";
  }
  return text;
}

void fleet_warnings(const nlohmann::json& fleet, std::vector<std::string>& warnings) {
  const auto devices = number_at(fleet, "devices");
  if (const auto never = number_at(fleet, "devices_never_connected"); never > 0) {
    warnings.push_back("connect ramp unfinished: " + std::to_string(never) + " of " + std::to_string(devices) +
                       " devices never connected, so what they were to publish or receive was not tested");
  }
  const auto& scheduled = fleet.is_object() && fleet.contains("scheduled") ? fleet["scheduled"] : nlohmann::json();
  const auto duration = number_at(scheduled, "duration_ms");
  const auto settle = number_at(scheduled, "settle_ms");
  if (duration > 0) {
    const auto ramp_end = number_at(scheduled, "ramp_end_ms");
    const auto fault_end = number_at(scheduled, "last_fault_end_ms");
    if (ramp_end > duration) {
      warnings.push_back("duration " + seconds_text(duration) + " is shorter than the connect ramp (" +
                         seconds_text(ramp_end) + "): the last devices connect after publishing has stopped");
    }
    if (fault_end > duration + settle) {
      warnings.push_back("duration " + seconds_text(duration) + " (+ " + seconds_text(settle) +
                         " settling) is shorter than the scenario's fault timeline (" + seconds_text(fault_end) +
                         "): faults were cut short or never happened");
    }
  }
  // The drain (simulator/fleet_drain.hpp) ran out while the broker still owed the observers deliveries (counted,
  // simulator/owed_deliveries.hpp) or, where that is not counted, while deliveries were still arriving: a missing
  // delivery may then be the harness's timing, not the broker's.
  const auto& drain = fleet.is_object() && fleet.contains("drain") ? fleet["drain"] : nlohmann::json();
  if (drain.is_object() && drain.value("stopped_by", std::string()) == "cap") {
    const std::string limit = "the drain limit (" + seconds_text(number_at(drain, "limit_ms")) + " after the settle time)";
    const auto arrived = std::to_string(number_at(drain, "deliveries"));
    if (const auto owed = number_at(drain, "owed"); owed > 0) {
      warnings.push_back(limit + " ended the run with " + owed_text(drain, owed) + "; " + arrived +
                         " arrived during the drain. The model judges what never came; if the broker is only slow, "
                         "raise the scenario's drain_ms");
    } else if (drain.value("still_arriving", false)) {
      // Why the quiet rule had the say: the owed count fell back for the run, or could not decide at the end.
      const std::string why = drain.value("fallback", drain.value("uncertain", std::string()));
      warnings.push_back("deliveries were still arriving when " + limit + " ended the run: " + arrived +
                         " arrived during the drain, so messages reported as not delivered may have been on their way "
                         "(the harness's timing, not the broker's); raise the scenario's drain_ms" +
                         (why.empty() ? "" : " (what was owed was not counted: " + why + ")"));
    }
  }
  const auto sent = number_at(fleet, "connects_sent");
  std::uint64_t refused = 0;
  if (fleet.is_object() && fleet.contains("connack_refused_codes") && fleet["connack_refused_codes"].is_object()) {
    for (const auto& [code, count] : fleet["connack_refused_codes"].items()) {
      refused += count.is_number() ? count.get<std::uint64_t>() : 0;
    }
  }
  if (refused > 0) {
    warnings.push_back("the target refused " + std::to_string(refused) + " of " + std::to_string(sent) +
                       " CONNECTs (CONNACK with a non-zero return code)");
  }
  if (const auto unanswered = number_at(fleet, "connects_unanswered"); unanswered > 0) {
    warnings.push_back("the target never answered " + std::to_string(unanswered) + " of " + std::to_string(sent) +
                       " CONNECTs");
  }
}

}  // namespace

std::vector<std::string> run_warnings(const Results& results) {
  std::vector<std::string> warnings;
  const auto& stats = results.stats;
  if (!stats.is_object()) return warnings;
  if (stats.contains("fleet")) fleet_warnings(stats["fleet"], warnings);
  // A scenario's broker restart that did not happen leaves the run without the fault it was written for.
  if (stats.contains("broker_restarts") && stats["broker_restarts"].is_array()) {
    for (const auto& restart : stats["broker_restarts"]) {
      const std::string outcome = restart.value("outcome", std::string());
      if (outcome == "restarted") continue;
      warnings.push_back("broker restart at " + seconds_text(static_cast<std::uint64_t>(restart.value("at_s", 0.0) * 1000)) + " " +
                         (outcome.empty() ? "unfinished" : outcome) + ": " + restart.value("detail", std::string()) +
                         (outcome == "skipped" ? " (simulate --broker-restart-command)" : ""));
    }
  }
  // The model gives a broker 1 s (CheckOptions::close_grace_ns) to deliver or answer; a harness whose own event
  // loop ran later than that read the broker's packets late, so its timing verdicts are its own, not the broker's.
  if (const auto lag = number_at(stats.value("harness", nlohmann::json()), "max_loop_lag_ms"); lag > 1000) {
    warnings.push_back("the harness fell behind: its event loop ran up to " + seconds_text(lag) +
                       " late, longer than the 1 s a broker is given to deliver or answer, so a missed deadline may "
                       "be the harness's, not the broker's (run fewer devices per process with --shard)");
  }
  // The fleet's judging thread (runner/fleet_judge.hpp) fell so far behind that the devices waited for it: the
  // traffic the broker saw was then slower or burstier than the scenario asks for.
  const auto harness = stats.value("harness", nlohmann::json());
  const auto judge = harness.is_object() ? harness.value("judge", nlohmann::json()) : nlohmann::json();
  if (const auto waits = number_at(judge, "backpressure_waits"); waits > 0) {
    const auto wait = judge.find("backpressure_wait_s");
    const double waited = wait != judge.end() && wait->is_number() ? wait->get<double>() : 0.0;
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", waited);
    // The backlog is bounded in events and in bytes (runner/fleet_judge.hpp): name both when both are known.
    std::string bound = std::to_string(number_at(judge, "backlog_limit")) + " events";
    if (const auto bytes = number_at(judge, "backlog_bytes_limit"); bytes > 0) {
      bound += " (or " + std::to_string(bytes >> 20) + " MiB of them)";
    }
    warnings.push_back("the judge fell behind: " + bound + " waited to be judged, so the devices paused " +
                       std::to_string(waits) +
                       " time(s), " + text + " in all, and published less steadily than the scenario asks");
  }
  if (stats.contains("unresolved") && stats["unresolved"].is_object()) {
    for (const auto& [source, open] : stats["unresolved"].items()) {
      const auto count = number_at(open, "count");
      if (count == 0) continue;
      std::string warning = std::to_string(count) + " obligation(s) left unresolved in " + source +
                            " (the history ended before they were due or settled)";
      if (open.contains("examples") && open["examples"].is_array() && !open["examples"].empty() &&
          open["examples"][0].is_string()) {
        warning += ", e.g. " + open["examples"][0].get<std::string>();
      }
      warnings.push_back(std::move(warning));
    }
  }
  return warnings;
}

}  // namespace mqtt::results
