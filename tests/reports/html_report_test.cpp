// The single-run HTML report: self-contained, diagrams inline, summary first, secrets gone; and Debian's
// headless Chromium renders it without fetching anything from the network.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "reports/reports.hpp"
#include "tests/reports/child_process.hpp"
#include "tests/reports/sample_results.hpp"

namespace mqtt::reports {
namespace {

using testing::ChildOptions;
using testing::read_file;
using testing::run_child;
using testing::sample_results;
using testing::TemporaryDirectory;

int count_of(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto position = text.find(needle); position != std::string::npos;
       position = text.find(needle, position + 1)) {
    ++count;
  }
  return count;
}

std::size_t position_of(const std::string& html, const std::string& needle) {
  const auto position = html.find(needle);
  EXPECT_NE(position, std::string::npos) << "missing: " << needle;
  return position;
}

// Every URL-valued attribute and CSS reference in the page.
std::vector<std::string> references_in(const std::string& html) {
  std::vector<std::string> references;
  const std::regex attribute(
      R"re(\s(?:src|href|xlink:href|srcset|poster|data|action|formaction)\s*=\s*"([^"]*)")re",
      std::regex::icase);
  for (auto match = std::sregex_iterator(html.begin(), html.end(), attribute);
       match != std::sregex_iterator(); ++match) {
    references.push_back((*match)[1]);
  }
  const std::regex css(R"re((?:url\s*\(|@import)\s*['"]?([^'")\s;]*))re", std::regex::icase);
  for (auto match = std::sregex_iterator(html.begin(), html.end(), css); match != std::sregex_iterator();
       ++match) {
    references.push_back("css:" + std::string((*match)[1]));
  }
  return references;
}

TEST(HtmlReport, IsSelfContained) {
  const std::string html = render_html(sample_results());
  const auto references = references_in(html);
  EXPECT_FALSE(references.empty()) << "the page links its own sections";
  for (const auto& reference : references) {
    EXPECT_EQ(reference.rfind('#', 0), 0u) << "reference that leaves the page: " << reference;
  }
  for (const char* element :
       {"<script ", "<link", "<img", "<iframe", "<object", "<embed", "<base", "<meta http-equiv"}) {
    EXPECT_EQ(html.find(element), std::string::npos) << element;
  }
  // One inline script (the filter), which reaches nothing outside the page.
  EXPECT_EQ(count_of(html, "<script>"), 1);
  const auto script = html.find("<script>");
  const std::string code = html.substr(script, html.find("</script>", script) - script);
  for (const char* call : {"fetch", "XMLHttpRequest", "import", "src", "WebSocket", "eval", "location.href", "location.assign"}) {
    EXPECT_EQ(code.find(call), std::string::npos) << call;
  }
  // Only the SVG namespace identifiers may look like URLs, and Graphviz's are stripped.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(HtmlReport, ReferenceCheckCatchesExternalAssets) {
  // The check above must be able to fail.
  const auto references = references_in(
      R"(<img src="https://cdn.example/a.png"><link href="style.css"><style>@import 'x.css'; b{background:url(y.png)}</style>)");
  EXPECT_EQ(references,
            (std::vector<std::string>{"https://cdn.example/a.png", "style.css", "css:x.css", "css:y.png"}));
}

TEST(HtmlReport, SummaryAndVerdictComeFirst) {
  const std::string html = render_html(sample_results());
  const auto body = position_of(html, "<body>");
  const auto banner =
      position_of(html, "<header class=\"banner failed\"><h1>MQTT conformance report: FAILED</h1>");
  const auto summary = position_of(html, "<section id=\"summary\">");
  const auto matrix = position_of(html, "<section id=\"matrix\">");
  const auto cases = position_of(html, "<section id=\"cases\">");
  EXPECT_LT(body, banner);
  EXPECT_EQ(html.find('<', body + 6), banner) << "the verdict banner is the first thing in the body";
  EXPECT_LT(banner, summary);
  EXPECT_LT(summary, matrix);
  EXPECT_LT(matrix, cases);
  EXPECT_NE(html.find("<p>1 passed, 1 failed, 1 warned, 0 accepted, 0 inconclusive, 1 skipped, 0 errors"),
            std::string::npos);
  EXPECT_NE(html.find("<title>MQTT conformance report: FAILED"), std::string::npos);
}

TEST(HtmlReport, ShowsTargetToolVersionSeedAndDate) {
  const std::string html = render_html(sample_results());
  const std::string facts = html.substr(position_of(html, "<table class=\"facts\">"));
  EXPECT_NE(facts.find("<tr><th>Target</th><td><code>mqtt://alice:***@127.0.0.1:1883</code></td></tr>"),
            std::string::npos);
  EXPECT_NE(facts.find("<tr><th>Tool version</th><td>0.1.0</td></tr>"), std::string::npos);
  EXPECT_NE(facts.find("<tr><th>Seed</th><td><code>424242</code></td></tr>"), std::string::npos);
  EXPECT_NE(facts.find("<tr><th>Started (UTC)</th><td>2026-11-25T12:00:00Z</td></tr>"), std::string::npos);
  EXPECT_NE(facts.find("<tr><th>MQTT version</th><td>3.1.1</td></tr>"), std::string::npos);
  EXPECT_NE(html.find("replay with <code>--seed 424242</code>"), std::string::npos);
}

TEST(HtmlReport, HasAComplianceMatrixBySection) {
  const std::string html = render_html(sample_results());
  const auto matrix = position_of(html, "<section id=\"matrix\"><h2>Compliance by spec section</h2>");
  const std::string section = html.substr(matrix, html.find("</section>", matrix) - matrix);
  // One row per section group in numeric order, with statements / passed / failed / warned / accepted /
  // inconclusive / not tested.
  const std::regex row(
      R"re(<tr><td class="section"><a href="#section-([0-9_]+)">([0-9.]+)</a></td>((<td class="number">\d+</td>){7}))re");
  const std::regex number(R"re(<td class="number">(\d+)</td>)re");
  std::vector<std::string> rows;
  for (auto match = std::sregex_iterator(section.begin(), section.end(), row);
       match != std::sregex_iterator(); ++match) {
    std::string text = std::string((*match)[2]) + ":";
    const std::string cells = (*match)[3];
    for (auto cell = std::sregex_iterator(cells.begin(), cells.end(), number); cell != std::sregex_iterator(); ++cell) {
      text += std::string((*cell)[1]) + "/";
    }
    text.pop_back();
    rows.push_back(text);
  }
  EXPECT_EQ(rows, (std::vector<std::string>{"3.1:2/0/0/1/0/0/1", "3.2:1/1/0/0/0/0/0", "3.3:1/0/1/0/0/0/0",
                                            "3.12:1/1/0/0/0/0/0"}));
  EXPECT_NE(section.find("class=\"coverage-bar failed\""), std::string::npos);

  // Each section's statements, with verdict and links to the cases that checked them, follow the cases.
  const auto statements = position_of(html, "<section id=\"statements\"><h2>Statements by section</h2>");
  EXPECT_LT(position_of(html, "<section id=\"cases\">"), statements);
  const std::string listing = html.substr(statements, html.find("</section>", statements) - statements);
  EXPECT_LT(position_of(listing, "id=\"section-3_2\""), position_of(listing, "id=\"section-3_12\""));
  const auto table_33 = position_of(listing, "<h3 id=\"section-3_3\">Section 3.3</h3>");
  const std::string statement_row =
      listing.substr(table_33, listing.find("</tr>", listing.find("MQTT-3.3.1-3", table_33)) - table_33);
  EXPECT_NE(statement_row.find(
                "<code>MQTT-3.3.1-3</code></td><td>MUST</td><td><span class=\"badge failed\">failed"),
            std::string::npos)
      << statement_row;
  EXPECT_NE(statement_row.find("<a href=\"#case-publish-dup-first-delivery\">"), std::string::npos);
  EXPECT_NE(html.find("id=\"case-publish-dup-first-delivery\""), std::string::npos)
      << "the link has a target";
  EXPECT_NE(listing.find("<span class=\"badge skipped\">not tested</span>"), std::string::npos);
}

TEST(HtmlReport, FailingCaseShowsStatementExplanationAndAnInlineSequenceDiagram) {
  const std::string html = render_html(sample_results());
  const auto failing =
      position_of(html, "<article class=\"case failed\" id=\"case-publish-dup-first-delivery\"");
  const std::string article = html.substr(failing, html.find("</article>", failing) - failing);
  EXPECT_NE(article.find("Violated <code>MQTT-3.3.1-3</code> (MUST)"), std::string::npos);
  EXPECT_NE(article.find("The specification requires: The DUP flag of a forwarded PUBLISH"),
            std::string::npos);
  EXPECT_NE(article.find("<details open><summary>Steps</summary>"), std::string::npos);
  const auto diagram = position_of(article, "<div class=\"diagram\">");
  EXPECT_EQ(article.find("<svg", diagram), diagram + std::string("<div class=\"diagram\">").size())
      << "Graphviz output is inline SVG";
  const std::string svg = article.substr(diagram, article.find("</svg>", diagram) - diagram);
  // Lifelines for both clients and the broker; packets with key fields; the fault event.
  for (const char* label :
       {"publisher", "subscriber", "broker", "PUBLISH sensors/t1 q1", "PUBACK id=7", "latency"}) {
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  }
  // Failures come first among the cases; the passing case carries no diagram.
  EXPECT_LT(failing, position_of(html, "<article class=\"case passed\""));
  EXPECT_EQ(count_of(html, "<div class=\"diagram\">"), 1);
}

TEST(HtmlReport, ShowsObservedBehaviourAndCharts) {
  const std::string html = render_html(sample_results());
  EXPECT_NE(html.find("<section id=\"observed\">"), std::string::npos);
  EXPECT_NE(html.find("<code>queues-qos0-offline</code>"), std::string::npos);
  const auto stats = position_of(html, "<section id=\"stats\">");
  EXPECT_GE(count_of(html.substr(stats), "<svg class=\"chart\""), 4)
      << "messages, latency over time, connections, latency distribution";
}

results::Results fleet_sample() {
  results::Results results = sample_results();
  results.kind = "simulation";
  results.stats["fleet"]["devices_never_connected"] = 3;
  return results;
}

TEST(HtmlReport, FleetRunLeadsWithWarningsThenStatisticsAndShowsOnlyWhatItExercised) {
  const std::string html = render_html(fleet_sample());
  const auto banner = position_of(html, "<header class=\"banner");
  const auto warnings = position_of(html, "<section id=\"warnings\" class=\"warnings\">");
  const auto summary = position_of(html, "<section id=\"summary\">");
  const auto stats = position_of(html, "<section id=\"stats\">");
  const auto matrix = position_of(html, "<section id=\"matrix\">");
  const auto cases = position_of(html, "<section id=\"cases\">");
  EXPECT_LT(banner, warnings);
  EXPECT_LT(warnings, summary);
  EXPECT_LT(summary, stats) << "statistics first after the verdict for fleet runs";
  EXPECT_LT(stats, matrix);
  EXPECT_LT(matrix, cases);
  EXPECT_NE(html.find("<li>connect ramp unfinished: 3 of 50 devices never connected"), std::string::npos);
  EXPECT_NE(html.find("<h2>Statements the history exercised, by spec section</h2>"), std::string::npos);
  EXPECT_EQ(html.find("not tested</span>"), std::string::npos) << "statements the fleet never met are left out";
  EXPECT_NE(html.find("<th>Connect latency</th><td>p50 3.00 ms"), std::string::npos);
  // A conformance run keeps its order: statistics (if any) at the end.
  const std::string conformance = render_html(sample_results());
  EXPECT_GT(conformance.find("<section id=\"stats\">"), conformance.find("<section id=\"statements\">"));
}

TEST(HtmlReport, NeverContainsTheTargetPassword) {
  results::Results results = sample_results();
  results.cases[1].message +=
      " while talking to mqtt://alice:" + std::string(testing::secret_password) + "@host";
  const std::string html = render_html(results);
  EXPECT_EQ(html.find(testing::secret_password), std::string::npos);
  EXPECT_EQ(html.find(testing::secret_password_hex), std::string::npos);
  EXPECT_NE(html.find("mqtt://alice:***@host"), std::string::npos);
}

// ---- Rendering in a real browser
// ----------------------------------------------------------------------------

struct BrowserRun {
  testing::ChildResult child;
  std::string dom;
  std::vector<std::string> page_requests;  // URLs the page asked the network stack for
  std::string net_log_error;
};

// Loads `page` in headless Chromium with a fresh profile and dumps the DOM. Host resolution is mapped to
// NOTFOUND so nothing can leave the machine, and the network log records every URL request; requests whose
// network isolation key is the file:// page are the page's own fetches (the browser's background requests to
// its update and time services carry other keys and are ignored).
BrowserRun open_in_chromium(const std::filesystem::path& page) {
  const TemporaryDirectory profile("mqtt-report-chromium");
  const auto net_log = profile.path() / "net-log.json";
  BrowserRun run;
  run.child = run_child({"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--user-data-dir=" + (profile.path() / "profile").string(),
                         "--host-resolver-rules=MAP * ~NOTFOUND", "--log-net-log=" + net_log.string(),
                         "--dump-dom", "file://" + std::filesystem::absolute(page).string()},
                        ChildOptions{.deadline = std::chrono::seconds(25)});
  run.dom = run.child.output;
  try {
    const auto log = nlohmann::json::parse(read_file(net_log.string()));
    int start_job = -1;
    for (const auto& [name, value] : log.at("constants").at("logEventTypes").items()) {
      if (name == "URL_REQUEST_START_JOB") start_job = value.get<int>();
    }
    for (const auto& event : log.at("events")) {
      if (event.value("type", -2) != start_job || !event.contains("params")) continue;
      const auto& params = event.at("params");
      if (!params.contains("url")) continue;
      if (params.value("network_isolation_key", "").find("file://") != std::string::npos) {
        run.page_requests.push_back(params.at("url").get<std::string>());
      }
    }
  } catch (const std::exception& error) {
    run.net_log_error = error.what();
  }
  return run;
}

void expect_chromium_installed() {
  ASSERT_EQ(
      run_child({"chromium", "--version"}, ChildOptions{.deadline = std::chrono::seconds(10)}).exit_code, 0)
      << "Debian's chromium is needed (ci/setup.sh --with-extras installs it)";
}

TEST(HtmlReportInChromium, RendersWithInlineSvgAndFetchesNothing) {
  expect_chromium_installed();
  if (HasFatalFailure()) return;
  const TemporaryDirectory directory("mqtt-report-html");
  const auto page = directory.path() / "report.html";
  write_html(sample_results(), page);
  const std::string source = read_file(page.string());

  const BrowserRun run = open_in_chromium(page);
  ASSERT_FALSE(run.child.timed_out) << "chromium hung; killed after " << run.child.elapsed.count() << " ms";
  ASSERT_EQ(run.child.exit_code, 0) << run.child.errors;
  ASSERT_EQ(run.net_log_error, "") << "chromium's network log was not readable";
  EXPECT_EQ(run.page_requests, std::vector<std::string>{}) << "the report fetched resources";

  // The browser parsed the whole document: the banner, the last section and every SVG are in the DOM.
  EXPECT_NE(run.dom.find("MQTT conformance report: FAILED"), std::string::npos) << run.dom.substr(0, 500);
  EXPECT_NE(run.dom.find("<footer>Generated by mqtt-harness 0.1.0"), std::string::npos);
  EXPECT_GE(count_of(source, "<svg"), 3);
  EXPECT_EQ(count_of(run.dom, "<svg"), count_of(source, "<svg"));
  const auto diagram = run.dom.find("<div class=\"diagram\"><svg");
  ASSERT_NE(diagram, std::string::npos);
  EXPECT_NE(run.dom.find("PUBLISH sensors/t1", diagram), std::string::npos);
  EXPECT_EQ(run.dom.find(testing::secret_password), std::string::npos);
}

TEST(HtmlReportInChromium, FleetChartsRenderAndTheFilterHidesWhatDoesNotMatch) {
  expect_chromium_installed();
  if (HasFatalFailure()) return;
  const TemporaryDirectory directory("mqtt-report-fleet");
  const auto page = directory.path() / "report.html";
  write_html(fleet_sample(), page);
  const std::string source = read_file(page.string());
  const int charts = count_of(source, "<svg class=\"chart\"");
  EXPECT_GE(charts, 5);

  // Rendered as an image: a real screenshot of the page with its charts.
  const TemporaryDirectory profile("mqtt-report-fleet-chromium");
  const auto screenshot = directory.path() / "fleet.png";
  const auto shot = run_child({"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                               "--no-first-run", "--disable-background-networking", "--disable-component-update",
                               "--disable-sync", "--user-data-dir=" + profile.path().string(),
                               "--hide-scrollbars", "--window-size=1280,1600", "--screenshot=" + screenshot.string(),
                               "file://" + page.string()},
                              ChildOptions{.deadline = std::chrono::seconds(25)});
  ASSERT_FALSE(shot.timed_out);
  ASSERT_TRUE(std::filesystem::exists(screenshot)) << shot.errors;
  const std::string png = read_file(screenshot.string());
  ASSERT_GT(png.size(), 10'000U) << "a blank page compresses to almost nothing";
  EXPECT_EQ(png.substr(1, 3), "PNG");

  // Every chart is in the browser's DOM.
  const BrowserRun run = open_in_chromium(page);
  ASSERT_FALSE(run.child.timed_out);
  EXPECT_EQ(count_of(run.dom, "<svg class=\"chart\""), charts);
  EXPECT_EQ(run.page_requests, std::vector<std::string>{});

  // The filter, opened from a link: only the failing case (which covers MQTT-3.3.1-3) stays visible.
  const auto filtered_page = directory.path() / "filtered.html";
  std::filesystem::copy_file(page, filtered_page);
  const TemporaryDirectory filter_profile("mqtt-report-filter-chromium");
  const auto filtered = run_child({"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                                   "--no-first-run", "--disable-background-networking", "--disable-component-update",
                                   "--disable-sync", "--user-data-dir=" + filter_profile.path().string(),
                                   "--dump-dom", "file://" + filtered_page.string() + "#filter=MQTT-3.3.1-3"},
                                  ChildOptions{.deadline = std::chrono::seconds(25)});
  ASSERT_FALSE(filtered.timed_out);
  const std::string dom = filtered.output;
  const auto failing = dom.find("id=\"case-publish-dup-first-delivery\"");
  ASSERT_NE(failing, std::string::npos);
  const auto failing_tag = dom.rfind("<article", failing);
  EXPECT_EQ(dom.substr(failing_tag, dom.find('>', failing_tag) - failing_tag).find(" hidden"), std::string::npos);
  const auto passing_tag = dom.find("<article class=\"case passed\"");
  ASSERT_NE(passing_tag, std::string::npos);
  EXPECT_NE(dom.substr(passing_tag, dom.find('>', passing_tag) - passing_tag).find(" hidden"), std::string::npos)
      << "a case that does not match is hidden";
}

TEST(HtmlReportInChromium, NetworkCheckSeesAPageThatFetches) {
  // The same check on a page with external assets must report them, or the test above proves nothing.
  expect_chromium_installed();
  if (HasFatalFailure()) return;
  const TemporaryDirectory directory("mqtt-report-html-control");
  const auto page = directory.path() / "control.html";
  {
    std::ofstream out(page);
    out << "<!DOCTYPE html><html><head><link rel=\"stylesheet\" "
           "href=\"https://cdn.example.invalid/style.css\">"
           "</head><body><img src=\"http://images.example.invalid/logo.png\"><svg width=\"4\" "
           "height=\"4\"></svg>"
           "</body></html>";
  }
  const BrowserRun run = open_in_chromium(page);
  ASSERT_FALSE(run.child.timed_out);
  ASSERT_EQ(run.net_log_error, "");
  const std::set<std::string> requested(run.page_requests.begin(), run.page_requests.end());
  EXPECT_TRUE(requested.contains("https://cdn.example.invalid/style.css"))
      << ::testing::PrintToString(run.page_requests);
  EXPECT_TRUE(requested.contains("http://images.example.invalid/logo.png"))
      << ::testing::PrintToString(run.page_requests);
}

}  // namespace
}  // namespace mqtt::reports
