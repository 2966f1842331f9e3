// Topic filter rules, shared by SUBSCRIBE and UNSUBSCRIBE.
#include "codec/topic_checks.hpp"

namespace mqtt::codec_detail {

void check_topic_filter(const Reader& reader, std::string_view filter, std::size_t start,
                        std::size_t length_offset) {
  if (filter.empty()) reader.fail_at(length_offset, "MQTT-4.7.3-1", "topic filter is empty");
  std::size_t level_start = 0;
  if (is_v5(reader.version()) && filter.starts_with("$share/")) {
    const std::size_t name_start = 7;
    const std::size_t name_end = filter.find('/', name_start);
    const std::size_t name_stop = name_end == std::string_view::npos ? filter.size() : name_end;
    if (name_stop == name_start) {
      reader.fail_at(start + name_start, "MQTT-4.8.2-1", "shared subscription has an empty share name");
    }
    const auto bad = filter.substr(name_start, name_stop - name_start).find_first_of("+#");
    if (bad != std::string_view::npos) {
      reader.fail_at(start + name_start + bad, "MQTT-4.8.2-2", "share name contains a wildcard");
    }
    if (name_end == std::string_view::npos || name_end + 1 == filter.size()) {
      reader.fail_at(start + name_stop, "MQTT-4.8.2-2",
                     "share name is not followed by '/' and a topic filter");
    }
    level_start = name_end + 1;
  }
  const auto& ids = reader.ids();
  for (std::size_t index = level_start; index < filter.size(); ++index) {
    const char character = filter[index];
    const bool level_begins = index == level_start || filter[index - 1] == '/';
    const bool level_ends = index + 1 == filter.size() || filter[index + 1] == '/';
    if (character == '#') {
      if (!level_begins || index + 1 != filter.size()) {
        reader.fail_at(start + index, ids.multi_level_wildcard,
                       "'#' in topic filter \"" + std::string(filter) + "\" is not alone in the last level");
      }
    } else if (character == '+') {
      if (!level_begins || !level_ends) {
        reader.fail_at(start + index, ids.single_level_wildcard,
                       "'+' in topic filter \"" + std::string(filter) + "\" does not occupy a whole level");
      }
    }
  }
}

}  // namespace mqtt::codec_detail
