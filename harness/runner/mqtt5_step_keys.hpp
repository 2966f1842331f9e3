// The MQTT 5.0 keys of case steps (docs/conformance-cases.md, "MQTT 5.0 keys"): CONNECT properties, message
// properties of PUBLISH and will, subscription options, reason codes. Each reader fails through the document
// with FILE:LINE:COL naming the key; a 5.0 key in a 3.1.1 case is an error, not silently ignored.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runner/case.hpp"
#include "runner/data_document.hpp"

namespace mqtt::runner {

// A string whose placeholders are checked once every client name of the case is known.
struct PlaceholderString {
  std::string pointer;
  std::string text;
};
using PlaceholderStrings = std::vector<PlaceholderString>;

// The 5.0 keys each step kind accepts besides its 3.1.1 keys.
std::span<const std::string_view> mqtt5_connect_keys();
std::span<const std::string_view> mqtt5_will_keys();
std::span<const std::string_view> mqtt5_publish_keys();
std::span<const std::string_view> mqtt5_filter_keys();
std::span<const std::string_view> mqtt5_subscribe_keys();
std::span<const std::string_view> mqtt5_disconnect_keys();

// Fails at the first of `keys` present in `reader` when the case is not a 5.0 case.
void reject_unless_mqtt5(const ObjectReader& reader, ProtocolVersion version, std::span<const std::string_view> keys);

// [["name", "value"], ...]: order kept, names may repeat.
std::vector<StringPair> read_user_properties(const ObjectReader& reader, PlaceholderStrings& strings);
ConnectPropertiesTemplate read_connect_properties(const ObjectReader& reader, PlaceholderStrings& strings);
MessagePropertiesTemplate read_message_properties(const ObjectReader& reader, PlaceholderStrings& strings);
// no_local, retain_as_published, retain_handling of one subscribe filter.
void read_subscription_options(const ObjectReader& reader, FilterTemplate& filter);

}  // namespace mqtt::runner
