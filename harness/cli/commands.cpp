#include "cli/commands.hpp"

namespace mqtt::cli {

void add_every_command(CLI::App& app, int& exit_code) {
  add_conform_command(app, exit_code);
  add_probe_command(app, exit_code);
  add_list_command(app, exit_code);
  add_report_command(app, exit_code);
  add_broker_command(app, exit_code);
  add_inspect_command(app, exit_code);
  add_convert_command(app, exit_code);
  add_replay_command(app, exit_code);
  add_simulate_command(app, exit_code);
}

}  // namespace mqtt::cli
