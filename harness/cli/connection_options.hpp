// The options of every command that connects to a broker (probe, conform, simulate, replay), added by one
// function so each command offers them with the same letters and meanings: the credentials (-u/--username,
// -P/--password, --password-file, MQTT_HARNESS_PASSWORD) and the transport's (TLS and WebSocket,
// transport_options.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cli/transport_options.hpp"
#include "client/target_url.hpp"

namespace CLI {
class App;
}

namespace mqtt::cli {

// Read when the password is given nowhere else and there is a user name: keeps it out of `ps` and shell
// history.
inline constexpr std::string_view password_variable = "MQTT_HARNESS_PASSWORD";

struct CredentialOptions {
  std::optional<std::string> username;  // -u/--username: replaces the URL's user name
  std::optional<std::string> password;  // -P/--password (visible in ps)
  std::string password_file;            // --password-file: its first line is the password
};

struct ConnectionOptions {
  CredentialOptions credentials;
  TransportOptions transport;
};

// Adds -u/--username, -P/--password, --password-file and the TLS/WebSocket options (add_transport_options).
void add_connection_options(CLI::App& command, ConnectionOptions& options);

// The user name and password the session should send, from the URL, the options and the environment. The
// password comes from exactly one of the URL, -P, --password-file or (when none of those gives one)
// MQTT_HARNESS_PASSWORD, and only with a user name. On bad input prints "mqtt-harness COMMAND: <one line>"
// (never the password) and returns false (exit 2).
bool apply_credential_options(std::string_view command, const CredentialOptions& options,
                              client::TargetUrl& target);

// Both: the credentials, then apply_transport_options.
bool apply_connection_options(std::string_view command, const ConnectionOptions& options,
                              client::TargetUrl& target);

// The --help note on the credential sources, shared by the four commands.
std::string credentials_help_note();

}  // namespace mqtt::cli
