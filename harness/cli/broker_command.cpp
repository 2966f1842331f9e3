// `mqtt-harness broker`: serve the embedded reference broker until SIGINT or SIGTERM.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <memory>

#include "broker/broker.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

namespace mqtt::cli {
namespace {

struct BrokerCommandOptions {
  std::string listen = "127.0.0.1:1883";
  std::vector<std::string> defects;
  int max_qos = 2;
  std::vector<std::string> users;  // "name:password"
  bool list_defects = false;
};

int run_broker(const BrokerCommandOptions& options) {
  if (options.list_defects) {
    for (const auto& defect : broker::defect_catalog()) {
      fmt::print("{:<36} {:<16} {}\n", defect.name, defect.statement, defect.description);
    }
    return exit_passed;
  }
  broker::BrokerOptions broker_options;
  const auto colon = options.listen.rfind(':');
  unsigned port = 0;
  const char* port_begin = options.listen.data() + (colon == std::string::npos ? 0 : colon + 1);
  const char* port_end = options.listen.data() + options.listen.size();
  const auto parsed = std::from_chars(port_begin, port_end, port);
  if (colon == std::string::npos || parsed.ec != std::errc() || parsed.ptr != port_end || port > 65535) {
    fmt::print(stderr, "mqtt-harness broker: --listen {}: expected ADDRESS:PORT (port 0 picks a free one)\n",
               options.listen);
    return exit_bad_input;
  }
  broker_options.address = options.listen.substr(0, colon);
  if (broker_options.address.size() > 2 && broker_options.address.front() == '[') {
    broker_options.address = broker_options.address.substr(1, broker_options.address.size() - 2);
  }
  broker_options.port = static_cast<std::uint16_t>(port);
  broker_options.maximum_qos = static_cast<QoS>(options.max_qos);
  for (const auto& name : options.defects) {
    const auto defect = broker::parse_defect(name);
    if (!defect) {
      fmt::print(stderr, "mqtt-harness broker: --defect {}: unknown defect (see --list-defects)\n", name);
      return exit_bad_input;
    }
    broker_options.defects.insert(*defect);
  }
  if (!options.users.empty()) {
    std::map<std::string, std::string> credentials;
    for (const auto& user : options.users) {
      const auto separator = user.find(':');
      if (separator == std::string::npos) {
        fmt::print(stderr, "mqtt-harness broker: --user: expected NAME:PASSWORD\n");
        return exit_bad_input;
      }
      credentials[user.substr(0, separator)] = user.substr(separator + 1);
    }
    broker_options.credentials = std::move(credentials);
  }

  // Block the stop signals in every thread (the broker's thread inherits the mask), then wait for one here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::unique_ptr<broker::EmbeddedBroker> server;
  try {
    server = std::make_unique<broker::EmbeddedBroker>(broker_options);
  } catch (const std::exception& error) {
    fmt::print(stderr, "mqtt-harness broker: cannot listen on {}: {}\n", options.listen, error.what());
    return exit_bad_input;
  }
  fmt::print("listening on {}:{}\n", broker_options.address, server->port());
  std::fflush(stdout);
  int received = 0;
  sigwait(&stop_signals, &received);
  server->stop();
  const auto statistics = server->statistics();
  fmt::print("stopped: {} connections served\n", statistics.connections_accepted);
  return exit_passed;
}

}  // namespace

void add_broker_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<BrokerCommandOptions>();
  auto* command = app.add_subcommand("broker", "Serve the embedded MQTT 3.1.1 reference broker");
  command->add_option("-l,--listen", options->listen, "ADDRESS:PORT to listen on (port 0 picks a free one)")
      ->capture_default_str();
  command->add_option("--defect", options->defects, "Break one behaviour on purpose (repeatable)");
  command->add_option("--max-qos", options->max_qos, "Highest QoS granted in SUBACK")->check(CLI::Range(0, 2))
      ->capture_default_str();
  command->add_option("--user", options->users, "Require credentials: NAME:PASSWORD (repeatable)");
  command->add_flag("--list-defects", options->list_defects, "List the defects and the statement each breaks");
  command->footer(help_footer("Prints the bound address, serves until SIGINT or SIGTERM."));
  command->callback([options, &exit_code] { exit_code = run_broker(*options); });
}

}  // namespace mqtt::cli
