// `mqtt-harness convert CAPTURE --output SCENARIO.json`: a fleet scenario that reproduces the captured sessions,
// runnable by `simulate`; `convert RUN/history.log --output F.jsonl|F.pcap`: a fleet's compact history log as the
// history files `simulate --history jsonl,pcap` would have written. A written scenario is read back with the
// scenario loader before we report success.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "capture/capture_analyser.hpp"
#include "history/event_log_file.hpp"
#include "history/json.hpp"
#include "reports/reports.hpp"
#include "capture/capture_scenario.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/run_output.hpp"
#include "runner/capture_judgement.hpp"
#include "runner/fleet_scenario.hpp"
#include "runner/source_position.hpp"

namespace mqtt::cli {
namespace {

struct ConvertOptions {
  std::string capture;
  std::string output;
  std::vector<std::uint16_t> ports;
};

// A fleet's history log (simulate's history.log) becomes history.jsonl or history.pcap, by --output's extension.
// A log cut short by a killed run converts up to its last complete record.
int convert_history_log(const ConvertOptions& options) {
  const auto extension = std::filesystem::path(options.output).extension();
  if (extension != ".jsonl" && extension != ".pcap") {
    fmt::print(stderr, "mqtt-harness convert: --output {}: a history log converts to a .jsonl or a .pcap file\n",
               options.output);
    return exit_bad_input;
  }
  history::EventLogContents contents;
  try {
    contents = history::read_event_log(options.capture);
  } catch (const history::FormatError& error) {
    fmt::print(stderr, "mqtt-harness convert: {}\n", error.what());
    return exit_bad_input;
  }
  try {
    if (extension == ".pcap") {
      reports::write_pcap(contents.history, options.output);
    } else {
      std::ofstream out(options.output, std::ios::binary | std::ios::trunc);
      history::write_json_lines(out, contents.history);
      out.flush();
      if (!out) throw std::runtime_error(options.output + ": write failed");
    }
  } catch (const std::exception& error) {
    fmt::print(stderr, "mqtt-harness convert: cannot write {}: {}\n", options.output, error.what());
    return exit_bad_input;
  }
  fmt::print("{}: {} event(s){}\n", options.output, contents.history.events.size(),
             contents.cut_short ? " (the log ends inside a record: the run was killed; the rest is lost)" : "");
  return exit_passed;
}

int run_convert(const ConvertOptions& options) {
  if (history::is_event_log(options.capture)) return convert_history_log(options);
  auto analysed = analyse_capture("convert", options.capture, options.ports);
  if (!analysed) return exit_bad_input;
  const auto& analysis = *analysed;
  if (const auto unsupported = runner::unsupported_capture(analysis)) {
    fmt::print(stderr, "mqtt-harness convert: {}: {}\n", options.capture, *unsupported);
    return exit_bad_input;
  }
  const auto name = "capture-" + std::filesystem::path(options.capture).stem().string();
  const auto conversion = capture::capture_to_scenario(analysis, name);
  if (conversion.scenario["groups"].empty()) {
    // A scenario needs a group; say why there is none instead of writing one that does not load.
    for (const auto& line : conversion.skipped) fmt::print(stderr, "skipped {}\n", line);
    const auto reasons = runner::capture_inconclusive_reasons(analysis, {});
    const std::string why = analysis.connections.empty() && !reasons.empty()
                                ? reasons.front()
                                : fmt::format("no session's CONNECT is in the capture ({} skipped above)",
                                              conversion.skipped.size());
    fmt::print(stderr, "mqtt-harness convert: {}: nothing to convert: {}\n", options.capture, why);
    return exit_bad_input;
  }
  const std::string text = conversion.scenario.dump(2) + "\n";
  try {
    runner::parse_fleet_scenario(options.output, text);  // what we write must load
  } catch (const runner::DataFileError& error) {
    fmt::print(stderr, "mqtt-harness convert: internal error: the scenario does not load: {}\n",
               error.what());
    return exit_internal;
  }
  std::ofstream out(options.output, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) {
    fmt::print(stderr, "mqtt-harness convert: cannot write {}\n", options.output);
    return exit_bad_input;
  }
  for (const auto& line : conversion.skipped) fmt::print("skipped {}\n", line);
  for (const auto& line : conversion.notes) fmt::print("note: {}\n", line);
  fmt::print("{}: {} session(s) as fleet groups; run it with 'mqtt-harness simulate {}'\n", options.output,
             conversion.scenario["groups"].size(), options.output);
  return exit_passed;
}

}  // namespace

void add_convert_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ConvertOptions>();
  auto* command = app.add_subcommand(
      "convert", "Turn the MQTT sessions in a capture into a fleet scenario, or a fleet's history.log into "
                 "history.jsonl or history.pcap");
  command->add_option("capture", options->capture, "Capture file (pcap or pcapng), or a history.log of 'simulate'")
      ->required();
  command->add_option("--output", options->output,
                      "Scenario file to write (JSON); for a history.log: F.jsonl or F.pcap")
      ->required();
  command->add_option("-p,--port", options->ports,
                      "Also treat this TCP port as MQTT (repeatable; 1883 always)");
  command->footer(help_footer(
      "An unreadable or unsupported capture is exit 2 (the error names the frame), and so is a capture with "
      "nothing to convert (no session's CONNECT is in it; the skipped sessions are listed). A history.log that "
      "is not one, or has a malformed record, is exit 2 (the error names the byte offset)."));
  command->callback([options, &exit_code] { exit_code = run_convert(*options); });
}

}  // namespace mqtt::cli
