// Judging a capture: the capture analyser builds the history on the calling thread while the reference model
// observes it on a second thread, so the two halves of `inspect` overlap on two cores; and what a capture's
// verdict must say when the capture did not put the broker to the test.
//
// Not every captured connection is judged. The reference model is MQTT 3.1.1's, so a connection decoded as
// MQTT 5.0 (or whose two directions guessed different versions) keeps its events in the history but is not
// given to the checker from its first packet on (its open, notes and gaps before that say nothing about a
// version and are). The capture is then inconclusive, never conformant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "capture/capture_analyser.hpp"
#include "model/checker.hpp"
#include "results/results.hpp"

namespace mqtt::runner {

struct CheckedCapture {
  capture::CaptureAnalysis analysis;
  model::Verdicts verdicts;  // check_capture_history(analysis, options)
};

// Throws capture::CaptureError (frame number, byte offset) like capture::analyse_capture_file. When the
// analyser had to reorder the events, or a connection turned out not to be judged only after its first packet
// had been judged, the concurrent verdicts are dropped and the history is checked again.
CheckedCapture analyse_and_check_capture(const std::filesystem::path& file, const capture::CaptureOptions& options,
                                         const model::CheckOptions& check);

// The checker's verdicts on the judged part of a capture's history (the connections whose summary has no
// `not_judged` reason), in the history's order.
model::Verdicts check_capture_history(const capture::CaptureAnalysis& analysis, const model::CheckOptions& check);

// Decides, event by event, which events of a capture's history the checker sees: every event of a connection
// until its first packet; from there on, those of judged connections only. Without a classification, every
// connection is judged (the analyser may still find it unjudgeable later: then the history is judged again).
class CaptureJudgementGate {
 public:
  CaptureJudgementGate() = default;
  explicit CaptureJudgementGate(std::map<std::uint32_t, bool> judged) : classified_(std::move(judged)), fixed_(true) {}
  bool admit(const history::Event& event);
  // connection -> judged, as decided at each connection's first packet.
  const std::map<std::uint32_t, bool>& decisions() const { return decided_; }

 private:
  std::map<std::uint32_t, bool> classified_;
  bool fixed_ = false;
  std::map<std::uint32_t, bool> decided_;
};

// Every connection of the analysis: judged (true) or not (false).
std::map<std::uint32_t, bool> judged_connections(const capture::CaptureAnalysis& analysis);

// The capture holds nothing this tool can read: every frame (or, for an empty file, the file's own link type)
// is on a link type it does not support. One line for the error, or nullopt when the file is readable.
std::optional<std::string> unsupported_capture(const capture::CaptureAnalysis& analysis);

// Why the capture's verdict cannot be "conformant", one sentence each; empty when it can: the reading was
// interrupted (CaptureAnalysis::interrupted), no MQTT connection
// found (and why: frames, TCP, link types, TLS, other protocols), connections not judged (MQTT 5.0, versions
// that disagree), connections the capture cuts inside a WebSocket frame or upgrade, or histories that exercised
// no statement.
std::vector<std::string> capture_inconclusive_reasons(const capture::CaptureAnalysis& analysis,
                                                      const model::Verdicts& verdicts);

// Marks a capture's case that would otherwise pass as inconclusive with the reasons (results from
// judge_histories with one source per capture), keeping the summary's counts in step.
void mark_capture_inconclusive(results::Results& results, const std::vector<std::string>& reasons);

}  // namespace mqtt::runner
