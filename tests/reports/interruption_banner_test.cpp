// An interrupted run in every report: the verdict is never a pass ("INTERRUPTED", or "FAILED (INTERRUPTED)" when
// what was recorded already fails), and the HTML, Markdown and JUnit reports say so at the top.
#include <gtest/gtest.h>

#include "reports/html_parts.hpp"
#include "reports/reports.hpp"
#include "tests/reports/sample_results.hpp"

namespace mqtt::reports {
namespace {

using testing::sample_results;

results::Results interrupted(results::Results results) {
  results.interrupted = results::Interruption{"SIGINT", 2, 12'345.0};
  return results;
}

// The sample run without its failing case: everything that ran passed.
results::Results passing() {
  results::Results results = sample_results();
  results.cases.erase(results.cases.begin() + 1);
  results.violations.clear();
  results.summary = {1, 0, 0, 1, 0};
  return results;
}

TEST(InterruptionBanner, APassingRunThatWasInterruptedIsNotPassed) {
  EXPECT_EQ(overall_verdict(passing()), "PASSED");
  const auto results = interrupted(passing());
  EXPECT_EQ(overall_verdict(results), "INTERRUPTED");
  EXPECT_EQ(overall_class(results), "inconclusive");
  const auto markdown = render_markdown(results);
  EXPECT_EQ(markdown.rfind("## MQTT conformance: INTERRUPTED\n\n**Interrupted by SIGINT after 12.3 s: partial "
                           "results.",
                           0),
            0u)
      << markdown;
}

TEST(InterruptionBanner, WhatTheRecordingProvesStillShows) {
  const auto results = interrupted(sample_results());  // one failed case
  EXPECT_EQ(overall_verdict(results), "FAILED (INTERRUPTED)");
  EXPECT_EQ(overall_class(results), "failed");
}

TEST(InterruptionBanner, EveryReportSaysSoAtTheTop) {
  const auto results = interrupted(passing());
  const auto html = render_html(results);
  const auto header = html.find("<header");
  const auto banner = html.find("<p class=\"interrupted\"><strong>Interrupted by SIGINT after 12.3 s: partial results.");
  ASSERT_NE(header, std::string::npos);
  ASSERT_NE(banner, std::string::npos) << html.substr(header, 600);
  EXPECT_LT(banner, html.find("</header>"));
  EXPECT_NE(html.find("<title>MQTT conformance report: INTERRUPTED"), std::string::npos);

  const auto junit = render_junit(results);
  EXPECT_EQ(junit.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- Interrupted by SIGINT after 12.3 s: partial "
                        "results.",
                        0),
            0u)
      << junit.substr(0, 300);
  EXPECT_NE(junit.find("<testsuites name=\"mqtt-harness conformance (interrupted by SIGINT after 12.3 s)\""),
            std::string::npos);
  EXPECT_NE(junit.find("<property name=\"interrupted\" value=\"interrupted by SIGINT after 12.3 s\"/>"),
            std::string::npos);
  // A run that was not interrupted has none of it.
  EXPECT_EQ(render_junit(passing()).find("nterrupted"), std::string::npos);
  EXPECT_EQ(render_markdown(passing()).find("nterrupted"), std::string::npos);
}

}  // namespace
}  // namespace mqtt::reports
