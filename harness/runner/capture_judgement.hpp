// Reading a capture and judging it at the same time: the capture analyser builds the history on the calling
// thread while the reference model observes it on a second thread, so the two halves of `inspect` overlap on
// two cores. The verdicts are exactly model::check's on the returned history.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "capture/capture_analyser.hpp"
#include "model/checker.hpp"

namespace mqtt::runner {

struct CheckedCapture {
  capture::CaptureAnalysis analysis;
  model::Verdicts verdicts;  // model::check(analysis.history, options)
};

// Throws capture::CaptureError (frame number, byte offset) like capture::analyse_capture_file. When the
// analyser had to reorder the events, the concurrent verdicts are dropped and the history is checked again.
CheckedCapture analyse_and_check_capture(const std::filesystem::path& file, const capture::CaptureOptions& options,
                                         const model::CheckOptions& check);

}  // namespace mqtt::runner
