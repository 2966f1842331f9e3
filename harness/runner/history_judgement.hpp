// Judging a whole history that did not come from a conformance case: a fleet simulation, a capture or a
// replay. One checker, one results format: the history becomes one or more "sources" (case rows), each judged
// by the reference model; statements the history exercised without violation count as passed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "history/event.hpp"
#include "model/checker.hpp"
#include "results/results.hpp"

namespace mqtt::runner {

struct HistorySource {
  std::string id;                // case id in the results, e.g. "capture:dtu.pcap" or "fleet:flaky-cellular"
  std::string title;             // one line for the report
  std::string section;           // report grouping; "" puts it under "history"
  std::vector<std::string> steps;  // optional description lines (scenario groups, capture summary)
  history::History history;      // events in sequence order
  // Already judged (e.g. while a capture was being read): judge_histories uses these instead of checking the
  // history again. They must be the checker's verdicts on exactly `history` with the same CheckOptions.
  std::optional<model::Verdicts> verdicts;
};

struct HistoryJudgementOptions {
  std::string kind = "capture";      // "simulation", "capture", "replay"
  std::string target;                // shown in reports; must already be free of secrets
  std::string mqtt_version = "3.1.1";
  std::uint64_t seed = 0;
  std::string started_at;            // ISO 8601 UTC; "" = now
  double duration_ms = 0;
  model::CheckOptions check;
  bool keep_history = true;          // copy each source's full history into its case row
};

// Judges every source with its own checker (sources are independent histories) and assembles Results:
// summary, cases, statements (exercised statements passed unless violated), violations with evidence slices,
// observed behaviour. Pure apart from reading the clock when started_at is empty.
results::Results judge_histories(std::vector<HistorySource> sources, const HistoryJudgementOptions& options);

}  // namespace mqtt::runner
