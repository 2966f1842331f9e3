#include "runner/placeholders.hpp"

#include <cctype>
#include <functional>

#include <nlohmann/json.hpp>

namespace mqtt::runner {

namespace {

bool is_name_character(char character) {
  return std::isalnum(static_cast<unsigned char>(character)) != 0 || character == '_' || character == ':' ||
         character == '-' || character == '.';
}

// Calls `visit(name)` for each placeholder and `literal(text)` for the text between them.
void scan(std::string_view text, const std::function<void(std::string_view)>& literal,
          const std::function<void(std::string_view)>& visit) {
  std::size_t start = 0;
  std::size_t index = 0;
  while (index < text.size()) {
    if (text[index] == '{' && index + 1 < text.size() &&
        std::isalpha(static_cast<unsigned char>(text[index + 1])) != 0) {
      std::size_t end = index + 1;
      while (end < text.size() && is_name_character(text[end])) {
        ++end;
      }
      if (end < text.size() && text[end] == '}') {
        literal(text.substr(start, index - start));
        visit(text.substr(index + 1, end - index - 1));
        index = end + 1;
        start = index;
        continue;
      }
    }
    ++index;
  }
  literal(text.substr(start));
}

constexpr std::string_view client_marker = "client:";

}  // namespace

std::optional<std::string> placeholder_problem(std::string_view text, const std::set<std::string>& client_names) {
  std::optional<std::string> problem;
  scan(
      text, [](std::string_view) {},
      [&](std::string_view name) {
        if (problem) {
          return;
        }
        if (name.starts_with(client_marker)) {
          const std::string client(name.substr(client_marker.size()));
          if (!client_names.contains(client)) {
            problem = "placeholder {" + std::string(name) + "} names client \"" + client + "\", which no step uses";
          }
          return;
        }
        if (name != "prefix" && name != "username" && name != "password" && name != "wrong_password" &&
            name != "denied_topic" && name != "acl_denied_topic") {
          problem = "unknown placeholder {" + std::string(name) + "}";
        }
      });
  return problem;
}

std::string substitute(std::string_view text, const PlaceholderValues& values) {
  std::string out;
  scan(
      text, [&](std::string_view literal) { out += literal; },
      [&](std::string_view name) {
        auto require = [&](const std::optional<std::string>& value, std::string_view what) -> const std::string& {
          if (!value) {
            throw PlaceholderError("placeholder {" + std::string(name) + "} needs " + std::string(what));
          }
          return *value;
        };
        if (name == "prefix") {
          out += values.prefix;
        } else if (name == "username") {
          out += require(values.username, "a user name in the target URL or profile");
        } else if (name == "password") {
          out += require(values.password, "a password in the target URL or profile");
        } else if (name == "wrong_password") {
          out += values.wrong_password;
        } else if (name == "denied_topic" || name == "acl_denied_topic") {
          out += require(values.acl_denied_topic, "acl_denied_topic in the target profile");
        } else if (name.starts_with(client_marker)) {
          const auto found = values.client_ids.find(std::string(name.substr(client_marker.size())));
          if (found == values.client_ids.end()) {
            throw PlaceholderError("placeholder {" + std::string(name) + "} names an unknown client");
          }
          out += found->second;
        } else {
          throw PlaceholderError("unknown placeholder {" + std::string(name) + "}");
        }
      });
  return out;
}

nlohmann::json substitute_json(const nlohmann::json& value, const PlaceholderValues& values) {
  if (value.is_string()) {
    return substitute(value.get<std::string>(), values);
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& element : value) {
      out.push_back(substitute_json(element, values));
    }
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, member] : value.items()) {
      out[key] = substitute_json(member, values);
    }
    return out;
  }
  return value;
}

}  // namespace mqtt::runner
