// Replays a recorded fleet history (a run's history.log) through the two per-event consumers that sit beside the
// model on the judging thread: the fleet statistics (fleet_stats.hpp) and the compact history writer
// (event_log_file.hpp). Writes the statistics JSON and the rewritten history.log, so two builds can be compared
// byte for byte on the same input, and prints the time per event of each consumer (the events are decoded once,
// before timing). Run it under callgrind to count instructions per event. See docs/benchmarks.md, "Statistics and
// history writer per event".
//
// Usage: bench_judge_recording HISTORY_LOG SCENARIO OUT_DIR [repeats=1]
//   OUT_DIR/stats.json and OUT_DIR/history.log are those of the first pass; later passes time the same events
//   again on fresh consumers.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "history/event_log_file.hpp"
#include "runner/fleet_scenario.hpp"
#include "simulator/fleet_stats.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bench_judge_recording HISTORY_LOG SCENARIO OUT_DIR [repeats=1]\n");
    return 2;
  }
  const std::filesystem::path out_dir = argv[3];
  const int repeats = argc > 4 ? std::max(1, std::atoi(argv[4])) : 1;
  const auto contents = mqtt::history::read_event_log(argv[1]);
  const auto spec = mqtt::runner::load_fleet_scenario(argv[2]);
  const auto& events = contents.history.events;
  std::filesystem::create_directories(out_dir);
  std::printf("%zu events from %s%s\n", events.size(), argv[1], contents.cut_short ? " (cut short)" : "");

  double statistics_s = 0, writer_s = 0;
  for (int pass = 0; pass < repeats; ++pass) {
    const auto log_path = out_dir / (pass == 0 ? "history.log" : "history.again.log");
    auto start = std::chrono::steady_clock::now();
    mqtt::simulator::FleetStatistics statistics(spec);
    for (const auto& event : events) statistics.observe(event);
    const auto stats = statistics.finish();
    statistics_s += seconds_since(start);
    {
      // An interval of an hour: the buffer goes to the file only when full, as in a run between ticks. Opening
      // and closing (its fsync) are not timed: they happen once per run.
      mqtt::history::EventLogWriter writer(log_path, {64 * 1024, std::chrono::hours(1)});
      start = std::chrono::steady_clock::now();
      for (const auto& event : events) writer.append(event);
      writer_s += seconds_since(start);
      writer.close();
    }
    if (pass == 0) std::ofstream(out_dir / "stats.json") << stats.dump(2) << '\n';
  }
  const double per_event = static_cast<double>(events.size()) * repeats;
  std::printf("statistics %.1f ns/event, writer %.1f ns/event (%d passes)\n", statistics_s / per_event * 1e9,
              writer_s / per_event * 1e9, repeats);
  return 0;
}
