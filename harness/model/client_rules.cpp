#include "model/client_rules.hpp"

#include <array>
#include <optional>
#include <string_view>

#include "model/statement_citation.hpp"
#include "model/v5_malformed_strings.hpp"

namespace mqtt::model::detail {
namespace {

constexpr std::uint8_t username_flag = 0x80;
constexpr std::uint8_t password_flag = 0x40;

// The codec's decode errors name the field they concern ("client identifier is not well-formed UTF-8",
// "packet ends inside the will topic (...)"); tests/model/client_rules_test.cpp pins these spellings.
constexpr std::array<std::string_view, 7> fields{"client identifier", "will topic", "will payload", "user name",
                                                 "password",          "topic name", "topic filter"};

std::optional<std::string_view> field_of(std::string_view message) {
  constexpr std::string_view inside = "packet ends inside the ";
  const bool truncated = message.starts_with(inside);
  if (truncated) message.remove_prefix(inside.size());
  for (const auto field : fields) {
    if (message.starts_with(field)) return field;
  }
  return std::nullopt;
}

// Where a CONNECT's protocol level sits: after the fixed header and the protocol name; the flags follow it.
std::optional<std::size_t> connect_level_at(std::span<const std::uint8_t> packet) {
  std::size_t index = 1;
  while (index < packet.size() && index <= 4 && (packet[index] & 0x80) != 0) ++index;
  const std::size_t body = index + 1;
  if (body + 2 > packet.size()) return std::nullopt;
  const std::size_t name_length = static_cast<std::size_t>(packet[body]) << 8 | packet[body + 1];
  const std::size_t level_at = body + 2 + name_length;
  if (level_at >= packet.size()) return std::nullopt;
  return level_at;
}

std::optional<std::uint8_t> connect_flags(std::span<const std::uint8_t> packet) {
  const auto level_at = connect_level_at(packet);
  if (!level_at || *level_at + 1 >= packet.size()) return std::nullopt;
  return packet[*level_at + 1];
}

bool is_utf8_rule(std::string_view statement) {
  return statement == "MQTT-1.5.3-1" || statement == "MQTT-1.5.3-2";
}

// Reserved fixed-header flags: the codec names the packet's own statement where it has one.
bool is_flags_rule(std::string_view statement) {
  return statement == "MQTT-2.2.2-1" || statement == "MQTT-3.6.1-1" || statement == "MQTT-3.8.1-1" ||
         statement == "MQTT-3.10.1-1" || statement == "MQTT-3.14.1-1";
}

// A packet of a 5.0 connection (its decode error names a marked 5.0 id), or a CONNECT that says protocol level 5.
bool judged_as_v5(const DecodeError& error, std::span<const std::uint8_t> packet) {
  if (marked_v5(error.statement)) return true;
  if (error.packet_type != PacketType::connect || packet.empty() || (packet[0] >> 4) != 1) return false;
  const auto level_at = connect_level_at(packet);
  return level_at && packet[*level_at] == 5;
}

// The same rules in 5.0 numbering: the codec names 5.0 ids, the client rules ride along as v5()-marked ids.
std::vector<std::string> broken_client_rules_v5(const DecodeError& error, std::span<const std::uint8_t> packet) {
  std::vector<std::string> rules;
  std::string_view statement = error.statement;
  if (marked_v5(statement)) statement.remove_prefix(v5("").size());
  const auto type = error.packet_type;
  if (statement == "MQTT-2.1.3-1" || statement == "MQTT-3.6.1-1" || statement == "MQTT-3.8.1-1" ||
      statement == "MQTT-3.10.1-1" || statement == "MQTT-3.14.1-1") {
    rules.push_back(v5("MQTT-2.1.3-1"));
  } else if (statement == "MQTT-3.3.2-2") {
    rules.push_back(v5("MQTT-4.7.0-1"));  // a wildcard in a topic name
  } else if (statement == "MQTT-3.3.1-2") {
    rules.push_back(v5("MQTT-4.3.1-1"));  // QoS 0 is sent with DUP 0
  }
  // A string property named under its own statement breaks the general UTF-8 rule too (v5_malformed_strings.cpp).
  if (auto general = general_utf8_rule_of_property(statement, error.message)) rules.push_back(std::move(*general));
  const auto field = field_of(error.message);
  const bool utf8 = statement == "MQTT-1.5.4-1" || statement == "MQTT-1.5.4-2";
  if (utf8 && field) {
    if (*field == "client identifier") rules.push_back(v5("MQTT-3.1.3-4"));
    if (*field == "will topic") rules.push_back(v5("MQTT-3.1.3-11"));
    if (*field == "user name") rules.push_back(v5("MQTT-3.1.3-12"));
    if (*field == "topic name") rules.push_back(v5("MQTT-3.3.2-1"));
    if (*field == "topic filter" && type == PacketType::subscribe) rules.push_back(v5("MQTT-3.8.3-1"));
    if (*field == "topic filter" && type == PacketType::unsubscribe) rules.push_back(v5("MQTT-3.10.3-1"));
    const bool topic = *field == "topic name" || *field == "topic filter" || *field == "will topic";
    if (statement == "MQTT-1.5.4-2" && topic) rules.push_back(v5("MQTT-4.7.3-2"));
  }
  if (type != PacketType::connect || !statement.empty()) return rules;
  constexpr std::uint8_t will_flag = 0x04;
  const auto flags = connect_flags(packet);
  // The will properties come first and their length is the first thing a will-less payload lacks.
  const bool in_will_properties = error.message.starts_with("packet ends inside the property length") && flags &&
                                  (*flags & will_flag) != 0;
  if (in_will_properties) {
    rules.push_back(v5("MQTT-3.1.2-9"));
    rules.push_back(v5("MQTT-3.1.3-1"));
  } else if (error.message.starts_with("packet ends inside the ") && field) {
    if (*field == "client identifier") rules.push_back(v5("MQTT-3.1.3-3"));
    if (*field == "will topic" || *field == "will payload") {
      rules.push_back(v5("MQTT-3.1.2-9"));
      rules.push_back(v5("MQTT-3.1.3-1"));
    }
    if (*field == "user name") {
      rules.push_back(v5("MQTT-3.1.2-17"));
      rules.push_back(v5("MQTT-3.1.3-12"));
    }
    if (*field == "password") rules.push_back(v5("MQTT-3.1.2-19"));
  } else if (error.message.find("unexpected bytes after the end of the CONNECT") != std::string::npos) {
    rules.push_back(v5("MQTT-3.1.3-1"));
    if (flags) {
      // 5.0 allows a password without a user name: the bytes past the end break whichever flag is clear.
      if ((*flags & username_flag) == 0) rules.push_back(v5("MQTT-3.1.2-16"));
      if ((*flags & password_flag) == 0) rules.push_back(v5("MQTT-3.1.2-18"));
    }
  }
  return rules;
}

}  // namespace

std::vector<std::string> broken_client_rules(const DecodeError& error, std::span<const std::uint8_t> packet) {
  if (judged_as_v5(error, packet)) return broken_client_rules_v5(error, packet);
  std::vector<std::string> rules;
  const std::string_view statement = error.statement;
  const auto type = error.packet_type;
  if (is_flags_rule(statement)) {
    rules = {"MQTT-2.2.2-1", "MQTT-2.2.2-2"};
  } else if (statement == "MQTT-3.1.2-13" || statement == "MQTT-3.1.2-15") {
    rules = {"MQTT-3.1.2-11"};  // will QoS or will retain without the will flag
  } else if (statement == "MQTT-3.3.2-2") {
    rules = {"MQTT-4.7.1-1"};  // a wildcard in a topic name
  }
  const auto field = field_of(error.message);
  if (is_utf8_rule(statement) && field) {
    if (*field == "client identifier") rules.push_back("MQTT-3.1.3-4");
    if (*field == "will topic") rules.push_back("MQTT-3.1.3-10");
    if (*field == "user name") rules.push_back("MQTT-3.1.3-11");
    if (*field == "topic name") rules.push_back("MQTT-3.3.2-1");
    if (*field == "topic filter" && type == PacketType::subscribe) rules.push_back("MQTT-3.8.3-1");
    if (*field == "topic filter" && type == PacketType::unsubscribe) rules.push_back("MQTT-3.10.3-1");
    const bool topic = *field == "topic name" || *field == "topic filter" || *field == "will topic";
    if (statement == "MQTT-1.5.3-2" && topic) rules.push_back("MQTT-4.7.3-2");
  }
  if (type != PacketType::connect || !statement.empty()) return rules;
  // A CONNECT that ends before a field its flags announce, or goes on past the last one.
  if (error.message.starts_with("packet ends inside the ") && field) {
    if (*field == "client identifier") rules.push_back("MQTT-3.1.3-3");
    if (*field == "will topic" || *field == "will payload") rules.push_back("MQTT-3.1.2-9");
    if (*field == "user name") rules.push_back("MQTT-3.1.2-19");
    if (*field == "password") rules.push_back("MQTT-3.1.2-21");
  } else if (error.message.find("unexpected bytes after the end of the CONNECT") != std::string::npos) {
    rules.push_back("MQTT-3.1.3-1");
    if (const auto flags = connect_flags(packet)) {
      if ((*flags & username_flag) == 0) {
        rules.push_back("MQTT-3.1.2-18");
      } else if ((*flags & password_flag) == 0) {
        rules.push_back("MQTT-3.1.2-20");
      }
    }
  }
  return rules;
}

std::vector<std::string> broken_topic_name_rules(const std::string& statement) {
  if (statement == "MQTT-3.3.2-2") return {"MQTT-4.7.1-1"};
  if (statement == "MQTT-4.7.3-2") return {"MQTT-1.5.3-2"};
  return {};
}

}  // namespace mqtt::model::detail
