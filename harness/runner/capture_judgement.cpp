#include "runner/capture_judgement.hpp"

#include <algorithm>
#include <exception>
#include <thread>

#include "history/event_feed.hpp"

namespace mqtt::runner {

CheckedCapture analyse_and_check_capture(const std::filesystem::path& file, const capture::CaptureOptions& options,
                                         const model::CheckOptions& check) {
  std::thread judge;
  std::exception_ptr judge_error;
  std::optional<model::Verdicts> seen;
  // Joined on every path; the analyser itself waits for the judge to stop reading before it returns or throws.
  struct Join {
    std::thread& thread;
    ~Join() {
      if (thread.joinable()) thread.join();
    }
  } join{judge};
  const auto start_judge = [&](history::EventFeed& feed) {
    judge = std::thread([&feed, &check, &seen, &judge_error] {
      try {
        model::Checker checker(check);
        std::int64_t end_time = 0;
        feed.consume([&](const history::Event& event) {
          checker.observe(event);
          end_time = std::max(end_time, event.time_ns);
        });
        seen = checker.finish(end_time);
      } catch (...) {
        judge_error = std::current_exception();
      }
    });
  };
  CheckedCapture result{capture::analyse_capture_file(file, options, start_judge), {}};
  if (judge.joinable()) judge.join();
  if (judge_error) std::rethrow_exception(judge_error);
  result.verdicts = seen && !result.analysis.reordered ? std::move(*seen)
                                                       : model::check(result.analysis.history, check);
  return result;
}

}  // namespace mqtt::runner
