// write_all's folder of reports, JUnit against the schema CI readers expect, and `mqtt-harness report`
// re-rendering saved results (several files: the broker x statement comparison).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "history/json.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "results/json.hpp"
#include "tests/reports/child_process.hpp"
#include "tests/reports/sample_results.hpp"

namespace mqtt::reports {
namespace {

using testing::ChildOptions;
using testing::read_file;
using testing::run_child;
using testing::sample_results;
using testing::TemporaryDirectory;

const std::filesystem::path junit_schema = MQTT_REPORTS_TEST_DATA "/junit.xsd";

int count_of(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto position = text.find(needle); position != std::string::npos;
       position = text.find(needle, position + 1)) {
    ++count;
  }
  return count;
}

testing::ChildResult xmllint(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "xmllint");
  return run_child(arguments, ChildOptions{.deadline = std::chrono::seconds(20)});
}

std::string xpath(const std::filesystem::path& file, const std::string& expression) {
  const auto run = xmllint({"--xpath", expression, file.string()});
  EXPECT_EQ(run.exit_code, 0) << expression << ": " << run.errors;
  std::string value = run.output;
  if (!value.empty() && value.back() == '\n') value.pop_back();
  return value;
}

TEST(ReportFiles, WriteAllWritesEveryFormat) {
  const std::filesystem::path directory = MQTT_REPORTS_SAMPLE_DIRECTORY;  // kept for docs/images/report.png
  std::filesystem::remove_all(directory);
  const results::Results results = sample_results();
  write_all(results, directory / "nested");  // creates missing folders

  for (const char* name :
       {"results.json", "report.html", "junit.xml", "summary.md", "history.jsonl", "history.pcap"}) {
    const auto path = directory / "nested" / name;
    ASSERT_TRUE(std::filesystem::is_regular_file(path)) << path;
    EXPECT_GT(std::filesystem::file_size(path), 100u) << path;
    EXPECT_EQ(read_file(path.string()).find(testing::secret_password), std::string::npos) << path;
  }
  const auto folder = directory / "nested";
  EXPECT_EQ(read_file((folder / "report.html").string()), render_html(results));
  EXPECT_EQ(read_file((folder / "junit.xml").string()), render_junit(results));
  EXPECT_EQ(read_file((folder / "summary.md").string()), render_markdown(results));
  const std::string pcap = read_file((folder / "history.pcap").string());
  EXPECT_EQ(pcap.substr(0, 4), std::string("\xD4\xC3\xB2\xA1", 4)) << "classic little-endian pcap";
  // The capture starts at the run's wall-clock start (2026-11-25T12:00:00Z = 1795608000).
  const auto byte = [&pcap](std::size_t index) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(pcap[index]));
  };
  EXPECT_EQ(byte(24) | byte(25) << 8 | byte(26) << 16 | byte(27) << 24, 1795608000u);
}

TEST(ReportFiles, ResultsJsonRoundTrips) {
  const TemporaryDirectory directory("mqtt-report-files-json");
  const results::Results results = sample_results();
  write_all(results, directory.path());
  const auto saved = nlohmann::json::parse(read_file((directory.path() / "results.json").string()));
  EXPECT_EQ(saved, results::to_json(redact(results)));
  const results::Results loaded = results::results_from_json(saved);
  EXPECT_EQ(results::to_json(loaded), saved);
  EXPECT_EQ(loaded.cases.size(), 4u);
  EXPECT_EQ(loaded.cases[1].history.size(), results.cases[1].history.size());
  EXPECT_EQ(loaded.target, "mqtt://alice:***@127.0.0.1:1883");
  // Re-rendering saved results gives the same report as rendering the run.
  EXPECT_EQ(render_html(loaded), render_html(results));
  EXPECT_EQ(render_junit(loaded), render_junit(results));
}

TEST(ReportFiles, HistoryJsonlIsTheCombinedHistory) {
  const TemporaryDirectory directory("mqtt-report-files-jsonl");
  const results::Results results = sample_results();
  write_all(results, directory.path());
  std::ifstream in(directory.path() / "history.jsonl");
  const history::History loaded = history::read_json_lines(in, "history.jsonl");
  const history::History expected = combined_history(results);
  ASSERT_EQ(loaded.events.size(), expected.events.size());
  EXPECT_EQ(loaded.events, expected.events);
  EXPECT_EQ(loaded.events.front().actor, "connect-ping/probe");
  EXPECT_EQ(loaded.events.back().actor, "publish-dup-first-delivery/subscriber");
  std::uint32_t highest_connection = 0;
  for (const auto& event : loaded.events) highest_connection = std::max(highest_connection, event.connection);
  EXPECT_EQ(highest_connection, 3u) << "probe, publisher and subscriber are three connections";
}

TEST(ReportFiles, WriteAllNamesTheFolderItCannotCreate) {
  const TemporaryDirectory directory("mqtt-report-files-blocked");
  const auto blocker = directory.path() / "file";
  std::ofstream(blocker) << "not a folder";
  try {
    write_all(sample_results(), blocker / "reports");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()).rfind((blocker / "reports").string() + ": ", 0), 0u) << error.what();
  }
}

TEST(JunitSchema, ReportValidatesAgainstTheJunitSchema) {
  const TemporaryDirectory directory("mqtt-report-junit-schema");
  const auto junit = directory.path() / "junit.xml";
  write_junit(sample_results(), junit);
  const auto valid = xmllint({"--noout", "--schema", junit_schema.string(), junit.string()});
  EXPECT_EQ(valid.exit_code, 0) << valid.errors << " (xmllint: apt install libxml2-utils)";

  // A run where every verdict appears, including an error, validates too.
  results::Results every_verdict = sample_results();
  every_verdict.cases.push_back({"broker-crash",
                                 "Broker closes mid-case",
                                 "3.14",
                                 results::Verdict::error,
                                 {},
                                 12.0,
                                 "connection refused",
                                 {},
                                 {},
                                 {}});
  every_verdict.summary.errors = 1;
  write_junit(every_verdict, junit);
  const auto also_valid = xmllint({"--noout", "--schema", junit_schema.string(), junit.string()});
  EXPECT_EQ(also_valid.exit_code, 0) << also_valid.errors;
}

TEST(JunitSchema, SchemaRejectsWhatReadersWouldMisread) {
  // The schema must be able to fail: each of these breaks one thing a reader relies on.
  const TemporaryDirectory directory("mqtt-report-junit-bad");
  const std::vector<std::pair<std::string, std::string>> broken = {
      {"no classname",
       R"(<testsuites tests="1" failures="0" errors="0"><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="c" time="0"/></testsuite></testsuites>)"},
      {"time with a unit",
       R"(<testsuites tests="1" failures="0" errors="0"><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="c" classname="k" time="1.2s"/></testsuite></testsuites>)"},
      {"failure without message",
       R"(<testsuites tests="1" failures="1" errors="0"><testsuite name="s" tests="1" failures="1" errors="0"><testcase name="c" classname="k" time="0"><failure type="t">x</failure></testcase></testsuite></testsuites>)"},
      {"failure and skipped",
       R"(<testsuites tests="1" failures="1" errors="0"><testsuite name="s" tests="1" failures="1" errors="0"><testcase name="c" classname="k" time="0"><skipped/><failure message="m" type="t"/></testcase></testsuite></testsuites>)"},
      {"testcase outside a suite",
       R"(<testsuites tests="1" failures="0" errors="0"><testcase name="c" classname="k" time="0"/></testsuites>)"},
  };
  for (const auto& [name, xml] : broken) {
    const auto path = directory.path() / "broken.xml";
    std::ofstream(path) << xml;
    const auto run = xmllint({"--noout", "--schema", junit_schema.string(), path.string()});
    EXPECT_NE(run.exit_code, 0) << name << " was accepted";
  }
}

TEST(JunitSchema, CountsAgreeWithTheTestcases) {
  // What Jenkins and GitLab display comes from these attributes; they must match the elements.
  const TemporaryDirectory directory("mqtt-report-junit-counts");
  const auto junit = directory.path() / "junit.xml";
  write_junit(sample_results(), junit);
  EXPECT_EQ(xpath(junit, "count(//testcase)"), "4");
  EXPECT_EQ(xpath(junit, "string(/testsuites/@tests)"), "4");
  EXPECT_EQ(xpath(junit, "string(/testsuites/@failures)"), "1");
  EXPECT_EQ(xpath(junit, "count(//testcase/failure)"), "1");
  EXPECT_EQ(xpath(junit, "count(//testcase/skipped)"), "1");
  EXPECT_EQ(xpath(junit, "sum(/testsuites/testsuite/@tests)"), "4");
  EXPECT_EQ(xpath(junit, "count(/testsuites/testsuite[@tests != count(testcase)])"), "0");
  EXPECT_EQ(xpath(junit, "count(/testsuites/testsuite[@failures != count(testcase/failure)])"), "0");
  EXPECT_EQ(xpath(junit, "count(/testsuites/testsuite[@skipped != count(testcase/skipped)])"), "0");
  EXPECT_EQ(xpath(junit, "count(/testsuites/testsuite[@errors != count(testcase/error)])"), "0");
  EXPECT_EQ(xpath(junit, "string(//testcase[failure]/@classname)"), "mqtt.3.3");
  EXPECT_EQ(xpath(junit, "string(//testcase/failure/@type)"), "MQTT-3.3.1-3");
  EXPECT_EQ(xpath(junit, "string(//property[@name='seed']/@value)"), "424242");
}

// ---- mqtt-harness report
// ------------------------------------------------------------------------------------

testing::ChildResult harness(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), MQTT_HARNESS_BINARY);
  return run_child(arguments, ChildOptions{.deadline = std::chrono::seconds(20)});
}

TEST(ReportCommand, SeveralResultsBecomeABrokerByStatementComparison) {
  const TemporaryDirectory directory("mqtt-report-command-compare");
  results::Results first = sample_results();
  results::Results second = sample_results();
  second.target = "mqtt://127.0.0.1:1884";
  second.statements[2].verdict = results::Verdict::passed;  // MQTT-3.3.1-3
  second.statements.pop_back();                             // MQTT-3.1.3-9 absent from the second run
  write_json(first, directory.path() / "A.json");
  write_json(second, directory.path() / "B.json");
  const auto output = directory.path() / "compare.html";

  const auto run = harness({"report", (directory.path() / "A.json").string(),
                            (directory.path() / "B.json").string(), "--html", output.string()});
  ASSERT_FALSE(run.timed_out);
  ASSERT_EQ(run.exit_code, 0) << run.errors;
  EXPECT_EQ(run.output, "comparison of 2 runs: " + output.string() + "\n");
  const std::string html = read_file(output.string());
  EXPECT_NE(html.find("<h1>MQTT broker comparison</h1>"), std::string::npos);
  EXPECT_NE(html.find("2 runs, 5 statements."), std::string::npos);
  EXPECT_EQ(html.find(testing::secret_password), std::string::npos);
  // One column per broker, one row per statement.
  const auto matrix = html.find("<table class=\"matrix\">");
  ASSERT_NE(matrix, std::string::npos);
  const std::string table = html.substr(matrix);
  // --label names the runs; one per file or the command refuses.
  const auto labelled = harness({"report", (directory.path() / "A.json").string(),
                                 (directory.path() / "B.json").string(), "--label", "staging", "--label", "prod",
                                 "--html", (directory.path() / "labelled.html").string()});
  ASSERT_EQ(labelled.exit_code, 0) << labelled.errors;
  EXPECT_NE(read_file((directory.path() / "labelled.html").string()).find("#2<br><code>prod</code>"),
            std::string::npos);
  const auto one_label = harness({"report", (directory.path() / "A.json").string(),
                                  (directory.path() / "B.json").string(), "--label", "staging", "--html",
                                  (directory.path() / "x.html").string()});
  EXPECT_EQ(one_label.exit_code, 2);
  EXPECT_EQ(one_label.errors,
            "mqtt-harness report: --label given 1 time(s) for 2 results file(s): give one per file, in order\n");
  EXPECT_NE(table.find("#1<br><code>mqtt://alice:***@127.0.0.1:1883</code>"), std::string::npos);
  EXPECT_NE(table.find("#2<br><code>mqtt://127.0.0.1:1884</code>"), std::string::npos);
  auto row_of = [&table](const std::string& id) {
    const auto start = table.find("<code>" + id + "</code>");
    return start == std::string::npos ? std::string("(missing)")
                                      : table.substr(start, table.find("</tr>", start) - start);
  };
  EXPECT_EQ(count_of(table, "<tr><td class=\"statement\">"), 5);
  const std::string dup_row = row_of("MQTT-3.3.1-3");
  EXPECT_LT(dup_row.find("badge failed"), dup_row.find("badge passed")) << dup_row;
  const std::string will_row = row_of("MQTT-3.1.3-9");
  EXPECT_NE(will_row.find("not tested"), std::string::npos) << will_row;
  EXPECT_NE(will_row.find("<td class=\"muted\">—</td>"), std::string::npos) << will_row;
}

TEST(ReportCommand, ComparisonGoesIntoTheReportDirAndRejectsSingleRunFormats) {
  const TemporaryDirectory directory("mqtt-report-command-compare-dir");
  write_json(sample_results(), directory.path() / "A.json");
  write_json(sample_results(), directory.path() / "B.json");
  const std::string first = (directory.path() / "A.json").string(),
                    second = (directory.path() / "B.json").string();

  const auto into_folder = harness({"report", first, second, "-o", (directory.path() / "out").string()});
  ASSERT_EQ(into_folder.exit_code, 0) << into_folder.errors;
  EXPECT_TRUE(std::filesystem::is_regular_file(directory.path() / "out" / "comparison.html"));

  const auto junit = harness({"report", first, second, "--junit", (directory.path() / "j.xml").string()});
  EXPECT_EQ(junit.exit_code, 2);
  EXPECT_EQ(
      junit.errors.rfind("mqtt-harness report: --junit, --markdown and --json take one results file", 0), 0u)
      << junit.errors;
  EXPECT_FALSE(std::filesystem::exists(directory.path() / "j.xml"));
}

TEST(ReportCommand, OneResultsFileReRendersEachFormat) {
  const TemporaryDirectory directory("mqtt-report-command-single");
  const results::Results results = sample_results();
  write_json(results, directory.path() / "results.json");
  const auto run =
      harness({"report", (directory.path() / "results.json").string(), "--html",
               (directory.path() / "r.html").string(), "--junit", (directory.path() / "j.xml").string(),
               "--markdown", (directory.path() / "s.md").string()});
  ASSERT_EQ(run.exit_code, 0) << run.errors;
  EXPECT_EQ(read_file((directory.path() / "r.html").string()), render_html(results));
  EXPECT_EQ(read_file((directory.path() / "j.xml").string()), render_junit(results));
  EXPECT_EQ(read_file((directory.path() / "s.md").string()), render_markdown(results));

  const auto to_stdout = harness({"report", (directory.path() / "results.json").string()});
  EXPECT_EQ(to_stdout.exit_code, 0);
  EXPECT_EQ(to_stdout.output, render_markdown(results));
}

TEST(ReportCommand, BadResultsFileIsExitTwoNamingTheFile) {
  const TemporaryDirectory directory("mqtt-report-command-bad");
  const auto path = directory.path() / "broken.json";
  std::ofstream(path) << "{\"kind\": \"conformance\",\n \"target\": ";
  const auto run = harness({"report", path.string(), "--html", (directory.path() / "r.html").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.errors.rfind("mqtt-harness report: " + path.string() + ": not valid JSON", 0), 0u)
      << run.errors;
  EXPECT_EQ(count_of(run.errors, "\n"), 1) << "one line";
  EXPECT_FALSE(std::filesystem::exists(directory.path() / "r.html"));
}

}  // namespace
}  // namespace mqtt::reports
