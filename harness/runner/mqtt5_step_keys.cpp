#include "runner/mqtt5_step_keys.hpp"

#include <array>
#include <limits>

#include <nlohmann/json.hpp>

namespace mqtt::runner {

namespace {

constexpr std::uint64_t four_byte_maximum = std::numeric_limits<std::uint32_t>::max();

constexpr std::array<std::string_view, 8> connect_keys = {
    "session_expiry", "receive_maximum", "maximum_packet_size", "topic_alias_maximum", "request_problem_information",
    "request_response_information", "authentication_method", "user_properties"};
constexpr std::array<std::string_view, 7> message_keys = {"message_expiry", "payload_format", "content_type",
                                                          "response_topic", "correlation_data",
                                                          "correlation_data_hex", "user_properties"};
constexpr std::array<std::string_view, 8> will_keys = {"delay",          "message_expiry",       "payload_format",
                                                       "content_type",   "response_topic",       "correlation_data",
                                                       "correlation_data_hex", "user_properties"};
constexpr std::array<std::string_view, 9> publish_keys = {
    "topic_alias",      "beyond_limits",    "message_expiry",       "payload_format", "content_type",
    "response_topic",   "correlation_data", "correlation_data_hex", "user_properties"};
constexpr std::array<std::string_view, 3> filter_keys = {"no_local", "retain_as_published", "retain_handling"};
constexpr std::array<std::string_view, 2> subscribe_keys = {"subscription_identifier", "user_properties"};
constexpr std::array<std::string_view, 3> disconnect_keys = {"reason_code", "session_expiry", "user_properties"};

std::string placeholder_text(const ObjectReader& reader, std::string_view key, PlaceholderStrings& strings) {
  auto text = reader.string(key);
  strings.push_back({reader.pointer_of(key), text});
  return text;
}

std::optional<Bytes> hex_bytes(std::string_view text) {
  Bytes out;
  int pending = -1;
  for (char character : text) {
    if (character == ' ' || character == ':') continue;
    int nibble = -1;
    if (character >= '0' && character <= '9') nibble = character - '0';
    else if (character >= 'a' && character <= 'f') nibble = character - 'a' + 10;
    else if (character >= 'A' && character <= 'F') nibble = character - 'A' + 10;
    else return std::nullopt;
    if (pending < 0) {
      pending = nibble;
    } else {
      out.push_back(static_cast<std::uint8_t>(pending * 16 + nibble));
      pending = -1;
    }
  }
  if (pending >= 0) return std::nullopt;
  return out;
}

}  // namespace

std::span<const std::string_view> mqtt5_connect_keys() { return connect_keys; }
std::span<const std::string_view> mqtt5_will_keys() { return will_keys; }
std::span<const std::string_view> mqtt5_publish_keys() { return publish_keys; }
std::span<const std::string_view> mqtt5_filter_keys() { return filter_keys; }
std::span<const std::string_view> mqtt5_subscribe_keys() { return subscribe_keys; }
std::span<const std::string_view> mqtt5_disconnect_keys() { return disconnect_keys; }

void reject_unless_mqtt5(const ObjectReader& reader, ProtocolVersion version, std::span<const std::string_view> keys) {
  if (version == ProtocolVersion::v5) return;
  for (std::string_view key : keys) {
    if (reader.has(key)) reader.fail(key, "is an MQTT 5.0 key: the case needs \"mqtt\": \"5.0\"");
  }
}

std::vector<StringPair> read_user_properties(const ObjectReader& reader, PlaceholderStrings& strings) {
  std::vector<StringPair> pairs;
  if (!reader.has("user_properties")) return pairs;
  const auto& array = reader.array("user_properties");
  for (std::size_t index = 0; index < array.size(); ++index) {
    const std::string pointer = reader.pointer_of("user_properties") + "/" + std::to_string(index);
    const auto& pair = array[index];
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      reader.document().fail(pointer, "must be a pair of strings [\"name\", \"value\"]");
    }
    pairs.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    strings.push_back({pointer + "/0", pairs.back().first});
    strings.push_back({pointer + "/1", pairs.back().second});
  }
  return pairs;
}

ConnectPropertiesTemplate read_connect_properties(const ObjectReader& reader, PlaceholderStrings& strings) {
  ConnectPropertiesTemplate result;
  if (auto value = reader.optional_unsigned("session_expiry", 0, four_byte_maximum)) {
    result.session_expiry = static_cast<std::uint32_t>(*value);
  }
  // Receive Maximum and Maximum Packet Size of 0 are protocol errors: a case sends them with a `send` packet.
  if (auto value = reader.optional_unsigned("receive_maximum", 1, 65535)) {
    result.receive_maximum = static_cast<std::uint16_t>(*value);
  }
  if (auto value = reader.optional_unsigned("maximum_packet_size", 1, four_byte_maximum)) {
    result.maximum_packet_size = static_cast<std::uint32_t>(*value);
  }
  if (auto value = reader.optional_unsigned("topic_alias_maximum", 0, 65535)) {
    result.topic_alias_maximum = static_cast<std::uint16_t>(*value);
  }
  result.request_problem_information = reader.optional_boolean("request_problem_information");
  result.request_response_information = reader.optional_boolean("request_response_information");
  if (reader.has("authentication_method")) {
    result.authentication_method = placeholder_text(reader, "authentication_method", strings);
  }
  result.user_properties = read_user_properties(reader, strings);
  return result;
}

MessagePropertiesTemplate read_message_properties(const ObjectReader& reader, PlaceholderStrings& strings) {
  MessagePropertiesTemplate result;
  if (auto value = reader.optional_unsigned("message_expiry", 0, four_byte_maximum)) {
    result.message_expiry = static_cast<std::uint32_t>(*value);
  }
  if (auto value = reader.optional_unsigned("payload_format", 0, 1)) {
    result.payload_format = static_cast<std::uint8_t>(*value);
  }
  if (reader.has("content_type")) result.content_type = placeholder_text(reader, "content_type", strings);
  if (reader.has("response_topic")) result.response_topic = placeholder_text(reader, "response_topic", strings);
  if (reader.has("correlation_data") && reader.has("correlation_data_hex")) {
    reader.fail("correlation_data_hex", "give either correlation_data or correlation_data_hex, not both");
  }
  if (reader.has("correlation_data")) {
    result.correlation_data = placeholder_text(reader, "correlation_data", strings);
  }
  if (reader.has("correlation_data_hex")) {
    result.correlation_bytes = hex_bytes(reader.string("correlation_data_hex"));
    if (!result.correlation_bytes) reader.fail("correlation_data_hex", "must be pairs of hexadecimal digits");
  }
  result.user_properties = read_user_properties(reader, strings);
  return result;
}

void read_subscription_options(const ObjectReader& reader, FilterTemplate& filter) {
  filter.no_local = reader.optional_boolean("no_local").value_or(false);
  filter.retain_as_published = reader.optional_boolean("retain_as_published").value_or(false);
  filter.retain_handling = static_cast<std::uint8_t>(reader.optional_unsigned("retain_handling", 0, 2).value_or(0));
}

}  // namespace mqtt::runner
