// Verdicts as text, for differential tests: a transcript that states every field the checker returns (so two
// transcripts are equal exactly when the verdicts are), a 64-bit fingerprint of it, and a one-line summary
// that a reviewer can read in a diff of the golden file.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/checker.hpp"

namespace mqtt::model::testing {

inline std::string evidence_text(const std::vector<std::uint64_t>& evidence) {
  std::string text = "[";
  for (std::size_t i = 0; i < evidence.size(); ++i) text += (i ? " " : "") + std::to_string(evidence[i]);
  return text + "]";
}

inline std::string verdict_transcript(const Verdicts& verdicts) {
  std::string text;
  for (const auto& finding : verdicts.violations) {
    text += "violation " + finding.statement + " " + finding.level + " " + evidence_text(finding.evidence) +
            " " + finding.message + "\n";
  }
  for (const auto& observation : verdicts.observed) {
    text += "observed " + observation.behaviour + " " + evidence_text(observation.evidence) + " " +
            observation.detail + "\n";
  }
  for (const auto& unresolved : verdicts.unresolved) {
    text += "unresolved " + std::to_string(static_cast<int>(unresolved.kind)) + " " + unresolved.statement +
            " " + std::to_string(unresolved.return_code) + " " + evidence_text(unresolved.evidence) + " " +
            unresolved.reason + "\n";
  }
  text += "exercised";
  for (const auto& statement : verdicts.exercised) text += " " + statement;
  return text + "\n";
}

inline std::string outstanding_transcript(const std::vector<Expectation>& owed) {
  std::string text;
  for (const auto& expectation : owed) {
    text += "owed " + expectation.statement + " on " + std::to_string(expectation.connection) + ": " +
            expectation.description + "\n";
  }
  return text;
}

// FNV-1a, 64 bits: fixed by its definition, so fingerprints are the same on every platform and library.
inline std::uint64_t fingerprint(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

inline std::string hexadecimal(std::uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// "MQTT-3.3.1-9 MQTT-4.5.0-1*2 observed:3 owed:1": the violated statements with their counts, how many
// observations, and how much was still owed just before the end.
inline std::string verdict_summary(const Verdicts& verdicts, std::size_t owed_at_end) {
  std::map<std::string, int> counts;
  for (const auto& finding : verdicts.violations) counts[finding.statement]++;
  std::string text;
  for (const auto& [statement, count] : counts) {
    text += statement + (count > 1 ? "*" + std::to_string(count) : "") + " ";
  }
  return text + "observed:" + std::to_string(verdicts.observed.size()) +
         " owed:" + std::to_string(owed_at_end);
}

// One history observed event by event, asking outstanding() and violations_so_far() after each event as the
// runner and the progress display do; `progress` folds every answer into one fingerprint.
struct Replay {
  Verdicts verdicts;
  std::uint64_t progress = 0xcbf29ce484222325ULL;
  std::size_t owed_at_end = 0;
  std::size_t violations_before_finish = 0;
  bool violations_so_far_decreased = false;
};

template <typename CheckerType>
Replay replay(const history::History& history, const CheckOptions& options) {
  Replay result;
  CheckerType checker(options);
  std::int64_t end_time = 0;
  std::size_t so_far = 0;
  std::vector<Expectation> owed;
  for (const auto& event : history.events) {
    checker.observe(event);
    end_time = std::max(end_time, event.time_ns);
    owed = checker.outstanding();
    const auto now = checker.violations_so_far();
    if (now < so_far) result.violations_so_far_decreased = true;
    so_far = now;
    const auto step =
        std::to_string(event.sequence) + " " + std::to_string(now) + "\n" + outstanding_transcript(owed);
    result.progress = fingerprint(step) ^ (result.progress * 0x100000001b3ULL);
  }
  result.owed_at_end = owed.size();
  result.violations_before_finish = so_far;
  result.verdicts = checker.finish(end_time);
  return result;
}

}  // namespace mqtt::model::testing
