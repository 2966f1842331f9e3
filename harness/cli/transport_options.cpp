#include "cli/transport_options.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace mqtt::cli {

bool TransportOptions::any_tls_option() const {
  return !ca_file.empty() || !ca_path.empty() || !certificate_file.empty() || !key_file.empty() ||
         key_password.has_value() || insecure || !alpn.empty();
}

void add_transport_options(CLI::App& command, TransportOptions& options) {
  const std::string group = "TLS (mqtts:// and wss:// targets)";
  command.add_option("--cafile", options.ca_file, "Trust the CAs in this PEM file instead of the system store")
      ->group(group);
  command.add_option("--capath", options.ca_path, "Trust the CAs in this OpenSSL hashed directory")->group(group);
  command.add_option("--cert", options.certificate_file, "Client certificate (PEM, may include the chain)")
      ->group(group);
  command.add_option("--key", options.key_file, "The client certificate's private key (PEM)")->group(group);
  command
      .add_option("--key-password", options.key_password,
                   "Password of an encrypted --key (visible in ps: prefer the environment variable)")
      ->envname(std::string(key_password_variable))
      ->group(group);
  command
      .add_flag("--insecure", options.insecure,
                 "Do not verify the server's certificate or host name (warned about, and noted in results.json)")
      ->group(group);
  command.add_option("--alpn", options.alpn, "Offer these ALPN protocols, in order (comma-separated or repeated)")
      ->delimiter(',')
      ->group(group);
  command
      .add_option("--ws-subprotocol", options.websocket_subprotocols,
                  "ws:// and wss://: offer these WebSocket subprotocols, in order (default mqtt; 'mqtt,binary' also "
                  "passes generic bridges such as websockify)")
      ->delimiter(',')
      ->group("WebSocket (ws:// and wss:// targets)");
}

bool apply_transport_options(std::string_view command, const TransportOptions& options, client::TargetUrl& target) {
  if (!options.websocket_subprotocols.empty()) {
    if (!client::uses_websocket(target.scheme)) {
      fmt::print(stderr, "mqtt-harness {}: --ws-subprotocol needs a ws:// or wss:// target; {} is {}://\n", command,
                 target.redacted(), client::to_string(target.scheme));
      return false;
    }
    for (const auto& name : options.websocket_subprotocols) {
      if (name.empty() || name.find_first_of(" \t,;\"") != std::string::npos) {
        fmt::print(stderr, "mqtt-harness {}: --ws-subprotocol \"{}\": expected a token such as mqtt or binary\n",
                   command, name);
        return false;
      }
    }
    target.websocket_subprotocols = options.websocket_subprotocols;
  }
  if (!client::uses_tls(target.scheme)) {
    if (options.any_tls_option()) {
      fmt::print(stderr, "mqtt-harness {}: the TLS options (--cafile, --cert, --insecure, ...) need an mqtts:// or "
                 "wss:// target; {} is {}://\n", command, target.redacted(), client::to_string(target.scheme));
      return false;
    }
    return true;
  }
  target.tls.ca_file = options.ca_file;
  target.tls.ca_path = options.ca_path;
  target.tls.certificate_file = options.certificate_file;
  target.tls.key_file = options.key_file;
  target.tls.key_password = options.key_password;
  target.tls.insecure = options.insecure;
  target.tls.alpn = options.alpn;
  if (options.insecure && (!options.ca_file.empty() || !options.ca_path.empty())) {
    fmt::print(stderr, "mqtt-harness {}: --insecure skips verification; it cannot be combined with --cafile or "
               "--capath\n", command);
    return false;
  }
  if (const std::string problem = client::check_tls_settings(target.tls); !problem.empty()) {
    fmt::print(stderr, "mqtt-harness {}: {}\n", command, problem);
    return false;
  }
  if (options.insecure) {
    fmt::print(stderr, "mqtt-harness {}: WARNING: --insecure: the server's certificate and host name are NOT "
               "verified; anyone on the path can pose as {}\n", command, target.host_port());
  }
  return true;
}

results::Transport describe_transport(const client::TargetUrl& target) {
  results::Transport transport;
  transport.scheme = std::string(client::to_string(target.scheme));
  if (client::uses_websocket(target.scheme)) {
    transport.websocket_path = target.path.substr(0, target.path.find('?'));
    transport.websocket_subprotocols = target.websocket_subprotocols;
  }
  if (client::uses_tls(target.scheme)) {
    transport.verification = target.tls.verification();
    transport.client_certificate = !target.tls.certificate_file.empty();
    transport.alpn = target.tls.alpn;
    if (target.tls.insecure) {
      transport.warnings.push_back("--insecure: the server's certificate and host name were not verified");
    }
  }
  return transport;
}

std::string transport_help_note() {
  return "Targets: mqtt://host[:1883], mqtts://host[:8883] (TLS 1.2/1.3), ws://host[:80][/path] and "
         "wss://host[:443][/path] (WebSocket, path /mqtt by default, subprotocol mqtt), each with optional "
         "user[:password]@. A TLS or WebSocket failure (unknown CA, host name mismatch, expired certificate, refused "
         "handshake, client certificate required, refused upgrade) is one line naming the cause, and exit 3 when no "
         "session could be opened; an unreadable or wrong --cafile/--cert/--key is exit 2.";
}

}  // namespace mqtt::cli
