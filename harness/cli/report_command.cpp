// `mqtt-harness report RESULTS.json...`: re-render saved results; several files become a comparison.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "history/json.hpp"
#include "reports/reports.hpp"
#include "runner/conformance.hpp"
#include "runner/shard_merge.hpp"

namespace mqtt::cli {
namespace {

struct ReportOptions {
  std::vector<std::string> inputs;
  std::string html, junit, markdown, json, directory;
  std::vector<std::string> labels;  // --label, one per results file, in order
  bool merge_shards = false;
};

// Several shards of one fleet run become one judged run, written like any other (every format into -o DIR).
int run_merge(const ReportOptions& options, const std::vector<results::Results>& shards) {
  if (options.directory.empty()) {
    fmt::print(stderr, "mqtt-harness report: --merge-shards writes every format: give -o DIR\n");
    return exit_bad_input;
  }
  results::Results merged;
  try {
    merged = runner::merge_fleet_shards(shards);
  } catch (const runner::ShardMergeError& error) {
    fmt::print(stderr, "mqtt-harness report: {}\n", error.what());
    return exit_bad_input;
  }
  try {
    reports::write_all(merged, options.directory);
  } catch (const std::exception& error) {
    fmt::print(stderr, "mqtt-harness report: cannot write the report: {}\n", error.what());
    return exit_bad_input;
  }
  fmt::print("{} shards merged: {} event(s), {} violation(s); report: {}\n", shards.size(),
             merged.cases.empty() ? 0 : merged.cases.front().history.size(), merged.violations.size(),
             (std::filesystem::path(options.directory) / "report.html").string());
  return runner::exit_code(merged);
}

int run_report(const ReportOptions& options) {
  std::vector<std::filesystem::path> paths(options.inputs.begin(), options.inputs.end());
  std::vector<results::Results> runs;
  try {
    runs = reports::load_results(paths);
  } catch (const std::exception& error) {
    fmt::print(stderr, "mqtt-harness report: {}\n", error.what());
    return exit_bad_input;
  }
  if (options.merge_shards) return run_merge(options, runs);
  const bool any_output = !options.html.empty() || !options.junit.empty() || !options.markdown.empty() ||
                          !options.json.empty() || !options.directory.empty();
  if (runs.size() > 1 && (!options.junit.empty() || !options.markdown.empty() || !options.json.empty())) {
    fmt::print(stderr,
               "mqtt-harness report: --junit, --markdown and --json take one results file; several files make a "
               "comparison page (--html F or -o DIR)\n");
    return exit_bad_input;
  }
  if (!options.labels.empty() && options.labels.size() != runs.size()) {
    fmt::print(stderr, "mqtt-harness report: --label given {} time(s) for {} results file(s): give one per file, in "
               "order\n", options.labels.size(), runs.size());
    return exit_bad_input;
  }
  try {
    if (runs.size() > 1) {
      std::filesystem::path output = options.html.empty() ? "comparison.html" : options.html;
      if (options.html.empty() && !options.directory.empty()) {
        std::filesystem::create_directories(options.directory);
        output = std::filesystem::path(options.directory) / "comparison.html";
      }
      reports::write_comparison_html(paths, output, options.labels);
      fmt::print("comparison of {} runs: {}\n", runs.size(), output.string());
      return exit_passed;
    }
    const auto& results = runs.front();
    if (!options.html.empty()) reports::write_html(results, options.html);
    if (!options.junit.empty()) reports::write_junit(results, options.junit);
    if (!options.markdown.empty()) reports::write_markdown(results, options.markdown);
    if (!options.json.empty()) reports::write_json(results, options.json);
    if (!options.directory.empty()) reports::write_all(results, options.directory);
    if (!any_output) fmt::print("{}", reports::render_markdown(results));
  } catch (const std::exception& error) {
    fmt::print(stderr, "mqtt-harness report: {}\n", error.what());
    return exit_bad_input;
  }
  return exit_passed;
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReportOptions>();
  auto* command = app.add_subcommand(
      "report", "Re-render saved results.json files (one: any format; several: a comparison page)");
  command->add_option("results", options->inputs, "results.json files")->required()->check(CLI::ExistingFile);
  command->add_option("--html", options->html, "Write the HTML report (or the comparison page) here");
  command->add_option("--junit", options->junit, "Write JUnit XML here");
  command->add_option("--markdown", options->markdown, "Write the Markdown summary here");
  command->add_option("--json", options->json, "Write results JSON here");
  command->add_option("-o,--report-dir", options->directory, "Write every format into this folder");
  command->add_option("--label", options->labels,
                      "Name each run on the comparison page (repeat: one per results file, in order; default: the "
                      "target URL)")
      ->allow_extra_args(false);  // one name per --label, so the results files after it stay files
  command->add_flag("--merge-shards", options->merge_shards,
                    "The files are the shards of one 'simulate --shard i/N' run: judge them again as one fleet "
                    "and write every format into -o DIR");
  command->footer(help_footer("One file: without an output option the Markdown summary goes to stdout. Several files: a "
                  "broker x statement comparison page, written to --html F, DIR/comparison.html with -o DIR, or "
                  "comparison.html. --merge-shards: one merged, re-judged fleet run (its exit code as for simulate)."));
  command->callback([options, &exit_code] { exit_code = run_report(*options); });
}

}  // namespace mqtt::cli
