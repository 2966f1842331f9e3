// Packet JSON: {"type": "PUBLISH", "version": "3.1.1", <every field of the packet>}. Byte fields are lower-case
// hex; payloads that are valid UTF-8 also carry "payload_text" for people (ignored when reading).
#include <array>

#include "history/json.hpp"
#include "history/json_reader.hpp"

namespace mqtt::history {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 15> packet_type_names = {
    "CONNECT", "CONNACK", "PUBLISH",     "PUBACK",   "PUBREC",  "PUBREL",     "PUBCOMP", "SUBSCRIBE",
    "SUBACK",  "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};

std::string_view version_name(ProtocolVersion version) {
  switch (version) {
    case ProtocolVersion::v3_1: return "3.1";
    case ProtocolVersion::v3_1_1: return "3.1.1";
    case ProtocolVersion::v5: return "5.0";
  }
  return "unknown";
}

ProtocolVersion read_version(const JsonObjectReader& reader) {
  const std::string name = reader.string("version");
  if (name == "3.1") return ProtocolVersion::v3_1;
  if (name == "3.1.1") return ProtocolVersion::v3_1_1;
  if (name == "5.0" || name == "5") return ProtocolVersion::v5;
  reader.fail("version", "unknown protocol version \"" + name + "\" (expected 3.1, 3.1.1 or 5.0)");
}

struct PropertyName {
  PropertyId id;
  std::string_view name;
};

constexpr std::array<PropertyName, 27> property_names = {{
    {PropertyId::payload_format_indicator, "payload_format_indicator"},
    {PropertyId::message_expiry_interval, "message_expiry_interval"},
    {PropertyId::content_type, "content_type"},
    {PropertyId::response_topic, "response_topic"},
    {PropertyId::correlation_data, "correlation_data"},
    {PropertyId::subscription_identifier, "subscription_identifier"},
    {PropertyId::session_expiry_interval, "session_expiry_interval"},
    {PropertyId::assigned_client_identifier, "assigned_client_identifier"},
    {PropertyId::server_keep_alive, "server_keep_alive"},
    {PropertyId::authentication_method, "authentication_method"},
    {PropertyId::authentication_data, "authentication_data"},
    {PropertyId::request_problem_information, "request_problem_information"},
    {PropertyId::will_delay_interval, "will_delay_interval"},
    {PropertyId::request_response_information, "request_response_information"},
    {PropertyId::response_information, "response_information"},
    {PropertyId::server_reference, "server_reference"},
    {PropertyId::reason_string, "reason_string"},
    {PropertyId::receive_maximum, "receive_maximum"},
    {PropertyId::topic_alias_maximum, "topic_alias_maximum"},
    {PropertyId::topic_alias, "topic_alias"},
    {PropertyId::maximum_qos, "maximum_qos"},
    {PropertyId::retain_available, "retain_available"},
    {PropertyId::user_property, "user_property"},
    {PropertyId::maximum_packet_size, "maximum_packet_size"},
    {PropertyId::wildcard_subscription_available, "wildcard_subscription_available"},
    {PropertyId::subscription_identifier_available, "subscription_identifier_available"},
    {PropertyId::shared_subscription_available, "shared_subscription_available"},
}};

std::string property_name(PropertyId id) {
  for (const auto& entry : property_names) {
    if (entry.id == id) return std::string(entry.name);
  }
  return "unknown_" + std::to_string(static_cast<int>(id));
}

// The value's JSON "type" follows the variant alternative, not the id, so even a property holding the wrong
// wire type (built on purpose by a negative test) round-trips.
constexpr std::array<std::string_view, 6> property_value_types = {"byte",   "two_byte_integer", "four_byte_integer",
                                                                  "string", "binary",           "string_pair"};

json properties_to_json(const Properties& properties) {
  json array = json::array();
  for (const Property& property : properties) {
    json entry{{"id", static_cast<int>(property.id)},
               {"name", property_name(property.id)},
               {"type", property_value_types[property.value.index()]}};
    std::visit(
        [&entry](const auto& value) {
          using Value = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<Value, std::string>) {
            entry["value"] = text_to_json(value);
          } else if constexpr (std::is_same_v<Value, Bytes>) {
            entry["value"] = to_hex(value);
          } else if constexpr (std::is_same_v<Value, StringPair>) {
            entry["value"] = json{{"name", text_to_json(value.first)}, {"value", text_to_json(value.second)}};
          } else {
            entry["value"] = value;
          }
        },
        property.value);
    array.push_back(std::move(entry));
  }
  return array;
}

Properties read_properties(const JsonObjectReader& reader) {
  Properties properties;
  if (!reader.has("properties")) return properties;
  const json& array = reader.array("properties");
  for (std::size_t index = 0; index < array.size(); ++index) {
    const JsonObjectReader entry(array[index], reader.path_of("properties") + "[" + std::to_string(index) + "]");
    Property property;
    property.id = static_cast<PropertyId>(entry.unsigned_integer("id", 255));
    const std::string type = entry.string("type");
    if (type == "byte") {
      property.value = static_cast<std::uint8_t>(entry.unsigned_integer("value", UINT8_MAX));
    } else if (type == "two_byte_integer") {
      property.value = static_cast<std::uint16_t>(entry.unsigned_integer("value", UINT16_MAX));
    } else if (type == "four_byte_integer") {
      property.value = static_cast<std::uint32_t>(entry.unsigned_integer("value", UINT32_MAX));
    } else if (type == "string") {
      property.value = entry.text("value");
    } else if (type == "binary") {
      property.value = entry.bytes("value");
    } else if (type == "string_pair") {
      const JsonObjectReader pair = entry.object("value");
      property.value = StringPair{pair.text("name"), pair.text("value")};
    } else {
      entry.fail("type", "unknown property value type \"" + type + "\"");
    }
    properties.push_back(std::move(property));
  }
  return properties;
}

void put_properties(json& out, const Properties& properties) {
  if (!properties.empty()) out["properties"] = properties_to_json(properties);
}

void put_payload(json& out, const Bytes& payload) {
  out["payload"] = to_hex(payload);
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (is_valid_utf8(text)) out["payload_text"] = text;
}

QoS read_qos(const JsonObjectReader& reader, std::string_view key) {
  return static_cast<QoS>(reader.unsigned_integer(key, 2));
}

std::uint16_t read_u16(const JsonObjectReader& reader, std::string_view key) {
  return static_cast<std::uint16_t>(reader.unsigned_integer(key, UINT16_MAX));
}

std::uint8_t read_u8(const JsonObjectReader& reader, std::string_view key) {
  return static_cast<std::uint8_t>(reader.unsigned_integer(key, UINT8_MAX));
}

json reason_codes_to_json(const std::vector<std::uint8_t>& codes) {
  json array = json::array();
  for (std::uint8_t code : codes) array.push_back(code);
  return array;
}

std::vector<std::uint8_t> read_reason_codes(const JsonObjectReader& reader) {
  std::vector<std::uint8_t> codes;
  const json& array = reader.array("reason_codes");
  for (std::size_t index = 0; index < array.size(); ++index) {
    const std::string path = reader.path_of("reason_codes") + "[" + std::to_string(index) + "]";
    codes.push_back(static_cast<std::uint8_t>(JsonObjectReader::unsigned_integer_value(array[index], path, 255)));
  }
  return codes;
}

void fields_to_json(json& out, const Connect& packet) {
  out["clean_session"] = packet.clean_session;
  out["keep_alive"] = packet.keep_alive;
  out["client_id"] = text_to_json(packet.client_id);
  if (packet.will) {
    json will{{"topic", text_to_json(packet.will->topic)},
              {"qos", static_cast<int>(packet.will->qos)},
              {"retain", packet.will->retain}};
    put_payload(will, packet.will->payload);
    put_properties(will, packet.will->properties);
    out["will"] = std::move(will);
  }
  if (packet.username) out["username"] = text_to_json(*packet.username);
  if (packet.password) out["password"] = to_hex(*packet.password);
  put_properties(out, packet.properties);
}

void fields_from_json(const JsonObjectReader& reader, Connect& packet) {
  packet.clean_session = reader.boolean("clean_session");
  packet.keep_alive = read_u16(reader, "keep_alive");
  packet.client_id = reader.text("client_id");
  if (reader.has("will")) {
    const JsonObjectReader will_reader = reader.object("will");
    Will will;
    will.topic = will_reader.text("topic");
    will.payload = will_reader.bytes("payload");
    will.qos = read_qos(will_reader, "qos");
    will.retain = will_reader.boolean("retain");
    will.properties = read_properties(will_reader);
    packet.will = std::move(will);
  }
  if (reader.has("username")) packet.username = reader.text("username");
  if (reader.has("password")) packet.password = reader.bytes("password");
  packet.properties = read_properties(reader);
}

void fields_to_json(json& out, const Connack& packet) {
  out["session_present"] = packet.session_present;
  out["reason_code"] = packet.reason_code;
  put_properties(out, packet.properties);
}

void fields_from_json(const JsonObjectReader& reader, Connack& packet) {
  packet.session_present = reader.boolean("session_present");
  packet.reason_code = read_u8(reader, "reason_code");
  packet.properties = read_properties(reader);
}

void fields_to_json(json& out, const Publish& packet) {
  out["dup"] = packet.dup;
  out["qos"] = static_cast<int>(packet.qos);
  out["retain"] = packet.retain;
  out["topic"] = text_to_json(packet.topic);
  if (packet.packet_id) out["packet_id"] = *packet.packet_id;
  put_payload(out, packet.payload);
  put_properties(out, packet.properties);
}

void fields_from_json(const JsonObjectReader& reader, Publish& packet) {
  packet.dup = reader.boolean("dup");
  packet.qos = read_qos(reader, "qos");
  packet.retain = reader.boolean("retain");
  packet.topic = reader.text("topic");
  if (reader.has("packet_id")) packet.packet_id = read_u16(reader, "packet_id");
  packet.payload = reader.bytes("payload");
  packet.properties = read_properties(reader);
}

template <PacketType Type>
void fields_to_json(json& out, const Acknowledgement<Type>& packet) {
  out["packet_id"] = packet.packet_id;
  out["reason_code"] = packet.reason_code;
  put_properties(out, packet.properties);
}

template <PacketType Type>
void fields_from_json(const JsonObjectReader& reader, Acknowledgement<Type>& packet) {
  packet.packet_id = read_u16(reader, "packet_id");
  packet.reason_code = read_u8(reader, "reason_code");
  packet.properties = read_properties(reader);
}

void fields_to_json(json& out, const Subscribe& packet) {
  out["packet_id"] = packet.packet_id;
  json subscriptions = json::array();
  for (const Subscription& subscription : packet.subscriptions) {
    subscriptions.push_back(json{{"filter", text_to_json(subscription.filter)},
                                 {"qos", static_cast<int>(subscription.qos)},
                                 {"no_local", subscription.no_local},
                                 {"retain_as_published", subscription.retain_as_published},
                                 {"retain_handling", subscription.retain_handling}});
  }
  out["subscriptions"] = std::move(subscriptions);
  put_properties(out, packet.properties);
}

void fields_from_json(const JsonObjectReader& reader, Subscribe& packet) {
  packet.packet_id = read_u16(reader, "packet_id");
  const json& array = reader.array("subscriptions");
  for (std::size_t index = 0; index < array.size(); ++index) {
    const JsonObjectReader entry(array[index], reader.path_of("subscriptions") + "[" + std::to_string(index) + "]");
    Subscription subscription;
    subscription.filter = entry.text("filter");
    subscription.qos = read_qos(entry, "qos");
    subscription.no_local = entry.boolean("no_local");
    subscription.retain_as_published = entry.boolean("retain_as_published");
    subscription.retain_handling = read_u8(entry, "retain_handling");
    packet.subscriptions.push_back(std::move(subscription));
  }
  packet.properties = read_properties(reader);
}

void fields_to_json(json& out, const Suback& packet) {
  out["packet_id"] = packet.packet_id;
  out["reason_codes"] = reason_codes_to_json(packet.reason_codes);
  put_properties(out, packet.properties);
}

void fields_from_json(const JsonObjectReader& reader, Suback& packet) {
  packet.packet_id = read_u16(reader, "packet_id");
  packet.reason_codes = read_reason_codes(reader);
  packet.properties = read_properties(reader);
}

void fields_to_json(json& out, const Unsubscribe& packet) {
  out["packet_id"] = packet.packet_id;
  json filters = json::array();
  for (const std::string& filter : packet.filters) filters.push_back(text_to_json(filter));
  out["filters"] = std::move(filters);
  put_properties(out, packet.properties);
}

void fields_from_json(const JsonObjectReader& reader, Unsubscribe& packet) {
  packet.packet_id = read_u16(reader, "packet_id");
  const json& array = reader.array("filters");
  for (std::size_t index = 0; index < array.size(); ++index) {
    packet.filters.push_back(JsonObjectReader::text_value(
        array[index], reader.path_of("filters") + "[" + std::to_string(index) + "]"));
  }
  packet.properties = read_properties(reader);
}

void fields_to_json(json& out, const Unsuback& packet) {
  out["packet_id"] = packet.packet_id;
  out["reason_codes"] = reason_codes_to_json(packet.reason_codes);
  put_properties(out, packet.properties);
}

void fields_from_json(const JsonObjectReader& reader, Unsuback& packet) {
  packet.packet_id = read_u16(reader, "packet_id");
  packet.reason_codes = read_reason_codes(reader);
  packet.properties = read_properties(reader);
}

void fields_to_json(json&, const Pingreq&) {}
void fields_from_json(const JsonObjectReader&, Pingreq&) {}
void fields_to_json(json&, const Pingresp&) {}
void fields_from_json(const JsonObjectReader&, Pingresp&) {}

void fields_to_json(json& out, const Disconnect& packet) {
  out["reason_code"] = packet.reason_code;
  put_properties(out, packet.properties);
}

void fields_from_json(const JsonObjectReader& reader, Disconnect& packet) {
  packet.reason_code = read_u8(reader, "reason_code");
  packet.properties = read_properties(reader);
}

void fields_to_json(json& out, const Auth& packet) {
  out["reason_code"] = packet.reason_code;
  put_properties(out, packet.properties);
}

void fields_from_json(const JsonObjectReader& reader, Auth& packet) {
  packet.reason_code = read_u8(reader, "reason_code");
  packet.properties = read_properties(reader);
}

template <std::size_t Index>
Packet packet_at_index(std::size_t index, const JsonObjectReader& reader, ProtocolVersion version) {
  if constexpr (Index < std::variant_size_v<Packet>) {
    if (index == Index) {
      std::variant_alternative_t<Index, Packet> packet;
      packet.version = version;
      fields_from_json(reader, packet);
      return packet;
    }
    return packet_at_index<Index + 1>(index, reader, version);
  } else {
    reader.fail("type", "unknown packet type");
  }
}

}  // namespace

nlohmann::json packet_to_json(const Packet& packet) {
  // Variant alternatives are declared in PacketType order, so index + 1 is the wire type.
  json out{{"type", packet_type_names[packet.index()]}};
  std::visit(
      [&out](const auto& value) {
        out["version"] = version_name(value.version);
        fields_to_json(out, value);
      },
      packet);
  return out;
}

std::string_view packet_type_name(PacketType type) {
  const auto index = static_cast<std::size_t>(type);
  if (index == 0 || index > packet_type_names.size()) return "UNKNOWN";
  return packet_type_names[index - 1];
}

std::optional<PacketType> parse_packet_type_name(std::string_view name) {
  for (std::size_t index = 0; index < packet_type_names.size(); ++index) {
    if (packet_type_names[index] == name) return static_cast<PacketType>(index + 1);
  }
  return std::nullopt;
}

Packet read_packet(const nlohmann::json& json_value, const std::string& path) {
  const JsonObjectReader reader(json_value, path);
  const std::string type = reader.string("type");
  std::size_t index = 0;
  while (index < packet_type_names.size() && packet_type_names[index] != type) ++index;
  if (index == packet_type_names.size()) reader.fail("type", "unknown packet type \"" + type + "\"");
  return packet_at_index<0>(index, reader, read_version(reader));
}

Packet packet_from_json(const nlohmann::json& json_value) { return read_packet(json_value, ""); }

}  // namespace mqtt::history
