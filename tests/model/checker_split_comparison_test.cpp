// TEMPORARY: the split checker against the frozen monolithic one on many seeded random histories, field by field,
// after every event (outstanding(), violations_so_far()) and at the end (finish(), check()).
// MQTT_HARNESS_SPLIT_SEEDS=N sets how many seeds (default 50000), MQTT_HARNESS_SPLIT_FIRST the first one.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "frozen_checker.hpp"
#include "history_mutations.hpp"
#include "verdict_transcript.hpp"

namespace mqtt::model {
namespace {

std::uint64_t from_environment(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  return value ? std::strtoull(value, nullptr, 10) : fallback;
}

TEST(CheckerSplit, SameVerdictsAsTheFrozenMonolith) {
  const auto first = from_environment("MQTT_HARNESS_SPLIT_FIRST", 1);
  const auto count = from_environment("MQTT_HARNESS_SPLIT_SEEDS", 50000);
  std::uint64_t events = 0, violations = 0;
  std::chrono::nanoseconds split_time{0}, frozen_time{0};
  for (auto seed = first; seed < first + count; ++seed) {
    const auto generated = testing::HistoryMutator(seed).generate();
    const auto& history = generated.history;
    Checker split(generated.options);
    frozen::Checker frozen(generated.options);
    std::int64_t end = 0;
    for (const auto& event : history.events) {
      split.observe(event);
      frozen.observe(event);
      end = std::max(end, event.time_ns);
      ASSERT_EQ(split.violations_so_far(), frozen.violations_so_far()) << "seed " << seed << " event " << event.sequence;
      ASSERT_EQ(testing::outstanding_transcript(split.outstanding()),
                testing::outstanding_transcript(frozen.outstanding()))
          << "seed " << seed << " event " << event.sequence;
    }
    const auto split_verdicts = testing::verdict_transcript(split.finish(end));
    ASSERT_EQ(split_verdicts, testing::verdict_transcript(frozen.finish(end))) << "seed " << seed;
    // Whole-history checks, timed separately (no outstanding() in between).
    const auto t0 = std::chrono::steady_clock::now();
    const auto split_whole = check(history, generated.options);
    const auto t1 = std::chrono::steady_clock::now();
    const auto frozen_whole = frozen::check(history, generated.options);
    const auto t2 = std::chrono::steady_clock::now();
    split_time += t1 - t0;
    frozen_time += t2 - t1;
    ASSERT_EQ(testing::verdict_transcript(split_whole), testing::verdict_transcript(frozen_whole)) << "seed " << seed;
    ASSERT_EQ(testing::verdict_transcript(split_whole), split_verdicts) << "seed " << seed;
    events += history.events.size();
    violations += split_whole.violations.size();
  }
  std::cout << count << " histories from seed " << first << ", " << events << " events, " << violations
            << " violations: identical. check(): split " << split_time.count() / 1e6 << " ms, frozen "
            << frozen_time.count() / 1e6 << " ms\n";
}

}  // namespace
}  // namespace mqtt::model
