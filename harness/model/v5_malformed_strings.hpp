// MQTT 5.0 string properties with a statement of their own: a PUBLISH's Response Topic [MQTT-3.3.2-13] and
// Content Type [MQTT-3.3.2-19] and every User Property's name and value [MQTT-1.5.7-1] must be UTF-8 Encoded
// Strings. The codec names that statement when one is not; the general rule the bytes break as well (ill-formed
// UTF-8 [MQTT-1.5.4-1] or U+0000 [MQTT-1.5.4-2]) is judged with it, so the server's close answers both.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mqtt::model::detail {

// For a decode error naming one of those property statements (`statement` without the 5.0 mark), the general
// UTF-8 rule its `message` shows broken, as a 5.0-marked id; nullopt for any other statement.
std::optional<std::string> general_utf8_rule_of_property(std::string_view statement, std::string_view message);

}  // namespace mqtt::model::detail
