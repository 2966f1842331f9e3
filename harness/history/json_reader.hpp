// Reading JSON objects field by field with errors that name the offending key ("key \"packet.topic\": ...").
// Shared by the history and results formats; also the byte and text encodings both formats use.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "codec/packet.hpp"

namespace mqtt::history {

std::string to_hex(std::span<const std::uint8_t> bytes);  // lower case, no separators

// Files from elsewhere (results, histories, cases, profiles, scenarios) are a few levels deep; a deeper one is
// refused before anything walks it, so no reader, printer or destructor recurses without bound.
inline constexpr std::size_t max_json_nesting = 64;

// Byte offset of the first '[' or '{' (outside strings) that opens level `limit` + 1, or nullopt. Linear, and
// safe on any bytes (valid JSON or not).
std::optional<std::size_t> excess_nesting_offset(std::string_view text, std::size_t limit = max_json_nesting);

// nlohmann's exception text without its "[json.exception.parse_error.101] " prefix, escaped and cut
// (printable_text.hpp): its "last read: '...'" quotes bytes from the file.
std::string json_error_text(const std::exception& error);
bool is_valid_utf8(std::string_view text);

// MQTT strings may hold bytes that are not UTF-8 (a malformed-input case); JSON strings cannot.
// Valid UTF-8 becomes a JSON string, anything else {"hex": "..."}, so the text round-trips exactly.
nlohmann::json text_to_json(const std::string& text);

// Packet type names as the JSON formats spell them ("PUBLISH"); kept here so the format does not depend on
// how the codec prints names.
std::string_view packet_type_name(PacketType type);
std::optional<PacketType> parse_packet_type_name(std::string_view name);

// packet_from_json for a packet nested under `path` ("packet"), so errors name the full key.
Packet read_packet(const nlohmann::json& value, const std::string& path);

// event_from_json for an event nested under `path` ("cases[2].history[7]").
struct Event;
Event read_event(const nlohmann::json& value, const std::string& path);

class JsonObjectReader {
 public:
  // Throws FormatError unless `value` is an object. `path` is the key that led here ("" at the top).
  JsonObjectReader(const nlohmann::json& value, std::string path);

  bool has(std::string_view key) const;  // present and not null
  const nlohmann::json& at(std::string_view key) const;  // throws when missing
  std::string path_of(std::string_view key) const;
  [[noreturn]] void fail(std::string_view key, std::string_view what) const;

  std::uint64_t unsigned_integer(std::string_view key, std::uint64_t maximum = UINT64_MAX) const;
  std::int64_t signed_integer(std::string_view key) const;
  double number(std::string_view key) const;
  bool boolean(std::string_view key) const;
  std::string string(std::string_view key) const;
  std::string text(std::string_view key) const;  // a string or {"hex": ...}, see text_to_json
  Bytes bytes(std::string_view key) const;       // a hex string
  const nlohmann::json& array(std::string_view key) const;
  JsonObjectReader object(std::string_view key) const;

  // The same conversions for an array element or any value reached by a path.
  static std::uint64_t unsigned_integer_value(const nlohmann::json& value, const std::string& path,
                                              std::uint64_t maximum = UINT64_MAX);
  static std::string string_value(const nlohmann::json& value, const std::string& path);
  static std::string text_value(const nlohmann::json& value, const std::string& path);
  static Bytes bytes_value(const nlohmann::json& value, const std::string& path);

  const nlohmann::json& json() const { return value_; }
  const std::string& path() const { return path_; }

 private:
  const nlohmann::json& value_;
  std::string path_;
};

}  // namespace mqtt::history
