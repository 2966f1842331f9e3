// JUnit XML, the Markdown summary and the comparison page.
#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "history/json.hpp"
#include "results/json.hpp"
#include "tests/reports/sample_results.hpp"

namespace mqtt::reports {
namespace {

using testing::read_file;
using testing::run_command;
using testing::sample_results;

std::string attribute_of(const std::string& xml, const std::string& element, const std::string& name) {
  const std::regex pattern("<" + element + "[^>]*\\s" + name + "=\"([^\"]*)\"");
  std::smatch match;
  if (!std::regex_search(xml, match, pattern)) return "(missing)";
  return match[1];
}

int count_of(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto position = text.find(needle); position != std::string::npos; position = text.find(needle, position + 1)) {
    ++count;
  }
  return count;
}

TEST(JunitReport, IsWellFormedXmlWithTheRightCounts) {
  const std::string xml = render_junit(sample_results());
  const auto path = std::filesystem::temp_directory_path() / "mqtt-reports-junit-test.xml";
  {
    std::ofstream out(path);
    out << xml;
  }
  const auto lint = run_command("xmllint --noout " + path.string() + "; echo exit=$?");
  EXPECT_EQ(lint.output, "exit=0\n") << "xmllint rejected the JUnit XML (is xmllint installed?)";
  std::filesystem::remove(path);

  EXPECT_EQ(attribute_of(xml, "testsuites", "tests"), "4");
  EXPECT_EQ(attribute_of(xml, "testsuites", "failures"), "1");
  EXPECT_EQ(attribute_of(xml, "testsuites", "errors"), "0");
  EXPECT_EQ(attribute_of(xml, "testsuites", "skipped"), "1");
  EXPECT_EQ(count_of(xml, "<testcase "), 4);
  EXPECT_EQ(count_of(xml, "<testsuite "), 2);  // sections 3.1 and 3.3
  EXPECT_NE(xml.find("<testsuite name=\"MQTT 3.3\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testsuite name=\"MQTT 3.1\" tests=\"3\" failures=\"0\" errors=\"0\" skipped=\"1\""),
            std::string::npos)
      << xml;
}

TEST(JunitReport, FailuresNameTheStatementAndSkipsCarryTheReason) {
  const std::string xml = render_junit(sample_results());
  EXPECT_NE(xml.find("<failure message=\"MQTT-3.3.1-3: DUP flag set on the first delivery of packet id 1\" "
                     "type=\"MQTT-3.3.1-3\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("requires: The DUP flag of a forwarded PUBLISH"), std::string::npos);
  EXPECT_NE(xml.find("&lt;sensors/+&gt; &amp; then"), std::string::npos) << "user text is escaped";
  EXPECT_NE(xml.find("<skipped message=\"needs MQTT 5.0; target speaks 3.1.1\"/>"), std::string::npos);
  EXPECT_NE(xml.find("classname=\"mqtt.3.3\" time=\"1.204\""), std::string::npos);
}

TEST(JunitReport, ErrorsBecomeErrorElementsAndControlCharactersAreDropped) {
  results::Results results = sample_results();
  results.cases[0].verdict = results::Verdict::error;
  results.cases[0].message = "broker closed \x01 the socket";
  results.summary.errors = 1;
  const std::string xml = render_junit(results);
  EXPECT_EQ(attribute_of(xml, "testsuites", "errors"), "1");
  EXPECT_NE(xml.find("<error message=\"broker closed ? the socket\""), std::string::npos) << xml;
}

TEST(MarkdownReport, SummarisesTotalsAndFailures) {
  const std::string markdown = render_markdown(sample_results());
  EXPECT_EQ(markdown.rfind("## MQTT conformance: FAILED\n", 0), 0u) << markdown;
  EXPECT_NE(markdown.find("| 1 | 1 | 1 | 0 | 0 | 1 | 0 |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| publish-dup-first-delivery | failed | MQTT-3.3.1-3 | MUST |"), std::string::npos)
      << markdown;
  EXPECT_EQ(markdown.find("http"), std::string::npos);
  EXPECT_EQ(markdown.find("]("), std::string::npos) << "no Markdown links";
  EXPECT_EQ(markdown.find(testing::secret_password), std::string::npos);
}

TEST(MarkdownReport, PassingRunHasNoFailureTable) {
  results::Results results = sample_results();
  results.cases.erase(results.cases.begin() + 1);
  results.violations.clear();
  results.summary = {1, 0, 0, 1, 0};
  const std::string markdown = render_markdown(results);
  EXPECT_EQ(markdown.rfind("## MQTT conformance: PASSED\n", 0), 0u);
  EXPECT_EQ(markdown.find("### Failures"), std::string::npos);
}

TEST(ComparisonReport, ShowsEveryStatementForEveryRun) {
  results::Results first = sample_results();
  results::Results second = sample_results();
  second.target = "mqtt://127.0.0.1:1884";
  second.statements[2].verdict = results::Verdict::passed;
  const auto directory = std::filesystem::temp_directory_path() / "mqtt-reports-comparison-test";
  std::filesystem::create_directories(directory);
  write_json(first, directory / "first.json");
  write_json(second, directory / "second.json");
  write_comparison_html({directory / "first.json", directory / "second.json"}, directory / "comparison.html");
  const std::string html = read_file((directory / "comparison.html").string());
  std::filesystem::remove_all(directory);

  EXPECT_NE(html.find("mqtt://alice:***@127.0.0.1:1883"), std::string::npos);
  EXPECT_NE(html.find("mqtt://127.0.0.1:1884"), std::string::npos);
  EXPECT_EQ(html.find(testing::secret_password), std::string::npos);
  // Listed once among the broken statements (by the first run only), once in the matrix.
  EXPECT_EQ(count_of(html, "<code>MQTT-3.3.1-3</code>"), 2);
  const auto broken = html.find("<table class=\"broken\">");
  ASSERT_NE(broken, std::string::npos);
  const auto broken_row = html.find("<code>MQTT-3.3.1-3</code>", broken);
  const std::string broken_text = html.substr(broken_row, html.find("</tr>", broken_row) - broken_row);
  EXPECT_NE(broken_text.find("mqtt://alice:***@127.0.0.1:1883 (failed)"), std::string::npos) << broken_text;
  EXPECT_EQ(broken_text.find("1884"), std::string::npos) << broken_text;
  const auto row = html.find("<code>MQTT-3.3.1-3</code>", html.find("<table class=\"matrix\">"));
  const std::string row_text = html.substr(row, html.find("</tr>", row) - row);
  EXPECT_NE(row_text.find("badge failed"), std::string::npos);
  EXPECT_NE(row_text.find("badge passed"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
}

TEST(ComparisonReport, RunsAreNamedByTheirLabels) {
  results::Results first = sample_results();
  results::Results second = sample_results();
  second.statements[2].verdict = results::Verdict::passed;
  const std::string html = render_comparison_html({first, second}, {"mosquitto 2.0.11", "embedded"});
  EXPECT_NE(html.find("<td><strong>mosquitto 2.0.11</strong></td>"), std::string::npos);
  EXPECT_NE(html.find("#2<br><code>embedded</code></th>"), std::string::npos);
  const auto broken = html.find("<table class=\"broken\">");
  ASSERT_NE(broken, std::string::npos);
  const std::string table = html.substr(broken, html.find("</table>", broken) - broken);
  EXPECT_NE(table.find("<code>MQTT-3.3.1-3</code></td><td>MUST</td><td>mosquitto 2.0.11 (failed)</td>"),
            std::string::npos)
      << table;
}

TEST(ComparisonReport, LoadErrorsNameTheFile) {
  const auto path = std::filesystem::temp_directory_path() / "mqtt-reports-bad-results.json";
  {
    std::ofstream out(path);
    out << R"({"kind": "conformance"})";
  }
  try {
    load_results({path});
    FAIL() << "expected a FormatError";
  } catch (const history::FormatError& error) {
    EXPECT_EQ(std::string(error.what()), path.string() + ": key \"target\": missing");
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace mqtt::reports
