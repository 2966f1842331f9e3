// Placeholders in case strings: {prefix}, {client:NAME}, {username}, {password}, {wrong_password} and
// {denied_topic} (alias {acl_denied_topic}: the profile's acl_denied_topic). Substitution happens per case run, so the same case file serves every run.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace mqtt::runner {

struct PlaceholderValues {
  std::string prefix;                             // "mh/5f2c19a0"
  std::map<std::string, std::string> client_ids;  // client name -> unique client id
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string wrong_password;
  std::optional<std::string> acl_denied_topic;
};

class PlaceholderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Why `text` cannot be substituted for a case whose clients are `client_names`, or nullopt when it can:
// an unknown placeholder name or a {client:NAME} for a client no step uses. Used when loading cases.
std::optional<std::string> placeholder_problem(std::string_view text, const std::set<std::string>& client_names);

// Replaces every placeholder; throws PlaceholderError for an unknown one or a value the run does not have
// ({username} without credentials). Braces that do not form a placeholder ("{}", "{\"a\":1}") stay as they are.
std::string substitute(std::string_view text, const PlaceholderValues& values);

// The same for every string (not key) inside a JSON value, e.g. a `send` step's packet.
nlohmann::json substitute_json(const nlohmann::json& value, const PlaceholderValues& values);

}  // namespace mqtt::runner
