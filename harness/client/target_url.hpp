// Where the harness connects: `mqtt://[user[:password]@]host[:port]`. Parsing is pure and reports errors as data.
// The scheme selects the transport; only plain TCP (`mqtt`) exists today, `mqtts` and `ws` plug in later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mqtt::client {

enum class Scheme : std::uint8_t { mqtt };  // later: mqtts (TLS), ws, wss

std::string_view to_string(Scheme scheme);  // "mqtt"
std::uint16_t default_port(Scheme scheme);  // 1883 for mqtt

struct TargetUrl {
  Scheme scheme = Scheme::mqtt;
  std::string host;  // IPv6 literals are stored without brackets ("::1")
  std::uint16_t port = 1883;
  std::optional<std::string> username;  // percent-decoded
  std::optional<std::string> password;  // percent-decoded; never printed

  // "mqtt://user:***@host:1883": safe for logs and reports; the password never appears.
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

// Accepts `mqtt://[user[:password]@]host[:port]` with an optional trailing "/". Host is a name, an IPv4
// address or a bracketed IPv6 literal. User and password may use %XX escapes (for ':' '@' '/').
std::variant<TargetUrl, UrlError> parse_target_url(std::string_view text);

}  // namespace mqtt::client
