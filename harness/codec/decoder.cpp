#include "codec/decoder.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "codec/property_table.hpp"

namespace mqtt {
namespace {

using codec_detail::describe_property;
using codec_detail::PropertyDescriptor;
using codec_detail::WireType;

// Thrown only inside this file and always caught before a public function returns: it keeps every field
// read to one line. Nothing escapes the decoder's API.
struct Malformed {
  DecodeError error;
};

[[noreturn]] void fail(std::size_t offset, std::optional<PacketType> type, std::string_view statement,
                       std::string message) {
  throw Malformed{DecodeError{offset, type, std::string(statement), std::move(message)}};
}

bool is_v5(ProtocolVersion version) { return version == ProtocolVersion::v5; }

// The statement numbering differs between 3.1.1 and 5.0. MQTT 3.1 has no numbered statements, so it borrows
// the 3.1.1 numbers (its rules are the same for everything checked here).
struct StatementIds {
  std::string_view utf8_ill_formed;
  std::string_view utf8_null;
  std::string_view fixed_header_flags;
  std::string_view packet_id_from_client;
  std::string_view packet_id_from_server;
  std::string_view topic_name_wildcard;  // wildcards in a topic name other than PUBLISH's (will topic)
  std::string_view multi_level_wildcard;
  std::string_view single_level_wildcard;
  std::string_view subscribe_without_filters;
  std::string_view subscription_options_reserved;
  std::string_view will_qos_without_will;
  std::string_view will_qos_three;
  std::string_view will_retain_without_will;
  std::string_view session_present_on_failure;
};

constexpr StatementIds statements_v3{"MQTT-1.5.3-1",  "MQTT-1.5.3-2", "MQTT-2.2.2-1",  "MQTT-2.3.1-1",
                                     "MQTT-2.3.1-1",  "MQTT-4.7.1-1", "MQTT-4.7.1-2",  "MQTT-4.7.1-3",
                                     "MQTT-3.8.3-3",  "MQTT-3.8.3-4", "MQTT-3.1.2-13", "MQTT-3.1.2-14",
                                     "MQTT-3.1.2-15", "MQTT-3.2.2-4"};
constexpr StatementIds statements_v5{"MQTT-1.5.4-1",  "MQTT-1.5.4-2", "MQTT-2.1.3-1",  "MQTT-2.2.1-3",
                                     "MQTT-2.2.1-4",  "MQTT-4.7.0-1", "MQTT-4.7.1-1",  "MQTT-4.7.1-2",
                                     "MQTT-3.8.3-2",  "MQTT-3.8.3-5", "MQTT-3.1.2-11", "MQTT-3.1.2-12",
                                     "MQTT-3.1.2-13", "MQTT-3.2.2-6"};

const StatementIds& statements(ProtocolVersion version) {
  return is_v5(version) ? statements_v5 : statements_v3;
}

std::string hex(std::uint32_t value) {
  constexpr char digits[] = "0123456789ABCDEF";
  std::string text = "0x";
  if (value > 0xFF) text += digits[(value >> 12) & 0xF], text += digits[(value >> 8) & 0xF];
  text += digits[(value >> 4) & 0xF];
  text += digits[value & 0xF];
  return text;
}

// ---- first byte and remaining length ----------------------------------------------------------------------

bool sent_by_client_only(PacketType type, ProtocolVersion version) {
  switch (type) {
    case PacketType::connect:
    case PacketType::subscribe:
    case PacketType::unsubscribe:
    case PacketType::pingreq:
      return true;
    case PacketType::disconnect:
      return !is_v5(version);  // 5.0 lets the server send DISCONNECT too
    default:
      return false;
  }
}

bool sent_by_server_only(PacketType type) {
  return type == PacketType::connack || type == PacketType::suback || type == PacketType::unsuback ||
         type == PacketType::pingresp;
}

std::string_view flags_statement(PacketType type, ProtocolVersion version) {
  switch (type) {
    case PacketType::pubrel:
      return "MQTT-3.6.1-1";
    case PacketType::subscribe:
      return "MQTT-3.8.1-1";
    case PacketType::unsubscribe:
      return "MQTT-3.10.1-1";
    case PacketType::disconnect:
      return "MQTT-3.14.1-1";
    case PacketType::auth:
      return "MQTT-3.15.1-1";
    default:
      return statements(version).fixed_header_flags;
  }
}

// Checks everything the first byte alone decides, so a stream fails as soon as that byte arrives.
PacketType check_first_byte(std::uint8_t first, std::size_t offset, Sender sender, ProtocolVersion version) {
  const std::uint8_t type_number = first >> 4;
  const std::uint8_t flags = first & 0x0F;
  if (type_number == 0) fail(offset, std::nullopt, "", "packet type 0 is reserved");
  const auto type = static_cast<PacketType>(type_number);
  if (type == PacketType::auth && !is_v5(version)) {
    fail(offset, type, "", "packet type 15 (AUTH) is reserved in MQTT " + std::string(to_string(version)));
  }
  if (sender == Sender::server && sent_by_client_only(type, version)) {
    fail(offset, type, "",
         std::string(to_string(type)) + " is sent only by clients but came from the server");
  }
  if (sender == Sender::client && sent_by_server_only(type)) {
    fail(offset, type, "", std::string(to_string(type)) + " is sent only by servers but came from a client");
  }
  if (type == PacketType::publish) {
    const std::uint8_t qos = (flags >> 1) & 0x3;
    if (qos == 3) fail(offset, type, "MQTT-3.3.1-4", "QoS 3 is not allowed");
    if (qos == 0 && (flags & 0x8) != 0) fail(offset, type, "MQTT-3.3.1-2", "DUP is set on a QoS 0 message");
    return type;
  }
  const bool flags_are_0010 =
      type == PacketType::pubrel || type == PacketType::subscribe || type == PacketType::unsubscribe;
  const std::uint8_t expected = flags_are_0010 ? 0x2 : 0x0;
  if (flags != expected) {
    fail(offset, type, flags_statement(type, version),
         "reserved fixed-header flags are " + hex(flags) + ", expected " + hex(expected));
  }
  return type;
}

struct RemainingLength {
  std::uint32_t value = 0;
  std::size_t header_size = 0;  // first byte plus the length bytes
};

// `bytes` starts at the first byte. Returns nullopt when more bytes are needed to finish the length.
std::optional<RemainingLength> parse_remaining_length(std::span<const std::uint8_t> bytes, std::size_t offset,
                                                      PacketType type, ProtocolVersion version) {
  std::uint32_t value = 0;
  for (std::size_t index = 1; index <= 4; ++index) {
    if (index >= bytes.size()) return std::nullopt;
    const std::uint8_t byte = bytes[index];
    value |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * (index - 1));
    if ((byte & 0x80) == 0) {
      if (index > 1 && byte == 0 && is_v5(version)) {
        fail(offset + index, type, "MQTT-1.5.5-1",
             "remaining length is not encoded in the minimum number of bytes");
      }
      return RemainingLength{value, index + 1};
    }
  }
  fail(offset + 4, type, "", "remaining length continues past four bytes");
}

// ---- body reader ------------------------------------------------------------------------------------------

class Reader {
 public:
  Reader(std::span<const std::uint8_t> body, std::size_t base, PacketType type, ProtocolVersion version,
         Sender sender)
      : body_(body), limit_(body.size()), base_(base), type_(type), version_(version), sender_(sender) {}

  std::size_t offset() const { return base_ + position_; }
  std::size_t remaining() const { return limit_ - position_; }
  ProtocolVersion version() const { return version_; }
  void set_version(ProtocolVersion version) { version_ = version; }
  PacketType type() const { return type_; }
  Sender sender() const { return sender_; }
  const StatementIds& ids() const { return statements(version_); }

  [[noreturn]] void fail_at(std::size_t offset, std::string_view statement, std::string message) const {
    fail(offset, type_, statement, std::move(message));
  }

  std::span<const std::uint8_t> take(std::size_t size, std::string_view what) {
    if (size > remaining()) {
      fail_at(offset(), "",
              "packet ends inside the " + std::string(what) + " (needs " + std::to_string(size) + " bytes, " +
                  std::to_string(remaining()) + " left)");
    }
    auto result = body_.subspan(position_, size);
    position_ += size;
    return result;
  }

  std::uint8_t byte(std::string_view what) { return take(1, what)[0]; }
  std::uint16_t two_bytes(std::string_view what) {
    auto bytes = take(2, what);
    return static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]);
  }
  std::uint32_t four_bytes(std::string_view what) {
    auto bytes = take(4, what);
    return static_cast<std::uint32_t>(bytes[0]) << 24 | static_cast<std::uint32_t>(bytes[1]) << 16 |
           static_cast<std::uint32_t>(bytes[2]) << 8 | bytes[3];
  }
  std::uint32_t variable_integer(std::string_view what) {
    std::uint32_t value = 0;
    for (int index = 0; index < 4; ++index) {
      const std::size_t byte_offset = offset();
      const std::uint8_t byte = this->byte(what);
      value |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * index);
      if ((byte & 0x80) == 0) {
        if (index > 0 && byte == 0) {
          fail_at(byte_offset, "MQTT-1.5.5-1",
                  std::string(what) + " is not encoded in the minimum number of bytes");
        }
        return value;
      }
      if (index == 3) fail_at(byte_offset, "", std::string(what) + " continues past four bytes");
    }
    return value;
  }
  Bytes binary(std::string_view what) {
    const std::uint16_t size = two_bytes(what);
    auto bytes = take(size, what);
    return Bytes(bytes.begin(), bytes.end());
  }
  // A UTF-8 Encoded String: two-byte length, then well-formed UTF-8 without U+0000. A field whose own statement
  // says it is such a string (a PUBLISH's Response Topic, a User Property) passes it as `statement`, which then
  // replaces the general UTF-8 statements in the error.
  std::string utf8_string(std::string_view what, std::string_view statement = {}) {
    const std::uint16_t size = two_bytes(what);
    const std::size_t start = offset();
    auto bytes = take(size, what);
    check_utf8(bytes, start, what, statement);
    return std::string(bytes.begin(), bytes.end());
  }
  void expect_end() {
    if (remaining() != 0) {
      fail_at(offset(), "",
              std::to_string(remaining()) + " unexpected bytes after the end of the " +
                  std::string(to_string(type_)) + " packet");
    }
  }
  std::span<const std::uint8_t> rest() { return take(remaining(), "payload"); }

  // Limits reads to the next `size` bytes (a property list); returns the previous limit to restore.
  std::size_t narrow(std::size_t size) {
    const std::size_t previous = limit_;
    limit_ = position_ + size;
    return previous;
  }
  void widen(std::size_t previous) { limit_ = previous; }

 private:
  void check_utf8(std::span<const std::uint8_t> bytes, std::size_t start, std::string_view what,
                  std::string_view statement) const {
    const std::string_view ill_formed = statement.empty() ? ids().utf8_ill_formed : statement;
    const std::string_view null = statement.empty() ? ids().utf8_null : statement;
    std::size_t index = 0;
    while (index < bytes.size()) {
      const std::uint8_t lead = bytes[index];
      const std::size_t at = start + index;
      if (lead == 0) {
        fail_at(at, null, std::string(what) + " contains U+0000");
      }
      if (lead < 0x80) {
        ++index;
        continue;
      }
      std::size_t length = 0;
      std::uint32_t code_point = 0;
      if (lead >= 0xC2 && lead <= 0xDF)
        length = 2, code_point = lead & 0x1F;
      else if (lead >= 0xE0 && lead <= 0xEF)
        length = 3, code_point = lead & 0x0F;
      else if (lead >= 0xF0 && lead <= 0xF4)
        length = 4, code_point = lead & 0x07;
      else
        fail_at(at, ill_formed,
                std::string(what) + " is not well-formed UTF-8 (bad lead byte " + hex(lead) + ")");
      for (std::size_t continuation = 1; continuation < length; ++continuation) {
        if (index + continuation >= bytes.size() || (bytes[index + continuation] & 0xC0) != 0x80) {
          fail_at(at + continuation, ill_formed,
                  std::string(what) + " is not well-formed UTF-8 (truncated sequence)");
        }
        code_point = code_point << 6 | (bytes[index + continuation] & 0x3F);
      }
      const std::uint32_t minimum = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
      if (code_point < minimum) {
        fail_at(at, ill_formed,
                std::string(what) + " is not well-formed UTF-8 (overlong encoding)");
      }
      if (code_point >= 0xD800 && code_point <= 0xDFFF) {
        fail_at(at, ill_formed, std::string(what) + " encodes the surrogate " + hex(code_point));
      }
      if (code_point > 0x10FFFF) {
        fail_at(at, ill_formed, std::string(what) + " encodes a code point above U+10FFFF");
      }
      index += length;
    }
  }

  std::span<const std::uint8_t> body_;
  std::size_t position_ = 0;
  std::size_t limit_ = 0;
  std::size_t base_ = 0;
  PacketType type_;
  ProtocolVersion version_;
  Sender sender_;
};

// ---- topics -----------------------------------------------------------------------------------------------

// Topic names (PUBLISH, will, response topic) must not hold wildcards; `start` is the offset of the first
// char.
void check_topic_name(const Reader& reader, std::string_view topic, std::size_t start,
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

// ---- properties -------------------------------------------------------------------------------------------

bool is_allowed_reason(std::span<const std::uint8_t> allowed, std::uint8_t code) {
  return std::find(allowed.begin(), allowed.end(), code) != allowed.end();
}

bool contains(const Properties& properties, PropertyId id) {
  return std::any_of(properties.begin(), properties.end(), [id](const Property& p) { return p.id == id; });
}

// A PUBLISH's Response Topic and Content Type have statements of their own saying they are UTF-8 Encoded Strings
// [MQTT-3.3.2-13], [MQTT-3.3.2-19]; elsewhere (the will properties) the general rules name the fault.
std::string_view string_property_statement(PropertyId id, std::uint16_t place) {
  if (place != codec_detail::place_publish) return {};
  if (id == PropertyId::response_topic) return "MQTT-3.3.2-13";
  if (id == PropertyId::content_type) return "MQTT-3.3.2-19";
  return {};
}

Properties read_properties(Reader& reader, std::uint16_t place, std::string_view where) {
  const std::size_t length_offset = reader.offset();
  const std::uint32_t length = reader.variable_integer("property length");
  if (length > reader.remaining()) {
    reader.fail_at(length_offset, "",
                   "property length " + std::to_string(length) + " exceeds the " +
                       std::to_string(reader.remaining()) + " bytes left");
  }
  const std::size_t previous_limit = reader.narrow(length);
  Properties properties;
  std::uint64_t seen = 0;
  while (reader.remaining() > 0) {
    const std::size_t id_offset = reader.offset();
    const std::uint8_t id = reader.byte("property identifier");
    const PropertyDescriptor descriptor = describe_property(id);
    if (!descriptor.known) reader.fail_at(id_offset, "", "unknown property identifier " + hex(id));
    const auto property_id = static_cast<PropertyId>(id);
    const std::string name(to_string(property_id));
    if ((descriptor.places & place) == 0) {
      reader.fail_at(id_offset, "", name + " is not allowed in " + std::string(where));
    }
    const bool may_repeat =
        property_id == PropertyId::user_property ||
        (property_id == PropertyId::subscription_identifier && place == codec_detail::place_publish);
    const std::uint64_t bit = std::uint64_t{1} << id;  // ids are below 0x2B
    if ((seen & bit) != 0 && !may_repeat) {
      reader.fail_at(id_offset, "", name + " appears more than once");
    }
    seen |= bit;
    const std::size_t value_offset = reader.offset();
    Property property{property_id, std::uint8_t{0}};
    switch (descriptor.wire_type) {
      case WireType::byte: {
        const std::uint8_t value = reader.byte(name);
        if (value > 1)
          reader.fail_at(value_offset, "", name + " is " + std::to_string(value) + ", not 0 or 1");
        property.value = value;
        break;
      }
      case WireType::two_byte_integer: {
        const std::uint16_t value = reader.two_bytes(name);
        if (value == 0 && property_id == PropertyId::receive_maximum) {
          reader.fail_at(value_offset, "", "Receive Maximum is 0");
        }
        if (value == 0 && property_id == PropertyId::topic_alias) {
          reader.fail_at(value_offset, "MQTT-3.3.2-8", "Topic Alias is 0");
        }
        property.value = value;
        break;
      }
      case WireType::four_byte_integer: {
        const std::uint32_t value = reader.four_bytes(name);
        if (value == 0 && property_id == PropertyId::maximum_packet_size) {
          reader.fail_at(value_offset, "", "Maximum Packet Size is 0");
        }
        property.value = value;
        break;
      }
      case WireType::variable_byte_integer: {
        const std::uint32_t value = reader.variable_integer(name);
        if (value == 0) reader.fail_at(value_offset, "", name + " is 0");
        property.value = value;
        break;
      }
      case WireType::utf8_string: {
        const std::size_t text_start = value_offset + 2;
        std::string value = reader.utf8_string(name, string_property_statement(property_id, place));
        if (property_id == PropertyId::response_topic) {
          if (value.empty()) reader.fail_at(value_offset, "MQTT-4.7.3-1", "Response Topic is empty");
          check_topic_name(reader, value, text_start, "MQTT-3.3.2-14");
        }
        property.value = std::move(value);
        break;
      }
      case WireType::binary_data:
        property.value = reader.binary(name);
        break;
      case WireType::utf8_string_pair: {
        // Both strings of a pair are UTF-8 Encoded Strings [MQTT-1.5.7-1].
        std::string key = reader.utf8_string("User Property name", "MQTT-1.5.7-1");
        std::string value = reader.utf8_string("User Property value", "MQTT-1.5.7-1");
        property.value = StringPair{std::move(key), std::move(value)};
        break;
      }
    }
    properties.push_back(std::move(property));
  }
  reader.widen(previous_limit);
  return properties;
}

// ---- packets ----------------------------------------------------------------------------------------------

enum class PacketIdRole : std::uint8_t { assigned, echoed };

// PUBLISH, SUBSCRIBE and UNSUBSCRIBE assign identifiers, which must be non-zero. Acknowledgements echo one;
// no statement covers them directly, but 0 can never have been assigned, so it is still rejected.
std::uint16_t read_packet_id(Reader& reader, PacketIdRole role) {
  const std::size_t offset = reader.offset();
  const std::uint16_t id = reader.two_bytes("packet identifier");
  if (id == 0 && role == PacketIdRole::assigned) {
    const auto statement = reader.sender() == Sender::client ? reader.ids().packet_id_from_client
                                                             : reader.ids().packet_id_from_server;
    reader.fail_at(offset, statement, "packet identifier is 0");
  }
  if (id == 0) reader.fail_at(offset, "", "acknowledges packet identifier 0, which no packet can carry");
  return id;
}

Connect decode_connect(Reader& reader) {
  const std::size_t name_offset = reader.offset();
  const std::string name = reader.utf8_string("protocol name");
  const std::size_t level_offset = reader.offset();
  const std::uint8_t level = reader.byte("protocol level");
  Connect connect;
  if (name == "MQTT") {
    if (level != 4 && level != 5) {
      reader.fail_at(
          level_offset, "MQTT-3.1.2-2",
          "protocol level " + std::to_string(level) + " does not go with protocol name \"MQTT\" (4 or 5)");
    }
    connect.version = level == 4 ? ProtocolVersion::v3_1_1 : ProtocolVersion::v5;
  } else if (name == "MQIsdp") {
    if (level != 3) {
      reader.fail_at(
          level_offset, "MQTT-3.1.2-2",
          "protocol level " + std::to_string(level) + " does not go with protocol name \"MQIsdp\" (3)");
    }
    connect.version = ProtocolVersion::v3_1;
  } else {
    reader.fail_at(name_offset, "MQTT-3.1.2-1",
                   "protocol name \"" + name + "\" is neither \"MQTT\" nor \"MQIsdp\"");
  }
  reader.set_version(connect.version);
  const bool v5 = is_v5(connect.version);
  const auto& ids = reader.ids();

  const std::size_t flags_offset = reader.offset();
  const std::uint8_t flags = reader.byte("connect flags");
  if ((flags & 0x01) != 0)
    reader.fail_at(flags_offset, "MQTT-3.1.2-3", "reserved connect flag (bit 0) is set");
  connect.clean_session = (flags & 0x02) != 0;
  const bool will_flag = (flags & 0x04) != 0;
  const std::uint8_t will_qos = (flags >> 3) & 0x3;
  const bool will_retain = (flags & 0x20) != 0;
  const bool password_flag = (flags & 0x40) != 0;
  const bool username_flag = (flags & 0x80) != 0;
  if (!will_flag && will_qos != 0) {
    reader.fail_at(flags_offset, ids.will_qos_without_will,
                   "will QoS is " + std::to_string(will_qos) + " but the will flag is not set");
  }
  if (!will_flag && will_retain) {
    reader.fail_at(flags_offset, ids.will_retain_without_will, "will retain is set but the will flag is not");
  }
  if (will_flag && will_qos == 3) reader.fail_at(flags_offset, ids.will_qos_three, "will QoS is 3");
  if (!v5 && password_flag && !username_flag) {
    reader.fail_at(flags_offset, "MQTT-3.1.2-22", "password flag is set without the user name flag");
  }
  connect.keep_alive = reader.two_bytes("keep alive");
  if (v5) {
    connect.properties = read_properties(reader, codec_detail::place_connect, "CONNECT");
    if (contains(connect.properties, PropertyId::authentication_data) &&
        !contains(connect.properties, PropertyId::authentication_method)) {
      reader.fail_at(flags_offset + 3, "", "Authentication Data without Authentication Method");
    }
  }
  connect.client_id = reader.utf8_string("client identifier");
  if (will_flag) {
    Will will;
    will.qos = static_cast<QoS>(will_qos);
    will.retain = will_retain;
    if (v5) will.properties = read_properties(reader, codec_detail::place_will, "will properties");
    const std::size_t topic_offset = reader.offset();
    will.topic = reader.utf8_string("will topic");
    if (will.topic.empty()) reader.fail_at(topic_offset, "MQTT-4.7.3-1", "will topic is empty");
    check_topic_name(reader, will.topic, topic_offset + 2, ids.topic_name_wildcard);
    will.payload = reader.binary("will payload");
    connect.will = std::move(will);
  }
  if (username_flag) connect.username = reader.utf8_string("user name");
  if (password_flag) connect.password = reader.binary("password");
  reader.expect_end();
  return connect;
}

constexpr std::array<std::uint8_t, 22> connack_reasons_v5{0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                                          0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
                                                          0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
constexpr std::array<std::uint8_t, 9> puback_reasons_v5{0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
constexpr std::array<std::uint8_t, 2> pubrel_reasons_v5{0x00, 0x92};
constexpr std::array<std::uint8_t, 12> suback_reasons_v5{0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                                                         0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
constexpr std::array<std::uint8_t, 4> suback_reasons_v3{0x00, 0x01, 0x02, 0x80};
constexpr std::array<std::uint8_t, 7> unsuback_reasons_v5{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
constexpr std::array<std::uint8_t, 29> disconnect_reasons_v5{
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
    0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
constexpr std::array<std::uint8_t, 3> auth_reasons_v5{0x00, 0x18, 0x19};

std::uint8_t read_reason(Reader& reader, std::span<const std::uint8_t> allowed, std::string_view statement) {
  const std::size_t offset = reader.offset();
  const std::uint8_t code = reader.byte("reason code");
  if (!is_allowed_reason(allowed, code)) {
    reader.fail_at(
        offset, statement,
        "reason code " + hex(code) + " is not defined for " + std::string(to_string(reader.type())));
  }
  return code;
}

Connack decode_connack(Reader& reader) {
  Connack connack;
  connack.version = reader.version();
  const std::size_t flags_offset = reader.offset();
  const std::uint8_t flags = reader.byte("acknowledge flags");
  if (connack.version == ProtocolVersion::v3_1 && flags != 0) {
    reader.fail_at(flags_offset, "", "the reserved first byte of a 3.1 CONNACK is " + hex(flags) + ", not 0");
  }
  if ((flags & 0xFE) != 0) {
    reader.fail_at(flags_offset, is_v5(connack.version) ? "MQTT-3.2.2-1" : "",
                   "reserved acknowledge flag bits are set (" + hex(flags) + ")");
  }
  connack.session_present = (flags & 0x01) != 0;
  const std::size_t code_offset = reader.offset();
  // A server that speaks only 3.1.1 answers a 5.0 CONNECT the 3.1.1 way: a two-byte CONNACK with return code 1
  // (unacceptable protocol version) [MQTT-3.1.2-2]. That is a legitimate refusal, not a malformed 5.0 CONNACK.
  if (is_v5(connack.version) && reader.remaining() == 1 && flags == 0) {
    const std::uint8_t code = reader.byte("return code");
    if (code == 0x01) {
      connack.version = ProtocolVersion::v3_1_1;
      connack.reason_code = code;
      reader.expect_end();
      return connack;
    }
    reader.fail_at(code_offset, "MQTT-3.2.2-8",
                   "a 5.0 CONNACK needs a property length; two bytes are only a 3.1.1 refusal with return code 1");
  }
  if (is_v5(connack.version)) {
    connack.reason_code = read_reason(reader, connack_reasons_v5, "MQTT-3.2.2-8");
  } else {
    connack.reason_code = reader.byte("return code");
    if (connack.reason_code > 5) {
      reader.fail_at(code_offset, "",
                     "return code " + std::to_string(connack.reason_code) + " is reserved (0-5)");
    }
  }
  if (connack.session_present && connack.reason_code != 0) {
    reader.fail_at(flags_offset, reader.ids().session_present_on_failure,
                   "session present is set with a non-zero return code");
  }
  if (is_v5(connack.version))
    connack.properties = read_properties(reader, codec_detail::place_connack, "CONNACK");
  reader.expect_end();
  return connack;
}

Publish decode_publish(Reader& reader, std::uint8_t flags) {
  Publish publish;
  publish.version = reader.version();
  publish.dup = (flags & 0x8) != 0;
  publish.qos = static_cast<QoS>((flags >> 1) & 0x3);
  publish.retain = (flags & 0x1) != 0;
  const std::size_t topic_offset = reader.offset();
  publish.topic = reader.utf8_string("topic name");
  check_topic_name(reader, publish.topic, topic_offset + 2, "MQTT-3.3.2-2");
  if (publish.qos != QoS::at_most_once) publish.packet_id = read_packet_id(reader, PacketIdRole::assigned);
  if (is_v5(publish.version)) {
    const std::size_t properties_offset = reader.offset();
    publish.properties = read_properties(reader, codec_detail::place_publish, "PUBLISH");
    if (reader.sender() == Sender::client &&
        contains(publish.properties, PropertyId::subscription_identifier)) {
      reader.fail_at(properties_offset, "MQTT-3.3.4-6",
                     "a client's PUBLISH carries a Subscription Identifier");
    }
  }
  const bool aliased = is_v5(publish.version) && contains(publish.properties, PropertyId::topic_alias);
  if (publish.topic.empty() && !aliased) reader.fail_at(topic_offset, "MQTT-4.7.3-1", "topic name is empty");
  auto payload = reader.rest();
  publish.payload.assign(payload.begin(), payload.end());
  return publish;
}

template <typename Ack>
Ack decode_acknowledgement(Reader& reader) {
  Ack ack;
  ack.version = reader.version();
  ack.packet_id = read_packet_id(reader, PacketIdRole::echoed);
  if (is_v5(ack.version) && reader.remaining() > 0) {
    constexpr PacketType type = Ack::type;
    if constexpr (type == PacketType::puback)
      ack.reason_code = read_reason(reader, puback_reasons_v5, "MQTT-3.4.2-1");
    if constexpr (type == PacketType::pubrec)
      ack.reason_code = read_reason(reader, puback_reasons_v5, "MQTT-3.5.2-1");
    if constexpr (type == PacketType::pubrel)
      ack.reason_code = read_reason(reader, pubrel_reasons_v5, "MQTT-3.6.2-1");
    if constexpr (type == PacketType::pubcomp) {
      ack.reason_code = read_reason(reader, pubrel_reasons_v5, "MQTT-3.7.2-1");
    }
    if (reader.remaining() > 0) {
      ack.properties = read_properties(reader, codec_detail::place_acknowledgement, to_string(type));
    }
  }
  reader.expect_end();
  return ack;
}

Subscribe decode_subscribe(Reader& reader) {
  Subscribe subscribe;
  subscribe.version = reader.version();
  const bool v5 = is_v5(subscribe.version);
  subscribe.packet_id = read_packet_id(reader, PacketIdRole::assigned);
  if (v5) subscribe.properties = read_properties(reader, codec_detail::place_subscribe, "SUBSCRIBE");
  if (reader.remaining() == 0) {
    reader.fail_at(reader.offset(), reader.ids().subscribe_without_filters,
                   "SUBSCRIBE carries no topic filter");
  }
  while (reader.remaining() > 0) {
    Subscription subscription;
    const std::size_t filter_offset = reader.offset();
    subscription.filter = reader.utf8_string("topic filter");
    check_topic_filter(reader, subscription.filter, filter_offset + 2, filter_offset);
    const std::size_t options_offset = reader.offset();
    const std::uint8_t options = reader.byte("subscription options");
    const std::uint8_t qos = options & 0x3;
    if (!v5) {
      if ((options & 0xFC) != 0) {
        reader.fail_at(options_offset, "MQTT-3.8.3-4", "reserved bits of the requested QoS byte are set");
      }
      if (qos == 3) reader.fail_at(options_offset, "MQTT-3.8.3-4", "requested QoS is 3");
    } else {
      if ((options & 0xC0) != 0) {
        reader.fail_at(options_offset, "MQTT-3.8.3-5", "reserved bits of the subscription options are set");
      }
      if (qos == 3) reader.fail_at(options_offset, "", "maximum QoS in the subscription options is 3");
      subscription.no_local = (options & 0x04) != 0;
      subscription.retain_as_published = (options & 0x08) != 0;
      subscription.retain_handling = (options >> 4) & 0x3;
      if (subscription.retain_handling == 3) reader.fail_at(options_offset, "", "retain handling is 3");
      if (subscription.no_local && subscription.filter.starts_with("$share/")) {
        reader.fail_at(options_offset, "MQTT-3.8.3-4", "no local is set on a shared subscription");
      }
    }
    subscription.qos = static_cast<QoS>(qos);
    subscribe.subscriptions.push_back(std::move(subscription));
  }
  return subscribe;
}

Suback decode_suback(Reader& reader) {
  Suback suback;
  suback.version = reader.version();
  const bool v5 = is_v5(suback.version);
  suback.packet_id = read_packet_id(reader, PacketIdRole::echoed);
  if (v5) suback.properties = read_properties(reader, codec_detail::place_suback, "SUBACK");
  if (reader.remaining() == 0) reader.fail_at(reader.offset(), "", "SUBACK carries no return code");
  while (reader.remaining() > 0) {
    if (v5) {
      suback.reason_codes.push_back(read_reason(reader, suback_reasons_v5, "MQTT-3.9.3-2"));
    } else {
      suback.reason_codes.push_back(read_reason(reader, suback_reasons_v3, "MQTT-3.9.3-2"));
    }
  }
  return suback;
}

Unsubscribe decode_unsubscribe(Reader& reader) {
  Unsubscribe unsubscribe;
  unsubscribe.version = reader.version();
  unsubscribe.packet_id = read_packet_id(reader, PacketIdRole::assigned);
  if (is_v5(unsubscribe.version)) {
    unsubscribe.properties = read_properties(reader, codec_detail::place_unsubscribe, "UNSUBSCRIBE");
  }
  if (reader.remaining() == 0) {
    reader.fail_at(reader.offset(), "MQTT-3.10.3-2", "UNSUBSCRIBE carries no topic filter");
  }
  while (reader.remaining() > 0) {
    const std::size_t filter_offset = reader.offset();
    std::string filter = reader.utf8_string("topic filter");
    check_topic_filter(reader, filter, filter_offset + 2, filter_offset);
    unsubscribe.filters.push_back(std::move(filter));
  }
  return unsubscribe;
}

Unsuback decode_unsuback(Reader& reader) {
  Unsuback unsuback;
  unsuback.version = reader.version();
  unsuback.packet_id = read_packet_id(reader, PacketIdRole::echoed);
  if (is_v5(unsuback.version)) {
    unsuback.properties = read_properties(reader, codec_detail::place_unsuback, "UNSUBACK");
    if (reader.remaining() == 0) reader.fail_at(reader.offset(), "", "UNSUBACK carries no reason code");
    while (reader.remaining() > 0) {
      unsuback.reason_codes.push_back(read_reason(reader, unsuback_reasons_v5, "MQTT-3.11.3-2"));
    }
  }
  reader.expect_end();
  return unsuback;
}

Disconnect decode_disconnect(Reader& reader) {
  Disconnect disconnect;
  disconnect.version = reader.version();
  if (is_v5(disconnect.version)) {
    if (reader.remaining() > 0)
      disconnect.reason_code = read_reason(reader, disconnect_reasons_v5, "MQTT-3.14.2-1");
    if (reader.remaining() > 0) {
      const std::size_t properties_offset = reader.offset();
      disconnect.properties = read_properties(reader, codec_detail::place_disconnect, "DISCONNECT");
      if (reader.sender() == Sender::server &&
          contains(disconnect.properties, PropertyId::session_expiry_interval)) {
        reader.fail_at(properties_offset, "MQTT-3.14.2-2",
                       "the server's DISCONNECT carries Session Expiry Interval");
      }
    }
  }
  reader.expect_end();
  return disconnect;
}

Auth decode_auth(Reader& reader) {
  Auth auth;
  if (reader.remaining() == 0) return auth;  // Success with no properties may be written as an empty body
  auth.reason_code = read_reason(reader, auth_reasons_v5, "MQTT-3.15.2-1");
  const std::size_t properties_offset = reader.offset();
  auth.properties = read_properties(reader, codec_detail::place_auth, "AUTH");
  if (!contains(auth.properties, PropertyId::authentication_method)) {
    reader.fail_at(properties_offset, "", "AUTH carries no Authentication Method");
  }
  reader.expect_end();
  return auth;
}

Packet decode_body(Reader& reader, std::uint8_t flags) {
  switch (reader.type()) {
    case PacketType::connect:
      return decode_connect(reader);
    case PacketType::connack:
      return decode_connack(reader);
    case PacketType::publish:
      return decode_publish(reader, flags);
    case PacketType::puback:
      return decode_acknowledgement<Puback>(reader);
    case PacketType::pubrec:
      return decode_acknowledgement<Pubrec>(reader);
    case PacketType::pubrel:
      return decode_acknowledgement<Pubrel>(reader);
    case PacketType::pubcomp:
      return decode_acknowledgement<Pubcomp>(reader);
    case PacketType::subscribe:
      return decode_subscribe(reader);
    case PacketType::suback:
      return decode_suback(reader);
    case PacketType::unsubscribe:
      return decode_unsubscribe(reader);
    case PacketType::unsuback:
      return decode_unsuback(reader);
    case PacketType::pingreq:
      reader.expect_end();
      return Pingreq{reader.version()};
    case PacketType::pingresp:
      reader.expect_end();
      return Pingresp{reader.version()};
    case PacketType::disconnect:
      return decode_disconnect(reader);
    case PacketType::auth:
      return decode_auth(reader);
  }
  reader.fail_at(reader.offset(), "", "unknown packet type");
}

Packet decode_or_throw(std::span<const std::uint8_t> bytes, Sender sender, ProtocolVersion version,
                       std::size_t base_offset) {
  if (bytes.empty()) fail(base_offset, std::nullopt, "", "packet is empty");
  const PacketType type = check_first_byte(bytes[0], base_offset, sender, version);
  const auto length = parse_remaining_length(bytes, base_offset, type, version);
  if (!length) fail(base_offset + bytes.size(), type, "", "packet ends inside the remaining length");
  const std::size_t total = length->header_size + length->value;
  if (bytes.size() < total) {
    fail(base_offset + bytes.size(), type, "",
         "packet is " + std::to_string(bytes.size()) + " bytes but its header announces " +
             std::to_string(total));
  }
  if (bytes.size() > total) {
    fail(base_offset + total, type, "",
         std::to_string(bytes.size() - total) + " bytes follow the packet's end");
  }
  Reader reader(bytes.subspan(length->header_size), base_offset + length->header_size, type, version, sender);
  return decode_body(reader, bytes[0] & 0x0F);
}

}  // namespace

std::variant<Packet, DecodeError> decode_packet(std::span<const std::uint8_t> bytes, Sender sender,
                                                ProtocolVersion version, std::size_t base_offset) {
  try {
    return decode_or_throw(bytes, sender, version, base_offset);
  } catch (Malformed& malformed) {
    return std::move(malformed.error);
  }
}

StreamDecoder::StreamDecoder(DecoderOptions options) : options_(options), version_(options.version) {}

void StreamDecoder::feed(std::span<const std::uint8_t> chunk) {
  // Drop consumed bytes once they are at least as many as the unread ones: each byte moves at most once
  // per doubling, so buffering stays amortised O(1) per byte however the stream is split.
  if (read_position_ > 0 && read_position_ >= buffer_.size() - read_position_) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_position_));
    read_position_ = 0;
  }
  buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
}

void StreamDecoder::release_unused_memory() {
  constexpr std::size_t kept_capacity = 64u << 10;  // what one socket read brings; reused, not reallocated
  if (read_position_ != buffer_.size() || buffer_.capacity() <= kept_capacity) return;
  std::vector<std::uint8_t>().swap(buffer_);
  read_position_ = 0;
}

std::variant<DecodedPacket, NeedMoreData, DecodeError> StreamDecoder::next() {
  if (failure_) return *failure_;
  const auto available = std::span<const std::uint8_t>(buffer_).subspan(read_position_);
  if (available.empty()) return NeedMoreData{};
  try {
    if (!version_) {
      if (options_.sender == Sender::server) {
        fail(stream_offset_, std::nullopt, "",
             "no protocol version is set for decoding the server's packets");
      }
      if ((available[0] >> 4) != static_cast<std::uint8_t>(PacketType::connect)) {
        const std::uint8_t type_number = available[0] >> 4;
        fail(
            stream_offset_,
            type_number == 0 ? std::nullopt : std::optional<PacketType>(static_cast<PacketType>(type_number)),
            "MQTT-3.1.0-1", "the first packet from a client is not CONNECT");
      }
    }
    const ProtocolVersion version = version_.value_or(ProtocolVersion::v3_1_1);
    const PacketType type = check_first_byte(available[0], stream_offset_, options_.sender, version);
    const auto length = parse_remaining_length(available, stream_offset_, type, version);
    if (!length) return NeedMoreData{};
    if (length->value > options_.maximum_remaining_length) {
      fail(stream_offset_ + 1, type, "",
           "remaining length " + std::to_string(length->value) + " exceeds the limit of " +
               std::to_string(options_.maximum_remaining_length));
    }
    const std::size_t total = length->header_size + length->value;
    if (available.size() < total) return NeedMoreData{};
    const auto raw = available.first(total);
    Packet packet = decode_or_throw(raw, options_.sender, version, stream_offset_);
    if (const auto* connect = std::get_if<Connect>(&packet)) version_ = connect->version;
    DecodedPacket decoded{std::move(packet), stream_offset_, raw};
    read_position_ += total;
    stream_offset_ += total;
    return decoded;
  } catch (Malformed& malformed) {
    failure_ = std::move(malformed.error);
    return *failure_;
  }
}

}  // namespace mqtt
