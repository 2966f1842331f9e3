#include "runner/capture_judgement.hpp"

#include <algorithm>
#include <exception>
#include <thread>

#include <fmt/format.h>

#include "capture/link_layer.hpp"
#include "history/event_feed.hpp"

namespace mqtt::runner {

bool CaptureJudgementGate::admit(const history::Event& event) {
  if (event.connection == 0) return true;
  const auto decided = decided_.find(event.connection);
  if (decided != decided_.end()) return decided->second;
  if (!event.packet) return true;  // before the first packet: opens, notes, gaps carry no version
  bool judged = true;  // every version the codec decodes is judged (5.0 by the checker's 5.0 rules)
  if (fixed_) {
    const auto classified = classified_.find(event.connection);
    judged = classified == classified_.end() || classified->second;
  }
  decided_.emplace(event.connection, judged);
  return judged;
}

std::map<std::uint32_t, bool> judged_connections(const capture::CaptureAnalysis& analysis) {
  std::map<std::uint32_t, bool> judged;
  for (const auto& row : analysis.connections) judged[row.connection] = row.not_judged.empty();
  return judged;
}

model::Verdicts check_capture_history(const capture::CaptureAnalysis& analysis, const model::CheckOptions& check) {
  model::Checker checker(check);
  CaptureJudgementGate gate(judged_connections(analysis));
  std::int64_t end_time = 0;
  for (const auto& event : analysis.history.events) {
    if (gate.admit(event)) checker.observe(event);
    end_time = std::max(end_time, event.time_ns);
  }
  return checker.finish(end_time);
}

CheckedCapture analyse_and_check_capture(const std::filesystem::path& file, const capture::CaptureOptions& options,
                                         const model::CheckOptions& check) {
  std::thread judge;
  std::exception_ptr judge_error;
  std::optional<model::Verdicts> seen;
  std::map<std::uint32_t, bool> decided;
  // Joined on every path; the analyser itself waits for the judge to stop reading before it returns or throws.
  struct Join {
    std::thread& thread;
    ~Join() {
      if (thread.joinable()) thread.join();
    }
  } join{judge};
  const auto start_judge = [&](history::EventFeed& feed) {
    judge = std::thread([&feed, &check, &seen, &decided, &judge_error] {
      try {
        model::Checker checker(check);
        CaptureJudgementGate gate;
        std::int64_t end_time = 0;
        feed.consume([&](const history::Event& event) {
          if (gate.admit(event)) checker.observe(event);
          end_time = std::max(end_time, event.time_ns);
        });
        seen = checker.finish(end_time);
        decided = gate.decisions();
      } catch (...) {
        judge_error = std::current_exception();
      }
    });
  };
  CheckedCapture result{capture::analyse_capture_file(file, options, start_judge), {}};
  if (judge.joinable()) judge.join();
  if (judge_error) std::rethrow_exception(judge_error);
  // The judge decided each connection at its first packet; a connection found unjudgeable only later (its
  // directions' guessed versions disagree) needs the whole history judged again, as does a reordered one.
  bool same_decisions = true;
  const auto judged = judged_connections(result.analysis);
  for (const auto& [connection, decision] : decided) {
    const auto found = judged.find(connection);
    same_decisions = same_decisions && (found == judged.end() || found->second == decision);
  }
  result.verdicts = seen && same_decisions && !result.analysis.reordered
                        ? std::move(*seen)
                        : check_capture_history(result.analysis, check);
  return result;
}

namespace {

std::string plural(std::uint64_t count, const std::string& one, const std::string& many) {
  return fmt::format("{} {}", count, count == 1 ? one : many);
}

std::string unsupported_text(const capture::CaptureAnalysis& analysis) {
  std::string text;
  for (const auto& [link_type, frames] : analysis.unsupported_link_types) {
    text += fmt::format("{}{} on link type {}, not supported", text.empty() ? "" : ", ", frames, link_type);
  }
  return text;
}

}  // namespace

std::optional<std::string> unsupported_capture(const capture::CaptureAnalysis& analysis) {
  std::uint64_t unsupported = 0;
  for (const auto& entry : analysis.unsupported_link_types) unsupported += entry.second;
  if (analysis.frames > 0 && unsupported == analysis.frames) {
    std::string types;
    for (const auto& entry : analysis.unsupported_link_types) {
      types += fmt::format("{}{}", types.empty() ? "" : ", ", entry.first);
    }
    return fmt::format("{} is not supported (link type {} in all {}): nothing in it can be read as TCP",
                       analysis.unsupported_link_types.size() == 1 ? "its link type" : "none of its link types",
                       types, plural(analysis.frames, "frame", "frames"));
  }
  if (analysis.frames == 0 && analysis.header_link_type &&
      !capture::is_supported_link_type(*analysis.header_link_type)) {
    return fmt::format("its link type {} is not supported, and it holds no frames", *analysis.header_link_type);
  }
  return std::nullopt;
}

std::vector<std::string> capture_inconclusive_reasons(const capture::CaptureAnalysis& analysis,
                                                      const model::Verdicts& verdicts) {
  std::vector<std::string> reasons;
  if (analysis.interrupted) {
    reasons.push_back(fmt::format("the run was interrupted: the capture was read only up to frame {}",
                                  analysis.frames));
  }
  if (analysis.connections.empty()) {
    if (analysis.frames == 0) {
      reasons.push_back("no MQTT connection found: the capture holds no frames");
      return reasons;
    }
    if (analysis.tcp_segments == 0) {
      std::string why = unsupported_text(analysis);
      for (const auto& [reason, frames] : analysis.skipped_frames) {
        if (reason == "unsupported link type") continue;
        why += fmt::format("{}{} {}", why.empty() ? "" : ", ", frames, reason);
      }
      reasons.push_back(fmt::format("no MQTT connection found: 0 of {} are TCP ({})",
                                    plural(analysis.frames, "frame", "frames"), why));
      return reasons;
    }
    std::string why;
    if (analysis.tls_connections > 0) {
      why = fmt::format("{} MQTT over TLS (encrypted, skipped)", analysis.tls_connections);
    }
    const auto other = analysis.tcp_connections - analysis.tls_connections;
    if (other > 0) {
      why += fmt::format("{}{} not MQTT (not on an MQTT port, and no CONNECT or WebSocket upgrade first)",
                         why.empty() ? "" : ", ", other);
    }
    reasons.push_back(fmt::format("no MQTT connection found: {} of {} are TCP, in {}: {}", analysis.tcp_segments,
                                  plural(analysis.frames, "frame", "frames"),
                                  plural(analysis.tcp_connections, "connection", "connections"), why));
    return reasons;
  }
  std::map<std::string, std::vector<std::uint32_t>> not_judged;  // reason -> connections
  std::size_t judged = 0;
  for (const auto& row : analysis.connections) {
    if (row.not_judged.empty()) {
      ++judged;
    } else {
      not_judged[row.not_judged].push_back(row.connection);
    }
  }
  for (const auto& [reason, connections] : not_judged) {
    std::string list;
    for (const auto connection : connections) list += fmt::format("{}#{}", list.empty() ? "" : ", ", connection);
    reasons.push_back(fmt::format("{} ({} {})", reason, connections.size() == 1 ? "connection" : "connections", list));
  }
  for (const auto& row : analysis.connections) {
    if (!row.incomplete.empty()) reasons.push_back(fmt::format("connection #{}: {}", row.connection, row.incomplete));
  }
  if (judged > 0 && verdicts.exercised.empty() && verdicts.violations.empty()) {
    reasons.push_back(fmt::format("the judged traffic ({}) exercised no statement: nothing in it gave the broker "
                                  "a chance to break a rule",
                                  plural(judged, "connection", "connections")));
  }
  return reasons;
}

void mark_capture_inconclusive(results::Results& results, const std::vector<std::string>& reasons) {
  if (reasons.empty()) return;
  std::string message;
  for (const auto& reason : reasons) message += (message.empty() ? "" : "; ") + reason;
  for (auto& row : results.cases) {
    if (row.verdict != results::Verdict::passed) continue;
    row.verdict = results::Verdict::inconclusive;
    row.message = message;
    --results.summary.passed;
    ++results.summary.inconclusive;
  }
}

}  // namespace mqtt::runner
