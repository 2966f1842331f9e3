// Inconclusive and accepted verdicts, stale accepted deviations and an absent target, in every report format: the
// reason stands next to each case, JUnit skips inconclusive cases with it and passes accepted ones with the accepted
// violation in <system-out>.
#include <regex>

#include <gtest/gtest.h>

#include "reports/reports.hpp"
#include "tests/reports/sample_results.hpp"

namespace mqtt::reports {
namespace {

constexpr const char* refusal = "target refused the CONNECT of client 'backend': return code 5 (not authorized)";
// The same sentence as XML and HTML carry it.
const std::string refusal_markup = std::regex_replace(refusal, std::regex("'"), "&#39;");

results::Results with_new_verdicts() {
  results::Results results = testing::sample_results();
  results::CaseResult inconclusive;
  inconclusive.id = "auth-refused";
  inconclusive.title = "A subscriber whose CONNECT was refused";
  inconclusive.section = "3.1";
  inconclusive.verdict = results::Verdict::inconclusive;
  inconclusive.message = refusal;
  inconclusive.statements = {"MQTT-3.2.0-1"};
  results.cases.push_back(inconclusive);

  results::Violation violation = results.cases[1].violations[0];
  violation.statement = "MQTT-2.2.2-2";
  violation.case_id = "pingreq-flags";
  violation.message = "the server answered PINGRESP to a forbidden packet";
  violation.accepted = results::AcceptedDeviation{"MQTT-2.2.2-2", "pingreq-*", "known: answers PINGRESP",
                                                  "mosquitto 2.0.11", "accepted.json:5:5"};
  results::CaseResult accepted;
  accepted.id = "pingreq-flags";
  accepted.title = "PINGREQ with reserved flags";
  accepted.section = "3.12";
  accepted.verdict = results::Verdict::accepted;
  accepted.message = "accepted deviation of MQTT-2.2.2-2: known: answers PINGRESP";
  accepted.violations = {violation};
  results.cases.push_back(accepted);
  results.violations.push_back(violation);
  results.stale_accepted = {{"MQTT-3.3.5-1", "topics.overlap*", "one copy only", "", "accepted.json:9:5"}};
  results.summary = results::summarise(results.cases);
  return results;
}

std::string testcase_xml(const std::string& xml, const std::string& id) {
  const auto start = xml.find("<testcase name=\"" + id);
  if (start == std::string::npos) return "(missing)";
  const auto self_closed = xml.find("/>", start);
  const auto end = xml.find("</testcase>", start);
  const auto tag_end = xml.find('>', start);
  if (self_closed != std::string::npos && self_closed + 1 == tag_end) return xml.substr(start, tag_end - start + 1);
  return xml.substr(start, end - start);
}

TEST(VerdictReasons, JunitSkipsInconclusiveWithTheReasonAndPassesAcceptedWithTheViolation) {
  const std::string xml = render_junit(with_new_verdicts());
  const std::string inconclusive = testcase_xml(xml, "auth-refused");
  EXPECT_NE(inconclusive.find("<skipped message=\"inconclusive: " + refusal_markup + "\"/>"), std::string::npos)
      << inconclusive;
  const std::string accepted = testcase_xml(xml, "pingreq-flags");
  EXPECT_EQ(accepted.find("<failure"), std::string::npos) << accepted;
  EXPECT_NE(accepted.find("<system-out>accepted: MQTT-2.2.2-2 (MUST): the server answered PINGRESP to a forbidden "
                          "packet — known: answers PINGRESP (mosquitto 2.0.11)"),
            std::string::npos)
      << accepted;
  // Counts: the inconclusive case is one more skip, the accepted one no failure.
  const std::regex totals("<testsuites [^>]*failures=\"1\" errors=\"0\" skipped=\"2\"");
  EXPECT_TRUE(std::regex_search(xml, totals)) << xml.substr(0, 300);
  EXPECT_NE(xml.find("<property name=\"stale_accepted_deviation\" value=\"MQTT-3.3.5-1 in topics.overlap* "
                     "(accepted.json:9:5): no longer occurs\"/>"),
            std::string::npos);
}

TEST(VerdictReasons, MarkdownCountsAndListsReasonsAcceptedAndStale) {
  const std::string markdown = render_markdown(with_new_verdicts());
  EXPECT_NE(markdown.find("| Passed | Failed | Warned | Accepted | Inconclusive | Skipped | Errors |"),
            std::string::npos);
  EXPECT_NE(markdown.find("| 1 | 1 | 1 | 1 | 1 | 1 | 0 |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("### Inconclusive (not exercised)"), std::string::npos);
  EXPECT_NE(markdown.find("| auth-refused | " + std::string(refusal) + " |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| pingreq-flags | MQTT-2.2.2-2 | MUST | the server answered PINGRESP to a forbidden packet "
                          "| known: answers PINGRESP | mosquitto 2.0.11 |"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("- MQTT-3.3.5-1 in topics.overlap\\* (accepted.json:9:5): one copy only"), std::string::npos)
      << markdown;
}

TEST(VerdictReasons, MarkdownHeadlineFollowsTheExitCodesPrecedence) {
  results::Results results = with_new_verdicts();
  EXPECT_EQ(render_markdown(results).rfind("## MQTT conformance: FAILED\n", 0), 0u);
  results.cases.erase(results.cases.begin() + 1);  // the failed case
  results.summary = results::summarise(results.cases);
  EXPECT_EQ(render_markdown(results).rfind("## MQTT conformance: INCONCLUSIVE\n", 0), 0u);
  results.cases.erase(results.cases.end() - 2);  // the inconclusive case
  results.cases.erase(results.cases.begin() + 2);  // the warned case
  results.summary = results::summarise(results.cases);
  EXPECT_EQ(render_markdown(results).rfind("## MQTT conformance: PASSED WITH ACCEPTED DEVIATIONS\n", 0), 0u);
  results.target_problem = "target refused CONNECT: return code 5 (not authorized)";
  const std::string absent = render_markdown(results);
  EXPECT_EQ(absent.rfind("## MQTT conformance: TARGET DID NOT TAKE PART\n\n**target refused CONNECT: return code 5 "
                         "(not authorized)**",
                         0),
            0u)
      << absent;
}

TEST(VerdictReasons, HtmlShowsCountsColoursReasonsAndAcceptance) {
  const std::string html = render_html(with_new_verdicts());
  EXPECT_NE(html.find("<th class=\"number\">Accepted</th><th class=\"number\">Inconclusive</th>"), std::string::npos);
  EXPECT_NE(html.find("1 accepted, 1 inconclusive"), std::string::npos);
  EXPECT_NE(html.find(".badge.inconclusive { background: var(--inconclusive); }"), std::string::npos);
  // The reason right under the case's heading.
  const auto inconclusive = html.find("<article class=\"case inconclusive\" id=\"case-auth-refused\"");
  ASSERT_NE(inconclusive, std::string::npos);
  EXPECT_NE(html.find("<p class=\"message\">" + refusal_markup + "</p>", inconclusive), std::string::npos);
  const auto accepted = html.find("<article class=\"case accepted\" id=\"case-pingreq-flags\"");
  ASSERT_NE(accepted, std::string::npos);
  EXPECT_NE(html.find("<div class=\"violation accepted\"><p><strong>Accepted deviation: violated <code>MQTT-2.2.2-2</code>",
                      accepted),
            std::string::npos);
  EXPECT_NE(html.find("Accepted because: known: answers PINGRESP", accepted), std::string::npos);
  EXPECT_NE(html.find("<section id=\"stale\" class=\"stale\">"), std::string::npos);
  // Inconclusive and accepted cases come after the failures and before the passes.
  EXPECT_LT(html.find("id=\"case-publish-dup-first-delivery\""), inconclusive);
  EXPECT_LT(inconclusive, html.find("id=\"case-connect-ping\""));
}

TEST(VerdictReasons, HtmlBannerNamesTheAbsentTarget) {
  results::Results results = with_new_verdicts();
  results.target_problem = "target did not answer CONNECT within 3000 ms";
  const std::string html = render_html(results);
  EXPECT_NE(html.find("<header class=\"banner inconclusive\"><h1>MQTT conformance report: TARGET DID NOT TAKE PART</h1>"),
            std::string::npos);
  EXPECT_NE(html.find("<p><strong>target did not answer CONNECT within 3000 ms</strong></p>"), std::string::npos);
}

}  // namespace
}  // namespace mqtt::reports
