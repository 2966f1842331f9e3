#include "cli/connection_options.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace mqtt::cli {
namespace {

// The first line of the file, without its line end: what `echo secret > file` and most secret stores write.
std::optional<std::string> read_password_file(std::string_view command, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "mqtt-harness {}: --password-file {}: cannot read it ({})\n", command, path,
               std::strerror(errno));
    return std::nullopt;
  }
  std::string content;
  // A password file is one line; reading at most 64 KiB keeps a mistaken path (a device, a huge file)
  // harmless.
  constexpr std::size_t limit = 64 * 1024;
  content.resize(limit + 1);
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<std::size_t>(in.gcount()));
  if (content.size() > limit) {
    fmt::print(stderr, "mqtt-harness {}: --password-file {}: longer than 64 KiB; expected one line\n",
               command, path);
    return std::nullopt;
  }
  if (content.empty()) {
    fmt::print(stderr, "mqtt-harness {}: --password-file {}: the file is empty\n", command, path);
    return std::nullopt;
  }
  const auto line_end = content.find('\n');
  std::string password = content.substr(0, line_end);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

}  // namespace

void add_connection_options(CLI::App& command, ConnectionOptions& options) {
  const std::string group = "Credentials";
  command
      .add_option("-u,--username", options.credentials.username,
                  "User name sent in CONNECT (replaces the one in the URL)")
      ->group(group);
  command
      .add_option("-P,--password", options.credentials.password,
                  fmt::format("Password sent in CONNECT (visible in ps: prefer --password-file or {})",
                              password_variable))
      ->group(group);
  command
      .add_option("--password-file", options.credentials.password_file,
                  "Read the password from the first line of this file")
      ->group(group);
  add_transport_options(command, options.transport);
}

bool apply_credential_options(std::string_view command, const CredentialOptions& options,
                              client::TargetUrl& target) {
  if (options.username) {
    if (options.username->empty()) {
      fmt::print(stderr, "mqtt-harness {}: --username: the user name is empty\n", command);
      return false;
    }
    target.username = options.username;
  }
  const char* from_url = target.password ? "the URL" : nullptr;
  const char* from_option = options.password ? "-P/--password" : nullptr;
  const char* from_file = options.password_file.empty() ? nullptr : "--password-file";
  const char* first = nullptr;
  for (const char* source : {from_url, from_option, from_file}) {
    if (source == nullptr) continue;
    if (first != nullptr) {
      fmt::print(stderr, "mqtt-harness {}: the password is given twice ({} and {}); give it once\n", command,
                 first, source);
      return false;
    }
    first = source;
  }
  if (options.password) target.password = options.password;
  if (from_file != nullptr) {
    auto password = read_password_file(command, options.password_file);
    if (!password) return false;
    target.password = std::move(password);
  }
  if (!target.password && target.username) {
    if (const char* value = std::getenv(std::string(password_variable).c_str()); value != nullptr) {
      target.password = std::string(value);
    }
  }
  if (target.password && !target.username) {
    // MQTT 3.1.1 forbids a password without a user name [MQTT-3.1.2-22]; a broker would close the connection.
    fmt::print(stderr, "mqtt-harness {}: a password needs a user name: give -u NAME or user@ in the URL\n",
               command);
    return false;
  }
  return true;
}

bool apply_connection_options(std::string_view command, const ConnectionOptions& options,
                              client::TargetUrl& target) {
  return apply_credential_options(command, options.credentials, target) &&
         apply_transport_options(command, options.transport, target);
}

std::string credentials_help_note() {
  return fmt::format(
      "Credentials: -u NAME replaces the URL's user name; the password comes from the URL, -P, "
      "--password-file or, "
      "when none of them gives one and there is a user name, the environment variable {}; giving it twice is "
      "exit 2. "
      "Passwords never appear in any output, report, history or pcap (they become ***).",
      password_variable);
}

}  // namespace mqtt::cli
