#include "cli/report_output.hpp"

#include <fmt/format.h>

#include <vector>

namespace mqtt::cli {
namespace {

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> items;
  while (true) {
    const auto comma = text.find(',');
    items.push_back(text.substr(0, comma));
    if (comma == std::string_view::npos) return items;
    text.remove_prefix(comma + 1);
  }
}

reports::ReportSelection selection_of(HistoryDefault history_default) {
  if (history_default == HistoryDefault::everything) return {};  // log: history.log is not a report file
  return reports::ReportSelection{.history_jsonl = false, .history_pcap = false, .history_in_results = false};
}

}  // namespace

std::optional<std::string> history_list_problem(std::string_view text, bool log_offered) {
  const auto items = split_list(text);
  for (const auto item : items) {
    if (item == "jsonl" || item == "pcap" || item == "results") continue;
    if (item == "log") {
      if (log_offered) continue;
      return std::string("'log' (the history log written while a fleet runs) is for simulate only");
    }
    if ((item == "all" || item == "none") && items.size() == 1) continue;
    if (item == "all" || item == "none") return fmt::format("'{}' stands alone, not in a list", item);
    return fmt::format("'{}' is not one of jsonl, pcap, results, {}all, none", item, log_offered ? "log, " : "");
  }
  return std::nullopt;
}

bool writes_history_log(const ReportOutput& output, HistoryDefault history_default) {
  if (history_default != HistoryDefault::log || !output.writes()) return false;
  if (output.history.empty() || output.history == "all") return true;
  for (const auto item : split_list(output.history)) {
    if (item == "log") return true;
  }
  return false;
}

reports::ReportSelection report_selection(const ReportOutput& output, HistoryDefault history_default) {
  if (output.history.empty()) return selection_of(history_default);
  if (output.history == "all") return {};
  reports::ReportSelection selection{.history_jsonl = false, .history_pcap = false, .history_in_results = false};
  if (output.history == "none") return selection;
  for (const auto item : split_list(output.history)) {
    selection.history_jsonl |= item == "jsonl";
    selection.history_pcap |= item == "pcap";
    selection.history_in_results |= item == "results";
  }
  return selection;
}

void add_report_options(CLI::App& command, ReportOutput& output, HistoryDefault history_default) {
  command
      .add_option("-o,--report-dir", output.directory,
                  "Where results.json, report.html, junit.xml, summary.md (and the history files --history asks "
                  "for) go; '' for none")
      ->capture_default_str();
  command.add_flag("--no-report", output.none,
                   "Write no report files: the verdict, the summary and the exit code as usual");
  const bool log_offered = history_default == HistoryDefault::log;
  std::string help;
  switch (history_default) {
    case HistoryDefault::everything:
      help = "Which history files to write: jsonl (history.jsonl), pcap (history.pcap), results (each case's "
             "history in results.json), comma-separated, or all, or none (default: all)";
      break;
    case HistoryDefault::nothing:
      help = "Which history files to write: jsonl (history.jsonl), pcap (history.pcap), results (the whole history "
             "in results.json), comma-separated, or all, or none (default: none; results.json keeps the verdicts, "
             "statistics and each violation's evidence)";
      break;
    case HistoryDefault::log:
      help = "Which history files to write: log (history.log, the compact history written while the fleet runs; "
             "'convert' makes history.jsonl or history.pcap of it), jsonl, pcap, results (the whole history in "
             "results.json), comma-separated, or all, or none (default: log)";
      break;
  }
  command.add_option("--history", output.history, help)
      ->check(CLI::Validator(
          [log_offered](std::string& text) -> std::string {
            return history_list_problem(text, log_offered).value_or(std::string());
          },
          "LIST"));
}

}  // namespace mqtt::cli
