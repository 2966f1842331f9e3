#include "runner/fleet_timeline.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mqtt::runner {
namespace {

using simulator::FaultKind;

std::string seconds(double ms) { return fmt::format("{:.1f} s", ms / 1000.0); }

const simulator::GroupSpec* group_named(const simulator::FleetSpec& spec, const std::string& name) {
  for (const auto& group : spec.groups) {
    if (group.name == name) return &group;
  }
  return nullptr;
}

// The broker is down from at_ms for down_ms; a device's backoff may then wait up to its reconnect.maximum_ms
// before its next try, so the devices are back only after the longest one.
std::optional<TimelineProblem> broker_restart_problem(const simulator::FleetSpec& spec,
                                                      const simulator::FaultSpec& fault, std::size_t index) {
  const double publishing = spec.duration_ms;
  double recovery = 0;
  for (const auto& group : spec.groups) {
    if (!group.observer) recovery = std::max<double>(recovery, group.reconnect.maximum_ms);
  }
  const double end = static_cast<double>(fault.at_ms) + fault.duration_ms;
  TimelineProblem problem;
  problem.object = "/faults/" + std::to_string(index);
  const std::string event = fmt::format("the broker-restart fault (faults[{}])", index);
  if (fault.at_ms >= publishing) {
    problem.keys = {"at_ms"};
    problem.message = fmt::format("{} starts at {}, not before the end of the publishing window at {}", event,
                                  seconds(fault.at_ms), seconds(publishing));
    return problem;
  }
  if (end + recovery >= publishing) {
    problem.keys = {"down_ms", "at_ms"};
    problem.message = fmt::format("{} brings the broker back at {} and the devices' backoff may wait reconnect.maximum_ms, "
                                  "{}: they would not be back before the end of the publishing window at {} (that "
                                  "needs more than {})",
                                  event, seconds(end), seconds(recovery), seconds(publishing), seconds(end + recovery));
    return problem;
  }
  return std::nullopt;
}

}  // namespace

std::optional<TimelineProblem> find_timeline_problem(const simulator::FleetSpec& spec,
                                                     std::chrono::milliseconds connect_deadline) {
  const double publishing = spec.duration_ms;
  for (std::size_t index = 0; index < spec.faults.size(); ++index) {
    const auto& fault = spec.faults[index];
    if (fault.kind == FaultKind::broker_restart) {
      if (auto problem = broker_restart_problem(spec, fault, index)) return problem;
      continue;
    }
    const auto* group = group_named(spec, fault.group);
    if (group == nullptr) continue;  // the loader names the group; a spec built in code may not
    // Observers stay (and reconnect) until the settle time ends; devices stop trying when publishing ends.
    const double window = group->observer ? publishing + spec.settle_ms : publishing;
    const std::string window_text =
        group->observer ? "the end of the run at " + seconds(window) : "the end of the publishing window at " + seconds(window);
    const std::string event = fmt::format("the {} fault on \"{}\" (faults[{}])", to_string(fault.kind), fault.group, index);
    TimelineProblem problem;
    problem.object = "/faults/" + std::to_string(index);
    if (fault.at_ms >= window) {
      problem.keys = {"at_ms"};
      problem.message = fmt::format("{} starts at {}, not before {}", event, seconds(fault.at_ms), window_text);
      return problem;
    }
    const bool instant = fault.kind == FaultKind::close;
    const double end = static_cast<double>(fault.at_ms) + (instant ? 0.0 : fault.duration_ms);
    problem.keys = {"duration_ms", "at_ms"};
    double recovery = 0;
    std::string recovery_text;
    switch (fault.kind) {
      case FaultKind::close:
      case FaultKind::flapping:
        recovery = group->reconnect.initial_ms;
        recovery_text = fmt::format("their first retry may wait reconnect.initial_ms, {}", seconds(recovery));
        break;
      case FaultKind::partition:
        recovery = static_cast<double>(connect_deadline.count()) + group->reconnect.maximum_ms;
        recovery_text = fmt::format("a CONNECT sent into the partition waits {} for its CONNACK, then the backoff up "
                                    "to reconnect.maximum_ms, {}",
                                    seconds(static_cast<double>(connect_deadline.count())),
                                    seconds(group->reconnect.maximum_ms));
        break;
      case FaultKind::power_loss:
        recovery_text = "its devices reconnect when power returns";
        break;
      default:
        if (end > window) {
          problem.message = fmt::format("{} lasts until {}, past {}", event, seconds(end), window_text);
          return problem;
        }
        continue;
    }
    if (end + recovery >= window) {
      problem.message = fmt::format("{} {} {} and {}: its devices would not be back before {} (that needs more "
                                    "than {})",
                                    event, instant ? "resets links at" : "ends at", seconds(end), recovery_text,
                                    window_text, seconds(end + recovery));
      if (instant) problem.keys = {"at_ms"};
      return problem;
    }
  }
  std::size_t group_index = 0;  // position among "groups" (observers are listed apart in the file)
  for (const auto& group : spec.groups) {
    if (group.observer) continue;
    const std::size_t index = group_index++;
    if (group.count == 0) continue;
    const double ramp = group.connect_rate > 0 ? (group.count - 1) * 1000.0 / group.connect_rate : 0.0;
    const double last = static_cast<double>(group.start_ms) + ramp;
    if (last < publishing) continue;
    TimelineProblem problem;
    problem.object = "/groups/" + std::to_string(index);
    problem.keys = {"connect_rate", "start_ms", "count"};
    if (ramp > 0) {
      problem.message = fmt::format(
          "the connect ramp of group \"{}\" ({} devices at {:g}/s from {}) reaches its last device at {}, not before "
          "the end of the publishing window at {}",
          group.name, group.count, group.connect_rate, seconds(group.start_ms), seconds(last), seconds(publishing));
    } else {
      problem.keys = {"start_ms"};
      problem.message = fmt::format("group \"{}\" starts connecting at {}, not before the end of the publishing window "
                                    "at {}",
                                    group.name, seconds(group.start_ms), seconds(publishing));
    }
    return problem;
  }
  return std::nullopt;
}

}  // namespace mqtt::runner
