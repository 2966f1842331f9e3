// The transport options of every command that talks to a broker (probe, conform, simulate, replay): whom to trust
// (--cafile, --capath), the client certificate (--cert, --key, --key-password or MQTT_HARNESS_KEY_PASSWORD),
// --insecure and --alpn. One wording for their errors, the --insecure warning and results.transport.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/target_url.hpp"
#include "results/results.hpp"

namespace CLI {
class App;
}

namespace mqtt::cli {

inline constexpr std::string_view key_password_variable = "MQTT_HARNESS_KEY_PASSWORD";

struct TransportOptions {
  std::string ca_file;
  std::string ca_path;
  std::string certificate_file;
  std::string key_file;
  std::optional<std::string> key_password;
  bool insecure = false;
  std::vector<std::string> alpn;
  std::vector<std::string> websocket_subprotocols;  // --ws-subprotocol; empty: "mqtt"

  bool any_tls_option() const;
};

void add_transport_options(CLI::App& command, TransportOptions& options);

// Puts the options into `target` and builds its TLS context now, so a bad file is found before the run. On bad
// input prints "mqtt-harness COMMAND: <one line>" and returns false (exit 2): TLS options for a target that does
// not use TLS, an unreadable or wrong file, a key password that does not open the key. Warns about --insecure.
bool apply_transport_options(std::string_view command, const TransportOptions& options, client::TargetUrl& target);

// What results.json and the reports say about how the target was reached.
results::Transport describe_transport(const client::TargetUrl& target);

// The --help note on URLs and TLS failures, shared by the four commands.
std::string transport_help_note();

}  // namespace mqtt::cli
