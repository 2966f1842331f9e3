// The CI recipes in ci/ are run here, locally: their shell steps are taken out of the YAML and executed
// against a real mosquitto on a free loopback port, with the recipe variables pointed at this build's
// mqtt-harness, a handful of cases and a temporary report folder. Steps that call hosted actions (checkout,
// upload) cannot run here; the test checks that they reference the files the run produced.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "support/mosquitto_broker.hpp"
#include "tests/reports/child_process.hpp"

namespace mqtt::ci {
namespace {

using reports::testing::ChildOptions;
using reports::testing::ChildResult;
using reports::testing::run_child;
using reports::testing::TemporaryDirectory;

const std::filesystem::path source_directory = MQTT_SOURCE_DIRECTORY;
// Quick cases that every conforming broker passes, and one of mosquitto's known deviations: the job must be green
// only because the recipe passes the committed accepted-deviations file.
constexpr const char* case_filter =
    "connect.accept.valid,keepalive.pingresp,publish.qos0.delivered,publish.qos1.delivered,"
    "subscribe.suback.one_code_per_filter,malformed.pingreq_flags";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---- A reader for the YAML subset the recipes use
// ----------------------------------------------------------- Mappings by indentation, "- " list items, block
// scalars ("|") and plain, single- or double-quoted scalars. Enough for our two files; anything it does not
// understand makes the test fail rather than pass silently.

struct Line {
  int number = 0;
  int indent = 0;
  std::string text;  // without indentation
};

std::vector<Line> lines_of(const std::string& yaml) {
  std::vector<Line> lines;
  std::istringstream in(yaml);
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    const auto first = raw.find_first_not_of(' ');
    Line line{number, first == std::string::npos ? -1 : static_cast<int>(first),
              first == std::string::npos ? "" : raw.substr(first)};
    lines.push_back(line);
  }
  return lines;
}

bool is_content(const Line& line) { return line.indent >= 0 && line.text[0] != '#'; }

std::string unquote(std::string value) {
  while (!value.empty() && value.back() == ' ') value.pop_back();
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
    std::string out;
    for (std::size_t index = 1; index + 1 < value.size(); ++index) {
      out.push_back(value[index]);
      if (value[index] == '\'' && value[index + 1] == '\'') ++index;  // '' is a quote
    }
    return out;
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    return value.substr(1, value.size() - 2);
  return value;
}

// The block scalar that follows line `index` (whose content is at `parent_indent`): lines indented deeper,
// with the common indentation removed. `index` is left on the last line of the block.
std::string block_after(const std::vector<Line>& lines, std::size_t& index, int parent_indent) {
  std::string block;
  int block_indent = -1;
  while (index + 1 < lines.size()) {
    const Line& next = lines[index + 1];
    if (next.indent >= 0 && next.indent <= parent_indent) break;
    ++index;
    if (next.indent < 0) {
      block += "\n";
      continue;
    }
    if (block_indent < 0) block_indent = next.indent;
    block += std::string(static_cast<std::size_t>(next.indent - block_indent), ' ') + next.text + "\n";
  }
  return block;
}

// "key: value" -> {key, value}; value may be empty (a nested block follows) or "|" (a block scalar follows).
std::pair<std::string, std::string> key_value(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return {"", ""};
  std::string value = colon + 1 < text.size() ? text.substr(colon + 1) : "";
  value.erase(0, value.find_first_not_of(' '));
  return {text.substr(0, colon), value};
}

// The value of a key at `indent`, reading a block scalar when the value is "|".
std::string scalar_value(const std::vector<Line>& lines, std::size_t& index, int indent,
                         const std::string& value) {
  if (value == "|") return block_after(lines, index, indent);
  return unquote(value);
}

// The child lines of line `index`: mapping entries one level deeper, as key -> value (nested blocks skipped).
std::map<std::string, std::string> mapping_under(const std::vector<Line>& lines, std::size_t index) {
  std::map<std::string, std::string> mapping;
  const int parent_indent = lines[index].indent;
  int child_indent = -1;
  for (std::size_t next = index + 1; next < lines.size(); ++next) {
    const Line& line = lines[next];
    if (!is_content(line)) continue;
    if (line.indent <= parent_indent) break;
    if (child_indent < 0) child_indent = line.indent;
    if (line.indent != child_indent) continue;
    const auto [key, value] = key_value(line.text);
    mapping[key] = unquote(value);
  }
  return mapping;
}

std::size_t find_key(const std::vector<Line>& lines, const std::string& key, int indent,
                     std::size_t from = 0) {
  for (std::size_t index = from; index < lines.size(); ++index) {
    if (is_content(lines[index]) && lines[index].indent == indent &&
        key_value(lines[index].text).first == key) {
      return index;
    }
  }
  return lines.size();
}

// A list of scalars under line `index` ("- item" or "- |" blocks).
std::vector<std::string> list_under(const std::vector<Line>& lines, std::size_t index) {
  std::vector<std::string> items;
  const int parent_indent = lines[index].indent;
  for (std::size_t next = index + 1; next < lines.size(); ++next) {
    const Line& line = lines[next];
    if (!is_content(line)) continue;
    if (line.indent <= parent_indent) break;
    if (line.text.rfind("- ", 0) != 0) {
      ADD_FAILURE() << "line " << line.number << ": expected a list item: " << line.text;
      continue;
    }
    const std::string value = line.text.substr(2);
    items.push_back(value == "|" ? block_after(lines, next, line.indent) : unquote(value));
  }
  return items;
}

// ---- GitHub Actions
// -------------------------------------------------------------------------------------------

struct WorkflowStep {
  std::map<std::string, std::string> fields;  // name, if, run, uses, shell
  std::map<std::string, std::string> with;    // inputs of a `uses:` step (block values kept as text)
};

struct Workflow {
  std::map<std::string, std::string> env;
  std::vector<WorkflowStep> steps;
};

Workflow read_workflow(const std::filesystem::path& path) {
  const auto lines = lines_of(read_text(path));
  Workflow workflow;
  const std::size_t jobs = find_key(lines, "jobs", 0);
  EXPECT_LT(jobs, lines.size()) << path << ": no jobs";
  if (jobs == lines.size()) return workflow;
  const int job_key_indent = 2, job_body_indent = 4;
  const std::size_t job = jobs + 1;
  EXPECT_EQ(lines[job].indent, job_key_indent);
  const std::size_t env = find_key(lines, "env", job_body_indent, job);
  if (env < lines.size()) workflow.env = mapping_under(lines, env);
  const std::size_t steps = find_key(lines, "steps", job_body_indent, job);
  EXPECT_LT(steps, lines.size()) << path << ": no steps";
  for (std::size_t index = steps + 1; index < lines.size(); ++index) {
    const Line& line = lines[index];
    if (!is_content(line)) continue;
    if (line.indent <= job_body_indent) break;
    int key_indent = line.indent;
    std::string text = line.text;
    if (text.rfind("- ", 0) == 0) {
      workflow.steps.emplace_back();
      key_indent += 2;
      text = text.substr(2);
    }
    if (workflow.steps.empty()) {
      ADD_FAILURE() << "line " << line.number << ": content before the first step";
      continue;
    }
    WorkflowStep& step = workflow.steps.back();
    const auto [key, value] = key_value(text);
    if (key == "with") {
      for (std::size_t input = index + 1; input < lines.size(); ++input) {
        if (!is_content(lines[input])) continue;
        if (lines[input].indent <= key_indent) break;
        const auto [input_key, input_value] = key_value(lines[input].text);
        step.with[input_key] = scalar_value(lines, input, lines[input].indent, input_value);
        index = input;
      }
      continue;
    }
    step.fields[key] = scalar_value(lines, index, key_indent, value);
  }
  return workflow;
}

// GitHub runs each `run:` step in its own `bash --noprofile --norc -eo pipefail` with the job's env; a failed
// step skips the rest except steps with `if: always()`. This reproduces that in one process group, so
// whatever the steps start in the background (the broker) is stopped with it.
std::string workflow_driver(const Workflow& workflow, const std::filesystem::path& step_directory) {
  std::string driver = "status=0\n";
  int number = 0;
  for (const auto& step : workflow.steps) {
    const auto run = step.fields.find("run");
    if (run == step.fields.end()) continue;
    const auto step_file = step_directory / ("step-" + std::to_string(++number) + ".sh");
    std::ofstream(step_file) << run->second;
    const bool always = step.fields.contains("if") && step.fields.at("if") == "always()";
    const std::string name =
        step.fields.contains("name") ? step.fields.at("name") : "step " + std::to_string(number);
    driver += std::string(always ? "if true" : "if [ $status -eq 0 ]") + "; then echo '::step " + name +
              "' >&2; bash --noprofile --norc -eo pipefail '" + step_file.string() +
              "' || { status=$?; echo \"::step failed with $status\" >&2; }; fi\n";
  }
  return driver + "exit $status\n";
}

// ---- GitLab CI
// ------------------------------------------------------------------------------------------------

struct GitlabJob {
  std::map<std::string, std::string> variables;
  std::vector<std::string> before_script, script;
  std::map<std::string, std::string> artifacts;
  std::vector<std::string> artifact_paths;
  std::map<std::string, std::string> artifact_reports;
  std::vector<Line> lines;
};

GitlabJob read_gitlab_job(const std::filesystem::path& path, const std::string& job_name) {
  GitlabJob job;
  job.lines = lines_of(read_text(path));
  const auto& lines = job.lines;
  const std::size_t job_line = find_key(lines, job_name, 0);
  EXPECT_LT(job_line, lines.size()) << path << ": no job " << job_name;
  if (job_line == lines.size()) return job;
  auto child = [&](const std::string& key) { return find_key(lines, key, 2, job_line); };
  if (const auto index = child("variables"); index < lines.size())
    job.variables = mapping_under(lines, index);
  if (const auto index = child("before_script"); index < lines.size())
    job.before_script = list_under(lines, index);
  if (const auto index = child("script"); index < lines.size()) job.script = list_under(lines, index);
  if (const auto index = child("artifacts"); index < lines.size()) {
    job.artifacts = mapping_under(lines, index);
    if (const auto paths = find_key(lines, "paths", 4, index); paths < lines.size()) {
      job.artifact_paths = list_under(lines, paths);
    }
    if (const auto reports = find_key(lines, "reports", 4, index); reports < lines.size()) {
      job.artifact_reports = mapping_under(lines, reports);
    }
  }
  return job;
}

// ---- Shared expectations
// ----------------------------------------------------------------------------------------

std::vector<std::string> environment_of(std::map<std::string, std::string> variables,
                                        const std::map<std::string, std::string>& overrides) {
  for (const auto& [name, value] : overrides) {
    EXPECT_TRUE(variables.contains(name)) << "the recipe no longer has the variable " << name;
    variables[name] = value;
  }
  std::vector<std::string> environment;
  for (const auto& [name, value] : variables) environment.push_back(name + "=" + value);
  return environment;
}

void expect_reports_from_a_passing_run(const std::filesystem::path& report_directory, std::uint16_t port) {
  for (const char* name :
       {"junit.xml", "report.html", "results.json", "summary.md", "history.jsonl", "history.pcap"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(report_directory / name)) << name;
  }
  const std::string junit = read_text(report_directory / "junit.xml");
  EXPECT_NE(junit.find("<testsuites "), std::string::npos);
  EXPECT_NE(junit.find("<testcase "), std::string::npos);
  EXPECT_NE(junit.find(" failures=\"0\" errors=\"0\""), std::string::npos) << junit.substr(0, 400);
  // The known deviation ran, was found, and was accepted with its reason rather than hidden.
  EXPECT_NE(junit.find("accepted: MQTT-2.2.2-2 (MUST)"), std::string::npos) << junit;
  EXPECT_NE(junit.find("<property name=\"target\" value=\"mqtt://127.0.0.1:" + std::to_string(port) + "\"/>"),
            std::string::npos)
      << "the run went to the broker the test started";
  const std::string html = read_text(report_directory / "report.html");
  EXPECT_NE(html.find("MQTT conformance report: PASSED WITH ACCEPTED DEVIATIONS"), std::string::npos);
  const std::string summary = read_text(report_directory / "summary.md");
  EXPECT_NE(summary.find("### Accepted deviations"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("### Stale accepted deviations"), std::string::npos) << summary;
  EXPECT_NE(html.find("<section id=\"matrix\">"), std::string::npos);
}

void print_on_failure(const ChildResult& run) {
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- stdout\n" << run.output << "---- stderr\n" << run.errors << "----\n";
  }
}

TEST(GithubActionsRecipe, ShellStepsRunTheSuiteAndLeaveJunitAndHtml) {
  const Workflow workflow = read_workflow(source_directory / "ci/github-actions.yml");
  ASSERT_GE(workflow.steps.size(), 6u);
  const TemporaryDirectory work("mqtt-ci-github");
  const std::string port = test_support::free_loopback_port();
  const auto report_directory = work.path() / "mqtt-report";
  const auto step_summary = work.path() / "step-summary.md";
  const auto environment =
      environment_of(workflow.env, {{"MQTT_PORT", port},
                                    {"MQTT_TARGET", "mqtt://127.0.0.1:" + port},
                                    {"MQTT_FILTER", case_filter},
                                    {"REPORT_DIR", report_directory.string()},
                                    {"MQTT_HARNESS_DEB", (work.path() / "no-package").string()},
                                    {"MQTT_HARNESS", MQTT_HARNESS_BINARY}});
  std::vector<std::string> with_runner = environment;
  with_runner.push_back("GITHUB_STEP_SUMMARY=" + step_summary.string());
  const auto driver = work.path() / "job.sh";
  std::ofstream(driver) << workflow_driver(workflow, work.path());

  const ChildResult run =
      run_child({"bash", driver.string()}, ChildOptions{.deadline = std::chrono::seconds(90),
                                                        .environment = with_runner,
                                                        .working_directory = source_directory});
  ASSERT_FALSE(run.timed_out) << "the job hung; killed after " << run.elapsed.count() << " ms\n"
                              << run.errors;
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.errors.find("::step Start the broker"), std::string::npos);
  EXPECT_EQ(run.errors.find("::step failed"), std::string::npos);
  expect_reports_from_a_passing_run(report_directory, static_cast<std::uint16_t>(std::stoi(port)));
  EXPECT_EQ(read_text(step_summary), read_text(report_directory / "summary.md"))
      << "the Markdown summary goes to the run page";
  EXPECT_EQ(run.output.find("Setting up mqtt-harness"), std::string::npos) << "a binary already there is used as is";
  print_on_failure(run);

  // The hosted-action steps publish and upload what the run wrote, even when the suite fails.
  bool publishes_junit = false, uploads_html = false;
  for (const auto& step : workflow.steps) {
    const std::string uses = step.fields.contains("uses") ? step.fields.at("uses") : "";
    const bool always = step.fields.contains("if") && step.fields.at("if") == "always()";
    if (uses.rfind("mikepenz/action-junit-report@", 0) == 0) {
      publishes_junit = always && step.with.contains("report_paths") &&
                        step.with.at("report_paths") == "${{ env.REPORT_DIR }}/junit.xml";
    }
    if (uses.rfind("actions/upload-artifact@", 0) == 0) {
      uploads_html = always && step.with.contains("path") &&
                     step.with.at("path").find("${{ env.REPORT_DIR }}/report.html\n") != std::string::npos;
    }
  }
  EXPECT_TRUE(publishes_junit);
  EXPECT_TRUE(uploads_html);
}

TEST(GitlabCiRecipe, ScriptRunsTheSuiteAgainstTheServiceAndLeavesJunitAndHtml) {
  const GitlabJob job = read_gitlab_job(source_directory / "ci/gitlab-ci.yml", "mqtt-conformance");
  ASSERT_FALSE(job.script.empty());
  // The service the job declares is mosquitto; here the test supplies one on a free loopback port instead.
  const std::string text = read_text(source_directory / "ci/gitlab-ci.yml");
  EXPECT_NE(text.find("- name: eclipse-mosquitto:2"), std::string::npos);
  EXPECT_EQ(job.variables.at("MQTT_HOST"), "mosquitto") << "the service alias";
  test_support::MosquittoBroker broker;

  const TemporaryDirectory work("mqtt-ci-gitlab");
  const auto report_directory = work.path() / "mqtt-report";
  const auto environment =
      environment_of(job.variables, {{"MQTT_HOST", "127.0.0.1"},
                                     {"MQTT_PORT", std::to_string(broker.port())},
                                     {"MQTT_FILTER", case_filter},
                                     {"REPORT_DIR", report_directory.string()},
                                     {"MQTT_HARNESS_DEB", (work.path() / "no-package").string()},
                                     {"MQTT_HARNESS", MQTT_HARNESS_BINARY}});
  // GitLab runs before_script and script in one shell and stops at the first failing command.
  std::string script = "set -eo pipefail\n";
  for (const auto& command : job.before_script) script += command + "\n";
  for (const auto& command : job.script) script += command + "\n";
  const auto script_file = work.path() / "job.sh";
  std::ofstream(script_file) << script;

  const ChildResult run =
      run_child({"bash", script_file.string()}, ChildOptions{.deadline = std::chrono::seconds(90),
                                                             .environment = environment,
                                                             .working_directory = source_directory});
  ASSERT_FALSE(run.timed_out) << "the job hung; killed after " << run.elapsed.count() << " ms\n"
                              << run.errors;
  EXPECT_EQ(run.exit_code, 0);
  expect_reports_from_a_passing_run(report_directory, broker.port());
  EXPECT_EQ(run.output.find("Setting up mqtt-harness"), std::string::npos) << "a binary already there is used as is";
  print_on_failure(run);

  // Artifacts: kept even for failed runs, JUnit as the pipeline's test report, the HTML report downloadable.
  EXPECT_EQ(job.artifacts.at("when"), "always");
  EXPECT_EQ(job.artifact_reports.at("junit"), job.variables.at("REPORT_DIR") + "/junit.xml");
  const auto& paths = job.artifact_paths;
  EXPECT_NE(std::find(paths.begin(), paths.end(), job.variables.at("REPORT_DIR") + "/report.html"),
            paths.end());
}

// The conformance jobs install the package (built once by a package job that tests it) instead of building with
// the test toolchain on every run, and set up only what running needs.
TEST(Recipes, ConformanceJobsInstallThePackageAndSetUpOnlyForRunning) {
  const Workflow workflow = read_workflow(source_directory / "ci/github-actions.yml");
  std::string github_steps;
  for (const auto& step : workflow.steps) {
    if (step.fields.contains("run")) github_steps += step.fields.at("run");
  }
  const GitlabJob job = read_gitlab_job(source_directory / "ci/gitlab-ci.yml", "mqtt-conformance");
  std::string gitlab_steps;
  for (const auto& command : job.before_script) gitlab_steps += command + "\n";
  for (const auto& command : job.script) gitlab_steps += command + "\n";
  for (const auto& [name, steps] : {std::pair{"github", github_steps}, std::pair{"gitlab", gitlab_steps}}) {
    EXPECT_NE(steps.find("ci/setup.sh --run"), std::string::npos) << name;
    EXPECT_NE(steps.find("apt-get install -y -qq --no-install-recommends \"$(realpath \"$deb\")\""), std::string::npos)
        << name;
    EXPECT_EQ(steps.find("cmake"), std::string::npos) << name << ": the conformance job builds";
  }
  for (const char* recipe : {"ci/github-actions.yml", "ci/gitlab-ci.yml"}) {
    const std::string text = read_text(source_directory / recipe);
    EXPECT_NE(text.find("ci/package-test.sh build dist"), std::string::npos) << recipe;
    EXPECT_NE(text.find("ci/setup.sh --build"), std::string::npos) << recipe;
  }
}

TEST(RecipeReader, ReadsBlockScalarsQuotesAndLists) {
  // The reader must not silently drop steps: a small document with each construct.
  const TemporaryDirectory work("mqtt-ci-reader");
  const auto path = work.path() / "recipe.yml";
  std::ofstream(path)
      << "job:\n  variables:\n    A: \"1\"\n    B: two\n  script:\n    - 'echo \"$A\" ''x'''\n"
         "    - |\n      if true; then\n        echo block\n      fi\n    - plain words\n";
  const GitlabJob job = read_gitlab_job(path, "job");
  EXPECT_EQ(job.variables, (std::map<std::string, std::string>{{"A", "1"}, {"B", "two"}}));
  EXPECT_EQ(job.script, (std::vector<std::string>{"echo \"$A\" 'x'", "if true; then\n  echo block\nfi\n",
                                                  "plain words"}));
}

}  // namespace
}  // namespace mqtt::ci
