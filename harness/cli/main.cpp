// mqtt-harness: tells a broker owner, with evidence, whether the broker keeps MQTT's promises.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <exception>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

int main(int argc, char** argv) {
  using namespace mqtt::cli;
  CLI::App app{"mqtt-harness: checks that an MQTT broker keeps the protocol's promises, with evidence.",
               "mqtt-harness"};
  app.set_version_flag("--version", std::string("mqtt-harness ") + MQTT_HARNESS_VERSION);
  app.require_subcommand(1);
  app.footer(help_footer("Run 'mqtt-harness COMMAND --help' for a command's options."));

  int exit_code = exit_passed;
  add_every_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    // One line naming the problem; CLI11's own exit codes are folded into "bad usage".
    fmt::print(stderr, "mqtt-harness: {}\nRun 'mqtt-harness --help' for usage.\n", error.what());
    return exit_bad_input;
  } catch (const std::exception& error) {
    fmt::print(stderr, "mqtt-harness: internal error: {}\n", error.what());
    return exit_internal;
  }
  return exit_code;
}
