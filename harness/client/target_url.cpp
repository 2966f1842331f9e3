#include "client/target_url.hpp"

#include <cctype>
#include <charconv>

namespace mqtt::client {

std::string_view to_string(Scheme scheme) {
  switch (scheme) {
    case Scheme::mqtt:
      return "mqtt";
    case Scheme::mqtts:
      return "mqtts";
    case Scheme::ws:
      return "ws";
    case Scheme::wss:
      return "wss";
  }
  return "mqtt";
}

std::uint16_t default_port(Scheme scheme) {
  switch (scheme) {
    case Scheme::mqtt:
      return 1883;
    case Scheme::mqtts:
      return 8883;
    case Scheme::ws:
      return 80;  // the URL defaults, as browsers and MQTT.js use them; brokers often listen elsewhere
    case Scheme::wss:
      return 443;
  }
  return 1883;
}

bool uses_tls(Scheme scheme) { return scheme == Scheme::mqtts || scheme == Scheme::wss; }
bool uses_websocket(Scheme scheme) { return scheme == Scheme::ws || scheme == Scheme::wss; }

std::string TlsSettings::verification() const {
  if (insecure) return "none (--insecure)";
  std::string text;
  if (!ca_file.empty()) text = "--cafile " + ca_file;
  if (!ca_path.empty()) text += (text.empty() ? "" : ", ") + std::string("--capath ") + ca_path;
  return text.empty() ? "system store" : text;
}

std::string TargetUrl::host_port() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string text = ipv6 ? "[" + host + "]" : host;
  return text + ":" + std::to_string(port);
}

std::string TargetUrl::redacted() const {
  std::string text{to_string(scheme)};
  text += "://";
  if (username) {
    text += *username;
    if (password) text += ":***";
    text += "@";
  }
  text += host_port();
  const std::size_t query = path.find('?');
  return text + (query == std::string::npos ? path : path.substr(0, query) + "?***");
}

std::string UrlError::describe() const {
  return "invalid target URL at character " + std::to_string(position) + ": " + message;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; `position` is where `text` starts in the whole URL, for error positions.
std::variant<std::string, UrlError> percent_decode(std::string_view text, std::size_t position,
                                                   std::string_view what) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      return UrlError{position + i, "incomplete %-escape in " + std::string(what)};
    }
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return UrlError{position + i, "invalid %-escape in " + std::string(what)};
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

bool is_host_name_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

std::optional<Scheme> scheme_named(std::string_view name) {
  for (const Scheme scheme : {Scheme::mqtt, Scheme::mqtts, Scheme::ws, Scheme::wss}) {
    if (name == to_string(scheme)) return scheme;
  }
  return std::nullopt;
}

// A WebSocket request target: "/" then visible ASCII, no fragment.
std::optional<UrlError> check_path(std::string_view path, std::size_t position) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '#') return UrlError{position + i, "a fragment is not allowed"};
    if (c <= 0x20 || c >= 0x7f) return UrlError{position + i, "invalid character in path (use %-escapes)"};
  }
  return std::nullopt;
}

}  // namespace

std::variant<TargetUrl, UrlError> parse_target_url(std::string_view text) {
  TargetUrl url;
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return UrlError{0, "expected a URL of the form mqtt://[user[:password]@]host[:port] (or mqtts://, ws://, wss://)"};
  }
  const std::string_view scheme = text.substr(0, scheme_end);
  const auto known = scheme_named(scheme);
  if (!known) {
    return UrlError{0, "unsupported scheme \"" + std::string(scheme) + "\" (supported: mqtt, mqtts, ws, wss)"};
  }
  url.scheme = *known;
  url.port = default_port(url.scheme);

  std::size_t position = scheme_end + 3;
  std::string_view rest = text.substr(position);
  // mqtt and mqtts allow a single trailing "/" and no path; ws and wss take the rest as the request target.
  const std::size_t slash = rest.find_first_of(uses_websocket(url.scheme) ? "/?" : "/");
  if (slash != std::string_view::npos) {
    const std::string_view path = rest.substr(slash);
    if (uses_websocket(url.scheme)) {
      if (auto error = check_path(path, position + slash)) return *error;
      if (path.front() == '?') url.path = "/";  // "ws://host?token=x" asks for the root
      url.path.append(path);
    } else if (slash + 1 != rest.size()) {
      return UrlError{position + slash, "a path is not allowed after the host (only ws:// and wss:// take one)"};
    }
    rest = rest.substr(0, slash);
  }
  if (uses_websocket(url.scheme) && url.path.empty()) url.path = std::string(default_websocket_path);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '?' || rest[i] == '#') return UrlError{position + i, "query and fragment are not allowed"};
  }

  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view user_info = rest.substr(0, at);
    const std::size_t colon = user_info.find(':');
    const std::string_view user = user_info.substr(0, colon);
    if (user.empty()) return UrlError{position, "user name is empty"};
    auto decoded_user = percent_decode(user, position, "user name");
    if (auto* error = std::get_if<UrlError>(&decoded_user)) return *error;
    url.username = std::get<std::string>(std::move(decoded_user));
    if (colon != std::string_view::npos) {
      auto decoded_password = percent_decode(user_info.substr(colon + 1), position + colon + 1, "password");
      if (auto* error = std::get_if<UrlError>(&decoded_password)) return *error;
      url.password = std::get<std::string>(std::move(decoded_password));
    }
    position += at + 1;
    rest = rest.substr(at + 1);
  }

  std::string_view port_text;
  std::size_t port_position = 0;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return UrlError{position, "IPv6 address is missing its closing ']'"};
    const std::string_view address = rest.substr(1, close - 1);
    if (address.empty()) return UrlError{position + 1, "IPv6 address is empty"};
    for (std::size_t i = 0; i < address.size(); ++i) {
      const char c = address[i];
      if (hex_value(c) < 0 && c != ':' && c != '.') {
        return UrlError{position + 1 + i, "invalid character in IPv6 address"};
      }
    }
    if (address.find(':') == std::string_view::npos) {
      return UrlError{position + 1, "bracketed host must be an IPv6 address"};
    }
    url.host = std::string(address);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return UrlError{position + close + 1, "expected ':' and a port after ']'"};
      port_text = after.substr(1);
      port_position = position + close + 2;
      if (port_text.empty()) return UrlError{port_position, "port is empty"};
    }
  } else {
    const std::size_t colon = rest.find(':');
    const std::string_view host = rest.substr(0, colon);
    if (host.empty()) return UrlError{position, "host is empty"};
    for (std::size_t i = 0; i < host.size(); ++i) {
      if (!is_host_name_character(host[i])) {
        return UrlError{position + i, "invalid character in host (IPv6 addresses go in brackets)"};
      }
    }
    url.host = std::string(host);
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      port_position = position + colon + 1;
      if (port_text.empty()) return UrlError{port_position, "port is empty"};
    }
  }

  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (error != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return UrlError{port_position, "port must be a number from 1 to 65535"};
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

}  // namespace mqtt::client
