// Where the harness connects: `SCHEME://[user[:password]@]host[:port][/path]`. Parsing is pure and reports errors
// as data. The scheme selects the transport: plain TCP (mqtt), TLS (mqtts), WebSocket (ws) or WebSocket over TLS
// (wss); only the WebSocket schemes take a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "client/tls_settings.hpp"

namespace mqtt::client {

enum class Scheme : std::uint8_t { mqtt, mqtts, ws, wss };

std::string_view to_string(Scheme scheme);  // "mqtt", "mqtts", "ws", "wss"
std::uint16_t default_port(Scheme scheme);  // 1883, 8883, 80, 443
bool uses_tls(Scheme scheme);               // mqtts, wss
bool uses_websocket(Scheme scheme);         // ws, wss

inline constexpr std::string_view default_websocket_path = "/mqtt";

struct TargetUrl {
  Scheme scheme = Scheme::mqtt;
  std::string host;  // IPv6 literals are stored without brackets ("::1")
  std::uint16_t port = 1883;
  std::optional<std::string> username;  // percent-decoded
  std::optional<std::string> password;  // percent-decoded; never printed
  // The HTTP request target of the WebSocket upgrade ("/mqtt", "/ws?token=..."); empty for mqtt and mqtts.
  std::string path;
  // The WebSocket subprotocols offered in the upgrade, in order; the server must choose one of them. "mqtt" is
  // what MQTT requires [MQTT-6.0.0-3]; generic bridges (websockify) choose "binary" when offered. From the command
  // line (--ws-subprotocol), not from the URL.
  std::vector<std::string> websocket_subprotocols{"mqtt"};
  // For mqtts and wss; set from the command line (--cafile, --cert, ...), not from the URL.
  TlsSettings tls;
  // Where the TCP connection really goes when not host:port (the fault proxy on loopback). TLS still checks and
  // names `host` (SNI), and the WebSocket Host header still says host:port: the proxy only forwards bytes.
  std::string relay_host;
  std::uint16_t relay_port = 0;

  // "mqtts://user:***@host:8883", "ws://host:80/mqtt": safe for logs and reports; the password never appears,
  // nor a query string of the path ("/mqtt?***"), which may carry a token.
  std::string redacted() const;
  // "host:port", with brackets around IPv6 literals ("[::1]:1883").
  std::string host_port() const;
  friend bool operator==(const TargetUrl&, const TargetUrl&) = default;
};

struct UrlError {
  std::size_t position = 0;  // 0-based character offset in the input where the problem was found
  std::string message;       // lower case, no trailing period, e.g. "port must be a number from 1 to 65535"
  // One line: "invalid target URL at character 12: port must be a number from 1 to 65535".
  std::string describe() const;
  friend bool operator==(const UrlError&, const UrlError&) = default;
};

// Accepts `mqtt://`, `mqtts://`, `ws://` and `wss://` URLs: `[user[:password]@]host[:port]`, then for mqtt and
// mqtts an optional trailing "/", for ws and wss an optional path (default "/mqtt") with an optional query. Host is
// a name, an IPv4 address or a bracketed IPv6 literal. User and password may use %XX escapes (for ':' '@' '/').
std::variant<TargetUrl, UrlError> parse_target_url(std::string_view text);

}  // namespace mqtt::client
