#include "model/v5_malformed_strings.hpp"

#include <algorithm>
#include <array>

#include "model/statement_citation.hpp"

namespace mqtt::model::detail {

std::optional<std::string> general_utf8_rule_of_property(std::string_view statement, std::string_view message) {
  constexpr std::array<std::string_view, 3> property_statements{"MQTT-3.3.2-13", "MQTT-3.3.2-19", "MQTT-1.5.7-1"};
  if (std::find(property_statements.begin(), property_statements.end(), statement) == property_statements.end()) {
    return std::nullopt;
  }
  // The codec's wording for a null character: "<field> contains U+0000" (harness/codec/body_reader.hpp).
  const bool null_character = message.find("contains U+0000") != std::string_view::npos;
  return v5(null_character ? "MQTT-1.5.4-2" : "MQTT-1.5.4-1");
}

}  // namespace mqtt::model::detail
