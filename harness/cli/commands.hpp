// Each subcommand registers itself on the CLI11 app and, when chosen, stores its exit code in `exit_code`.
#pragma once

namespace CLI {
class App;
}

namespace mqtt::cli {

void add_probe_command(CLI::App& app, int& exit_code);
void add_list_command(CLI::App& app, int& exit_code);
void add_conform_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);
void add_broker_command(CLI::App& app, int& exit_code);
void add_inspect_command(CLI::App& app, int& exit_code);
void add_convert_command(CLI::App& app, int& exit_code);
void add_replay_command(CLI::App& app, int& exit_code);
void add_simulate_command(CLI::App& app, int& exit_code);

// Every subcommand above, in the order `mqtt-harness --help` lists them (the program and the option walk in
// tests/cli/option_meanings_test.cpp both use this one list).
void add_every_command(CLI::App& app, int& exit_code);

}  // namespace mqtt::cli
