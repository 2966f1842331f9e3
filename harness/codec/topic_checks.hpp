// Internal to the decoder: the wildcard rules of topic names (PUBLISH, will, Response Topic) and topic
// filters (SUBSCRIBE, UNSUBSCRIBE, shared subscriptions).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "codec/body_reader.hpp"

namespace mqtt::codec_detail {

// Topic names (PUBLISH, will, response topic) must not hold wildcards; `start` is the offset of the first
// char. Inline: every PUBLISH a subscriber decodes passes here.
inline void check_topic_name(const Reader& reader, std::string_view topic, std::size_t start,
                             std::string_view statement) {
  // Two vectorised searches, not find_first_of("+#"): that one calls memchr on "+#" once per character of the
  // topic, about 1,100 instructions per PUBLISH a subscriber decodes (docs/benchmarks.md, "third cut").
  const auto wildcard = std::min(topic.find('+'), topic.find('#'));  // npos is the largest size_t
  if (wildcard != std::string_view::npos) {
    reader.fail_at(
        start + wildcard, statement,
        "topic name \"" + std::string(topic) + "\" contains the wildcard '" + topic[wildcard] + "'");
  }
}

// A filter's levels and wildcards, and a 5.0 shared subscription's share name; `start` is the offset of the
// first char, `length_offset` that of the length field (where an empty filter is reported).
void check_topic_filter(const Reader& reader, std::string_view filter, std::size_t start,
                        std::size_t length_offset);

}  // namespace mqtt::codec_detail
