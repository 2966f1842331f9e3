// `mqtt-harness convert CAPTURE --output SCENARIO.json`: a fleet scenario that reproduces the captured sessions,
// runnable by `simulate`. The written file is read back with the scenario loader before we report success.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "capture/capture_analyser.hpp"
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

int run_convert(const ConvertOptions& options) {
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
  auto* command = app.add_subcommand("convert", "Turn the MQTT sessions in a capture into a fleet scenario");
  command->add_option("capture", options->capture, "Capture file (pcap or pcapng)")->required();
  command->add_option("--output", options->output, "Scenario file to write (JSON)")->required();
  command->add_option("-p,--port", options->ports,
                      "Also treat this TCP port as MQTT (repeatable; 1883 always)");
  command->footer(help_footer(
      "An unreadable or unsupported capture is exit 2 (the error names the frame), and so is a capture with "
      "nothing to convert (no session's CONNECT is in it; the skipped sessions are listed)."));
  command->callback([options, &exit_code] { exit_code = run_convert(*options); });
}

}  // namespace mqtt::cli
