// Topic names and topic filters per MQTT 3.1.1 section 4.7: validation and matching.
// Dependency-free and pure, so the checker and the embedded broker share one definition of "matches".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mqtt::topic {

// Why a name or filter is invalid, with the statement it breaks.
struct TopicError {
  std::string statement;  // e.g. "MQTT-4.7.1-2"
  std::string message;    // one sentence, lower case, no trailing period
};

// A Topic Name (what PUBLISH carries): at least one byte [MQTT-4.7.3-1], no U+0000 [MQTT-4.7.3-2],
// at most 65535 bytes [MQTT-4.7.3-3], no '+' or '#' [MQTT-4.7.1-1, MQTT-3.3.2-2]. UTF-8 well-formedness is the
// codec's business; this checks only the topic rules.
std::optional<TopicError> validate_name(std::string_view name);

// A Topic Filter (what SUBSCRIBE/UNSUBSCRIBE carry): non-empty, no U+0000, at most 65535 bytes, '#' only as a whole
// last level [MQTT-4.7.1-2], '+' only as a whole level [MQTT-4.7.1-3].
std::optional<TopicError> validate_filter(std::string_view filter);

bool is_valid_name(std::string_view name);
bool is_valid_filter(std::string_view filter);

// True when a filter contains '+' or '#'.
bool has_wildcard(std::string_view text);

// True when `filter` matches `name` per section 4.7: byte-exact levels (case sensitive, no normalisation
// [MQTT-4.7.3-4]), empty levels are levels, '+' matches exactly one level (possibly empty), '#' matches the parent
// level and any number of levels below, and a filter starting with '+' or '#' never matches a name starting with
// '$' [MQTT-4.7.2-1]. Both arguments are assumed valid; an invalid filter matches nothing.
bool matches(std::string_view filter, std::string_view name);

}  // namespace mqtt::topic
