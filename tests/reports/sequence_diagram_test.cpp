// Sequence diagrams through libgvc: many in one process, and from several threads at once. A Graphviz context
// per diagram made the second one read freed memory inside the pango plugin (found by AddressSanitizer; run
// these under ci/sanitize.sh to see them stay clean).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "reports/sequence_diagram.hpp"
#include "tests/reports/sample_results.hpp"

namespace mqtt::reports {
namespace {

std::vector<std::vector<history::Event>> sample_histories() {
  std::vector<std::vector<history::Event>> histories;
  for (const auto& result : testing::sample_results().cases) {
    if (!result.history.empty()) histories.push_back(result.history);
  }
  return histories;
}

bool is_svg(const std::string& rendered) { return rendered.rfind("<svg", 0) == 0 && rendered.find("</svg>") != std::string::npos; }

TEST(SequenceDiagram, ManyDiagramsInOneProcessAllRender) {
  const auto histories = sample_histories();
  ASSERT_GE(histories.size(), 2u);
  for (int round = 0; round < 10; ++round) {
    for (const auto& history : histories) {
      const std::string svg = sequence_diagram_svg(history);
      EXPECT_TRUE(is_svg(svg)) << svg.substr(0, 200);
      EXPECT_NE(svg.find("CONNECT"), std::string::npos);
    }
  }
}

TEST(SequenceDiagram, DiagramsDrawnFromSeveralThreadsAllRender) {
  const auto histories = sample_histories();
  std::vector<std::thread> threads;
  std::vector<int> rendered(4, 0);
  for (std::size_t thread = 0; thread < rendered.size(); ++thread) {
    threads.emplace_back([&, thread] {
      for (int round = 0; round < 5; ++round) {
        for (const auto& history : histories) rendered[thread] += is_svg(sequence_diagram_svg(history)) ? 1 : 0;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const int count : rendered) EXPECT_EQ(count, static_cast<int>(5 * histories.size()));
}

}  // namespace
}  // namespace mqtt::reports
