// `mqtt-harness report RESULTS.json...`: re-render saved results; several files become a comparison. One
// history.log: the fleet history judged again (a killed run's report).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/run_output.hpp"
#include "history/event_log_file.hpp"
#include "history/json.hpp"
#include "reports/reports.hpp"
#include "runner/conformance.hpp"
#include "runner/fleet_verdict.hpp"
#include "runner/history_judgement.hpp"
#include "runner/shard_merge.hpp"

namespace mqtt::cli {
namespace {

struct ReportOptions {
  std::vector<std::string> inputs;
  std::string html, junit, markdown, json_file, directory;
  bool json = false;                // results JSON on stdout, as --json means for every command
  std::vector<std::string> labels;  // --label, one per results file, in order
  bool merge_shards = false;
};

// Several shards of one fleet run become one judged run, written like any other (every format into -o DIR).
int run_merge(const ReportOptions& options, const std::vector<results::Results>& shards) {
  if (options.directory.empty() && !options.json) {
    fmt::print(stderr, "mqtt-harness report: --merge-shards writes every format: give -o DIR (or --json for stdout)\n");
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
    if (!options.directory.empty()) reports::write_all(merged, options.directory);
  } catch (const std::exception& error) {
    fmt::print(stderr, "mqtt-harness report: cannot write the report: {}\n", error.what());
    return exit_bad_input;
  }
  if (options.json) {
    print_results_json(merged);
    return runner::exit_code(merged);
  }
  fmt::print("{} shards merged: {} event(s), {} violation(s); report: {}\n", shards.size(),
             merged.cases.empty() ? 0 : merged.cases.front().history.size(), merged.violations.size(),
             (std::filesystem::path(options.directory) / "report.html").string());
  return runner::exit_code(merged);
}

// A fleet's history.log (simulate writes it as the fleet runs) judged again as one fleet history: the report of a
// run that was killed before it could write its own. The log holds no scenario, so there are no fleet statistics;
// a log without the fleet's closing note (a run stopped before its end) is inconclusive at best, never a pass.
int run_log_report(const ReportOptions& options) {
  const std::filesystem::path path = options.inputs.front();
  history::EventLogContents contents;
  try {
    contents = history::read_event_log(path);
  } catch (const history::FormatError& error) {
    fmt::print(stderr, "mqtt-harness report: {}\n", error.what());
    return exit_bad_input;
  }
  const bool ended = std::any_of(contents.history.events.begin(), contents.history.events.end(),
                                 [](const history::Event& event) {
                                   return event.kind == history::EventKind::note &&
                                          event.detail.rfind("fleet end:", 0) == 0;
                                 });
  runner::HistorySource source;
  source.id = "fleet:" + path.string();
  source.title = "fleet history judged again from " + path.string();
  source.section = "fleet";
  source.steps.push_back(fmt::format("{} event(s) read from {}{}", contents.history.events.size(), path.string(),
                                     contents.cut_short ? "; its last record was cut short" : ""));
  const std::int64_t span_ns =
      contents.history.events.empty() ? 0 : contents.history.events.back().time_ns - contents.history.events.front().time_ns;
  source.history = std::move(contents.history);
  runner::HistoryJudgementOptions judgement;
  judgement.kind = "simulation";
  judgement.target = "history log " + path.string();
  judgement.duration_ms = static_cast<double>(span_ns) / 1e6;
  judgement.keep_history = false;
  std::vector<runner::HistorySource> sources;
  sources.push_back(std::move(source));
  auto results = runner::judge_histories(std::move(sources), judgement);
  if (!ended) {
    runner::mark_inconclusive(results, {"the log ends before the fleet's end (the run was stopped or killed): "
                                        "obligations still open then are not judged"});
  }
  try {
    if (!options.directory.empty()) {
      reports::write_all(results, options.directory,
                         reports::ReportSelection{.history_jsonl = false, .history_pcap = false,
                                                  .history_in_results = false});
    }
    if (!options.html.empty()) reports::write_html(results, options.html);
    if (!options.junit.empty()) reports::write_junit(results, options.junit);
    if (!options.markdown.empty()) reports::write_markdown(results, options.markdown);
    if (!options.json_file.empty()) reports::write_json(results, options.json_file);
  } catch (const std::exception& error) {
    fmt::print(stderr, "mqtt-harness report: {}\n", error.what());
    return exit_bad_input;
  }
  if (options.json) {
    print_results_json(results);
  } else {
    fmt::print("{}", reports::render_markdown(results));
  }
  return runner::exit_code(results);
}

int run_report(const ReportOptions& options) {
  if (options.inputs.size() == 1 && history::is_event_log(options.inputs.front())) {
    if (options.merge_shards) {
      fmt::print(stderr, "mqtt-harness report: --merge-shards takes results.json files, not a history.log\n");
      return exit_bad_input;
    }
    return run_log_report(options);
  }
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
                          !options.json_file.empty() || !options.directory.empty();
  if (runs.size() > 1 &&
      (!options.junit.empty() || !options.markdown.empty() || !options.json_file.empty() || options.json)) {
    fmt::print(stderr,
               "mqtt-harness report: --junit, --markdown, --json-file and --json take one results file; several "
               "files make a comparison page (--html F or -o DIR)\n");
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
    if (!options.json_file.empty()) reports::write_json(results, options.json_file);
    if (!options.directory.empty()) reports::write_all(results, options.directory);
    if (options.json) {
      print_results_json(results);
    } else if (!any_output) {
      fmt::print("{}", reports::render_markdown(results));
    }
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
      "report", "Re-render saved results.json files (one: any format; several: a comparison page), or judge a "
                "fleet's history.log again");
  command->add_option("results", options->inputs, "results.json files, or one history.log of 'simulate'")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--html", options->html, "Write the HTML report (or the comparison page) here");
  command->add_option("--junit", options->junit, "Write JUnit XML here");
  command->add_option("--markdown", options->markdown, "Write the Markdown summary here");
  command->add_option("--json-file", options->json_file, "Write results JSON here");
  command->add_flag("--json", options->json, "Print the results JSON (redacted) to stdout instead of the Markdown summary");
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
