// The checker's verdicts on thousands of seeded random histories (a conformant simulated broker, then
// mutations), pinned by a golden file so that any change of verdict is seen and reviewed, and the same
// verdicts whether a history is judged whole or event by event with outstanding() asked in between.
//
// A deliberate change of the checker's semantics changes the golden file; regenerate it with
//   MQTT_HARNESS_UPDATE_GOLDEN=1 build/tests/model/model_checker_differential_test
//     --gtest_filter=CheckerDifferential.VerdictsMatchTheGoldenFile   (on the same command line)
// and review `git diff tests/model/data/checker_verdicts.golden`: each line names the violated statements, so
// the diff shows which histories changed verdict and how. MQTT_HARNESS_SHOW_SEED=N prints seed N's history
// (JSON Lines) and its verdicts.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "history/json.hpp"
#include "history_mutations.hpp"
#include "model/checker.hpp"
#include "verdict_transcript.hpp"

namespace mqtt::model {
namespace {

using testing::HistoryMutator;
using testing::Replay;

// Seeds 1..seed_count: the three tests below take about 7 s of CPU together in Release (each judges every
// seed in its own process under ctest), and the golden file stays under 200 KB.
constexpr std::uint64_t first_seed = 1;
constexpr std::uint64_t seed_count = 2000;

const char* const golden_path = MQTT_HARNESS_CHECKER_GOLDEN;

struct Judged {
  std::uint64_t seed = 0;
  std::string line;  // the golden file's line for this seed
  std::string transcript;
  std::vector<std::string> mutations;
  Replay replay;
};

Judged judge(std::uint64_t seed) {
  Judged judged;
  judged.seed = seed;
  const auto history = HistoryMutator(seed).generate();
  judged.mutations = history.mutations;
  judged.replay = testing::replay<Checker>(history.history, history.options);
  judged.transcript = testing::verdict_transcript(judged.replay.verdicts);
  const auto hash = testing::fingerprint(judged.transcript + testing::hexadecimal(judged.replay.progress));
  judged.line = std::to_string(seed) + " " + testing::hexadecimal(hash) + " " +
                testing::verdict_summary(judged.replay.verdicts, judged.replay.owed_at_end);
  return judged;
}

// Every seed judged once and shared by the tests below.
const std::vector<Judged>& judged_seeds() {
  static const std::vector<Judged> all = [] {
    std::vector<Judged> result;
    for (auto seed = first_seed; seed < first_seed + seed_count; ++seed) result.push_back(judge(seed));
    return result;
  }();
  return all;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : "; ") + part;
  return text;
}

void show_requested_seed() {
  const char* requested = std::getenv("MQTT_HARNESS_SHOW_SEED");
  if (requested == nullptr) return;
  const auto seed = std::strtoull(requested, nullptr, 10);
  const auto history = HistoryMutator(seed).generate();
  std::cout << "seed " << seed << " mutations: " << joined(history.mutations) << "\n";
  history::write_json_lines(std::cout, history.history);
  std::cout << testing::verdict_transcript(check(history.history, history.options));
}

TEST(CheckerDifferential, VerdictsMatchTheGoldenFile) {
  show_requested_seed();
  const auto& judged = judged_seeds();
  const char* update = std::getenv("MQTT_HARNESS_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(golden_path);
    ASSERT_TRUE(out) << golden_path << ": cannot write";
    out << "# Checker verdicts on seeded random histories (tests/model/checker_differential_test.cpp).\n"
           "# seed, 64-bit fingerprint of the verdicts and of outstanding() after every event, violated "
           "statements\n"
           "# (*count), observations, obligations owed before the end. Regenerate only for a reviewed "
           "change:\n"
           "# MQTT_HARNESS_UPDATE_GOLDEN=1 build/tests/model/model_checker_differential_test\n";
    for (const auto& entry : judged) out << entry.line << "\n";
    out.close();
    ASSERT_TRUE(out) << golden_path << ": write failed";
    std::cout << "wrote " << judged.size() << " seeds to " << golden_path << "\n";
  }
  std::ifstream in(golden_path);
  ASSERT_TRUE(in) << golden_path << ": cannot read (MQTT_HARNESS_UPDATE_GOLDEN=1 writes it)";
  std::vector<std::string> expected;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.front() != '#') expected.push_back(line);
  }
  ASSERT_EQ(expected.size(), judged.size()) << golden_path << " holds a different number of seeds";
  std::size_t differing = 0;
  for (std::size_t i = 0; i < judged.size(); ++i) {
    if (expected[i] == judged[i].line) continue;
    if (differing++ > 0) continue;
    ADD_FAILURE()
        << "seed " << judged[i].seed << " judged differently from the golden file\n"
        << "  golden:  " << expected[i] << "\n"
        << "  now:     " << judged[i].line << "\n"
        << "mutations: " << joined(judged[i].mutations) << "\n"
        << "verdicts now:\n"
        << judged[i].transcript << "MQTT_HARNESS_SHOW_SEED=" << judged[i].seed
        << " prints the history; run it on the commit that wrote the golden file for the old verdicts.";
  }
  EXPECT_EQ(differing, 0u) << "seeds judged differently from " << golden_path;
}

TEST(CheckerDifferential, IncrementalObservationMatchesWholeHistoryCheck) {
  const auto& judged = judged_seeds();
  for (const auto& entry : judged) {
    const auto history = HistoryMutator(entry.seed).generate();
    const auto whole = testing::verdict_transcript(check(history.history, history.options));
    ASSERT_EQ(entry.transcript, whole)
        << "seed " << entry.seed << ": observing event by event with outstanding() "
        << "in between gives other verdicts than check()";
    ASSERT_FALSE(entry.replay.violations_so_far_decreased) << "seed " << entry.seed;
    ASSERT_LE(entry.replay.violations_before_finish, entry.replay.verdicts.violations.size())
        << "seed " << entry.seed << ": violations_so_far() counted violations that finish() did not return";
  }
}

// The generator is only useful if its histories give the checker every kind of answer.
TEST(CheckerDifferential, GeneratedHistoriesExerciseEveryKindOfVerdict) {
  const auto& judged = judged_seeds();
  std::size_t with_violations = 0, clean = 0, with_observations = 0, with_owed = 0;
  std::set<std::string> statements;
  std::set<std::string> behaviours;
  for (const auto& entry : judged) {
    const auto& verdicts = entry.replay.verdicts;
    (verdicts.violations.empty() ? clean : with_violations)++;
    if (!verdicts.observed.empty()) with_observations++;
    if (entry.replay.owed_at_end > 0) with_owed++;
    for (const auto& finding : verdicts.violations) statements.insert(finding.statement);
    for (const auto& observation : verdicts.observed) behaviours.insert(observation.behaviour);
  }
  const auto n = judged.size();
  std::cout << n << " histories: " << with_violations << " with violations, " << clean << " clean, "
            << with_observations << " with observations, " << with_owed << " owing something before the end; "
            << statements.size() << " statements violated, " << behaviours.size() << " behaviours observed\n";
  EXPECT_GE(with_violations * 100, n * 40);
  EXPECT_GE(clean * 100, n * 5);
  EXPECT_GE(with_observations * 100, n * 30);
  EXPECT_GE(with_owed * 100, n * 10);
  EXPECT_GE(statements.size(), 30u);
  EXPECT_GE(behaviours.size(), 8u);
}

}  // namespace
}  // namespace mqtt::model
