// `mqtt-harness broker`: serve the embedded reference broker until SIGINT or SIGTERM.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

#include <boost/asio/ip/address.hpp>
#include <cstdio>
#include <memory>

#include "broker/broker.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

namespace mqtt::cli {
namespace {

// "[SCHEME://]ADDRESS:PORT[/path]": ADDRESS an IPv4 literal or a bracketed IPv6 one; the path only for ws and wss.
std::optional<broker::Listener> parse_listener(std::string_view text) {
  broker::Listener listener;
  const auto scheme_end = text.find("://");
  if (scheme_end != std::string_view::npos) {
    const std::string_view scheme = text.substr(0, scheme_end);
    if (scheme == "mqtt") listener.transport = broker::ListenerTransport::mqtt;
    else if (scheme == "mqtts") listener.transport = broker::ListenerTransport::mqtts;
    else if (scheme == "ws") listener.transport = broker::ListenerTransport::ws;
    else if (scheme == "wss") listener.transport = broker::ListenerTransport::wss;
    else return std::nullopt;
    text.remove_prefix(scheme_end + 3);
  }
  const bool websocket =
      listener.transport == broker::ListenerTransport::ws || listener.transport == broker::ListenerTransport::wss;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    if (!websocket || slash + 1 == text.size()) return std::nullopt;
    listener.websocket_path = std::string(text.substr(slash));
    text = text.substr(0, slash);
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  unsigned port = 0;
  const char* port_end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data() + colon + 1, port_end, port);
  if (parsed.ec != std::errc() || parsed.ptr != port_end || port > 65535) return std::nullopt;
  std::string address(text.substr(0, colon));
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  boost::system::error_code error;
  boost::asio::ip::make_address(address, error);
  if (error) return std::nullopt;
  listener.address = std::move(address);
  listener.port = static_cast<std::uint16_t>(port);
  return listener;
}

struct BrokerCommandOptions {
  std::vector<std::string> listen{"127.0.0.1:1883"};
  std::string certificate_file;
  std::string key_file;
  std::optional<std::string> key_password;
  std::string client_ca_file;
  std::size_t websocket_message_limit = 0;
  std::vector<std::string> defects;
  std::vector<std::string> variations;
  int max_qos = 2;
  std::vector<std::string> users;  // "name:password"
  // MQTT 5.0 capabilities declared in CONNACK (BrokerOptions::mqtt5)
  int receive_maximum = 65535;
  int topic_alias_maximum = 10;
  std::optional<int> server_keep_alive;
  std::optional<std::uint32_t> maximum_session_expiry;
  bool no_retain = false;
  bool no_wildcard_subscriptions = false;
  bool no_subscription_identifiers = false;
  bool no_shared_subscriptions = false;
  bool no_assigned_client_identifiers = false;
  std::uint64_t seed = broker::BrokerOptions{}.seed;
  bool list_defects = false;
  bool list_variations = false;
};

int run_broker(const BrokerCommandOptions& options) {
  if (options.list_defects) {
    for (const auto& defect : broker::defect_catalog()) {
      fmt::print("{:<40} {:<6} {:<16} {}\n", defect.name, defect.protocol, defect.statement, defect.description);
    }
    return exit_passed;
  }
  if (options.list_variations) {
    for (const auto& variation : broker::variation_catalog()) {
      fmt::print("{:<42} {:<6} {:<11} {}\n", variation.name, variation.protocol, variation.section,
                 variation.description);
    }
    return exit_passed;
  }
  broker::BrokerOptions broker_options;
  for (const auto& text : options.listen) {
    const auto listener = parse_listener(text);
    if (!listener) {
      fmt::print(stderr,
                 "mqtt-harness broker: --listen {}: expected [mqtt|mqtts|ws|wss://]ADDRESS:PORT[/path] (port 0 picks "
                 "a free one; a path only for ws and wss)\n",
                 text);
      return exit_bad_input;
    }
    broker_options.listeners.push_back(*listener);
  }
  const bool any_tls = std::any_of(broker_options.listeners.begin(), broker_options.listeners.end(), [](const auto& l) {
    return l.transport == broker::ListenerTransport::mqtts || l.transport == broker::ListenerTransport::wss;
  });
  if (any_tls && (options.certificate_file.empty() || options.key_file.empty())) {
    fmt::print(stderr, "mqtt-harness broker: mqtts:// and wss:// listeners need --cert and --key\n");
    return exit_bad_input;
  }
  if (!any_tls && (!options.certificate_file.empty() || !options.client_ca_file.empty())) {
    fmt::print(stderr, "mqtt-harness broker: --cert, --key and --client-ca need an mqtts:// or wss:// --listen\n");
    return exit_bad_input;
  }
  broker_options.tls.certificate_file = options.certificate_file;
  broker_options.tls.key_file = options.key_file;
  broker_options.tls.key_password = options.key_password;
  broker_options.tls.client_ca_file = options.client_ca_file;
  broker_options.websocket_message_limit = options.websocket_message_limit;
  broker_options.maximum_qos = static_cast<QoS>(options.max_qos);
  broker::Mqtt5Capabilities& capabilities = broker_options.mqtt5;
  capabilities.receive_maximum = static_cast<std::uint16_t>(options.receive_maximum);
  capabilities.topic_alias_maximum = static_cast<std::uint16_t>(options.topic_alias_maximum);
  if (options.server_keep_alive) capabilities.server_keep_alive = static_cast<std::uint16_t>(*options.server_keep_alive);
  capabilities.maximum_session_expiry_interval = options.maximum_session_expiry;
  capabilities.retain_available = !options.no_retain;
  capabilities.wildcard_subscription_available = !options.no_wildcard_subscriptions;
  capabilities.subscription_identifier_available = !options.no_subscription_identifiers;
  capabilities.shared_subscription_available = !options.no_shared_subscriptions;
  capabilities.assign_client_identifiers = !options.no_assigned_client_identifiers;
  broker_options.seed = options.seed;
  for (const auto& name : options.defects) {
    const auto defect = broker::parse_defect(name);
    if (!defect) {
      fmt::print(stderr, "mqtt-harness broker: --defect {}: unknown defect (see --list-defects)\n", name);
      return exit_bad_input;
    }
    broker_options.defects.insert(*defect);
  }
  for (const auto& name : options.variations) {
    const auto variation = broker::parse_variation(name);
    if (!variation) {
      fmt::print(stderr, "mqtt-harness broker: --variation {}: unknown variation (see --list-variations)\n", name);
      return exit_bad_input;
    }
    broker_options.variations.insert(*variation);
  }
  if (const auto conflict = broker::conflict_in(broker_options.variations)) {
    fmt::print(stderr, "mqtt-harness broker: --variation: {}\n", *conflict);
    return exit_bad_input;
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
    fmt::print(stderr, "mqtt-harness broker: cannot listen: {}\n", error.what());
    return exit_bad_input;
  }
  // One line per listener; a plain one keeps the historical "listening on ADDRESS:PORT" form.
  const auto ports = server->ports();
  for (std::size_t index = 0; index < ports.size(); ++index) {
    const auto& listener = broker_options.listeners[index];
    const bool v6 = listener.address.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + listener.address + "]" : listener.address;
    if (listener.transport == broker::ListenerTransport::mqtt) {
      fmt::print("listening on {}:{}\n", host, ports[index]);
    } else {
      const bool websocket = listener.transport == broker::ListenerTransport::ws ||
                             listener.transport == broker::ListenerTransport::wss;
      fmt::print("listening on {}://{}:{}{}\n", broker::to_string(listener.transport), host, ports[index],
                 websocket ? listener.websocket_path : "");
    }
  }
  if (broker_options.variations.contains(broker::Variation::shared_random)) {
    fmt::print("shared-random seed {} (replay with --seed {})\n", broker_options.seed, broker_options.seed);
  }
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
  auto* command = app.add_subcommand("broker", "Serve the embedded MQTT 5.0, 3.1.1 and 3.1 reference broker");
  command->add_option("-l,--listen", options->listen,
                      "[mqtt|mqtts|ws|wss://]ADDRESS:PORT[/path] to listen on, repeatable (port 0 picks a free one; "
                      "ws and wss serve /mqtt unless a path is given)")
      ->capture_default_str();
  const std::string tls = "TLS (mqtts:// and wss:// listeners)";
  command->add_option("--cert", options->certificate_file, "Server certificate (PEM, may include the chain)")
      ->group(tls);
  command->add_option("--key", options->key_file, "The server certificate's private key (PEM)")->group(tls);
  command->add_option("--key-password", options->key_password, "Password of an encrypted --key")
      ->envname("MQTT_HARNESS_KEY_PASSWORD")
      ->group(tls);
  command->add_option("--client-ca", options->client_ca_file,
                      "Require a client certificate signed by a CA in this PEM file (mutual TLS)")
      ->group(tls);
  command->add_option("--ws-message-limit", options->websocket_message_limit,
                      "ws, wss: at most this many bytes of MQTT per WebSocket message (1 splits every packet over "
                      "many frames; default: whatever was read, often several packets per message)")
      ->group("WebSocket (ws:// and wss:// listeners)");
  command->add_option("--defect", options->defects, "Break one behaviour on purpose (repeatable)");
  command->add_option("--variation", options->variations,
                      "Choose a behaviour the specification permits instead of the default (repeatable; "
                      "combinable with --defect)");
  command->add_option("--max-qos", options->max_qos,
                      "Highest QoS granted in SUBACK; below 2 also the Maximum QoS a 5.0 CONNACK declares")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
  command->add_option("--receive-maximum", options->receive_maximum,
                      "5.0: unacknowledged QoS 2 PUBLISHes a client may have (declared below 65535)")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  command->add_option("--topic-alias-maximum", options->topic_alias_maximum,
                      "5.0: highest Topic Alias accepted from a client (0: none)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  command->add_option("--server-keep-alive", options->server_keep_alive,
                      "5.0: declare this Server Keep Alive (seconds) and use it instead of the client's")
      ->check(CLI::Range(0, 65535));
  command->add_option("--maximum-session-expiry", options->maximum_session_expiry,
                      "5.0: cut longer Session Expiry Intervals to this (seconds) and say so in CONNACK");
  command->add_flag("--no-retain", options->no_retain, "5.0: declare Retain Available 0 (and store nothing retained)");
  command->add_flag("--no-wildcard-subscriptions", options->no_wildcard_subscriptions,
                    "5.0: declare Wildcard Subscription Available 0");
  command->add_flag("--no-subscription-identifiers", options->no_subscription_identifiers,
                    "5.0: declare Subscription Identifiers Available 0");
  command->add_flag("--no-shared-subscriptions", options->no_shared_subscriptions,
                    "5.0: declare Shared Subscription Available 0");
  command->add_flag("--no-assigned-client-identifiers", options->no_assigned_client_identifiers,
                    "5.0: refuse an empty client id with CONNACK 0x85 instead of assigning one");
  command->add_option("--seed", options->seed, "Seed of the shared-random variation's choices")->capture_default_str();
  command->add_option("--user", options->users, "Require credentials: NAME:PASSWORD (repeatable)");
  command->add_flag("--list-defects", options->list_defects,
                    "List the defects: the protocol version and statement each breaks");
  command->add_flag("--list-variations", options->list_variations,
                    "List the legal variations: the protocol version and section that permits each");
  command->footer(help_footer("Prints the bound address, serves until SIGINT or SIGTERM."));
  command->callback([options, &exit_code] { exit_code = run_broker(*options); });
}

}  // namespace mqtt::cli
