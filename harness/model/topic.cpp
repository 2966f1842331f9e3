#include "model/topic.hpp"

namespace mqtt::topic {
namespace {

constexpr std::size_t maximum_length = 65535;

std::optional<TopicError> validate_common(std::string_view text, std::string_view what) {
  if (text.empty()) {
    return TopicError{"MQTT-4.7.3-1", std::string(what) + " is empty"};
  }
  if (text.size() > maximum_length) {
    return TopicError{"MQTT-4.7.3-3", std::string(what) + " is longer than 65535 bytes"};
  }
  if (text.find('\0') != std::string_view::npos) {
    return TopicError{"MQTT-4.7.3-2", std::string(what) + " contains U+0000"};
  }
  return std::nullopt;
}

// Walks the levels of a name or filter; `done` turns true once the last level has been returned.
struct LevelCursor {
  std::string_view rest;
  bool done = false;
  std::string_view next() {
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) {
      done = true;
      return rest;
    }
    auto level = rest.substr(0, slash);
    rest.remove_prefix(slash + 1);
    return level;
  }
};

}  // namespace

std::optional<TopicError> validate_name(std::string_view name) {
  if (auto error = validate_common(name, "topic name")) return error;
  if (has_wildcard(name)) {
    return TopicError{"MQTT-3.3.2-2", "topic name contains a wildcard character"};
  }
  return std::nullopt;
}

std::optional<TopicError> validate_filter(std::string_view filter) {
  if (auto error = validate_common(filter, "topic filter")) return error;
  LevelCursor cursor{filter};
  while (!cursor.done) {
    const auto level = cursor.next();
    if (level.find('#') != std::string_view::npos) {
      if (level.size() != 1) {
        return TopicError{"MQTT-4.7.1-2", "'#' does not occupy a whole level"};
      }
      if (!cursor.done) {
        return TopicError{"MQTT-4.7.1-2", "'#' is not the last level of the filter"};
      }
    }
    if (level.find('+') != std::string_view::npos && level.size() != 1) {
      return TopicError{"MQTT-4.7.1-3", "'+' does not occupy a whole level"};
    }
  }
  return std::nullopt;
}

bool is_valid_name(std::string_view name) { return !validate_name(name).has_value(); }
bool is_valid_filter(std::string_view filter) { return !validate_filter(filter).has_value(); }

bool has_wildcard(std::string_view text) { return text.find_first_of("+#") != std::string_view::npos; }

bool matches(std::string_view filter, std::string_view name) {
  if (!is_valid_filter(filter) || name.empty()) return false;
  if (name.front() == '$' && (filter.front() == '+' || filter.front() == '#')) return false;
  LevelCursor filter_levels{filter};
  LevelCursor name_levels{name};
  while (true) {
    const auto filter_level = filter_levels.next();
    // '#' is the last level (validated) and also matches the parent level: "a/#" matches "a".
    if (filter_level == "#") return true;
    if (name_levels.done) return false;  // the filter wants a level the name does not have
    const auto name_level = name_levels.next();
    if (filter_level != "+" && filter_level != name_level) return false;
    if (filter_levels.done) return name_levels.done;
  }
}

}  // namespace mqtt::topic
