#include "history/json_reader.hpp"

#include "history/json.hpp"
#include "history/printable_text.hpp"

namespace mqtt::history {

std::optional<std::size_t> excess_nesting_offset(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t index = 0; index < text.size(); ++index) {
    const char character = text[index];
    if (in_string) {
      if (character == '\\') {
        ++index;  // the escaped character cannot end the string
      } else if (character == '"') {
        in_string = false;
      }
      continue;
    }
    if (character == '"') {
      in_string = true;
    } else if (character == '[' || character == '{') {
      if (++depth > limit) return index;
    } else if ((character == ']' || character == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

std::string json_error_text(const std::exception& error) {
  std::string text = error.what();
  if (!text.empty() && text.front() == '[') {
    if (const auto end = text.find("] "); end != std::string::npos) text.erase(0, end + 2);
  }
  return printable_excerpt(text, 300);
}

namespace {

std::string_view type_name(const nlohmann::json& value) { return value.type_name(); }

[[noreturn]] void fail_at(const std::string& path, std::string_view what) {
  throw FormatError("key \"" + path + "\": " + std::string(what));
}

int hex_digit(char character) {
  if (character >= '0' && character <= '9') return character - '0';
  if (character >= 'a' && character <= 'f') return character - 'a' + 10;
  if (character >= 'A' && character <= 'F') return character - 'A' + 10;
  return -1;
}

}  // namespace

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (std::uint8_t byte : bytes) {
    text.push_back(digits[byte >> 4]);
    text.push_back(digits[byte & 0x0F]);
  }
  return text;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t index = 0;
  while (index < text.size()) {
    const auto lead = static_cast<unsigned char>(text[index]);
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if (lead < 0x80) {
      ++index;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
    } else {
      return false;
    }
    if (index + length > text.size()) return false;
    for (std::size_t offset = 1; offset < length; ++offset) {
      const auto continuation = static_cast<unsigned char>(text[index + offset]);
      if ((continuation & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (continuation & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    if ((length == 2 && code_point < 0x80) || (length == 3 && code_point < 0x800) ||
        (length == 4 && code_point < 0x10000) || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    index += length;
  }
  return true;
}

nlohmann::json text_to_json(const std::string& text) {
  if (is_valid_utf8(text)) return text;
  return nlohmann::json{{"hex", to_hex({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()})}};
}

JsonObjectReader::JsonObjectReader(const nlohmann::json& value, std::string path)
    : value_(value), path_(std::move(path)) {
  if (!value_.is_object()) {
    if (path_.empty()) throw FormatError("expected a JSON object, got " + std::string(type_name(value_)));
    fail_at(path_, "expected an object, got " + std::string(type_name(value_)));
  }
}

std::string JsonObjectReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonObjectReader::fail(std::string_view key, std::string_view what) const { fail_at(path_of(key), what); }

bool JsonObjectReader::has(std::string_view key) const {
  const auto found = value_.find(key);
  return found != value_.end() && !found->is_null();
}

const nlohmann::json& JsonObjectReader::at(std::string_view key) const {
  const auto found = value_.find(key);
  if (found == value_.end()) fail(key, "missing");
  return *found;
}

std::uint64_t JsonObjectReader::unsigned_integer_value(const nlohmann::json& value, const std::string& path,
                                                       std::uint64_t maximum) {
  if (value.is_number_unsigned() || (value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
    const auto number = value.get<std::uint64_t>();
    if (number > maximum) fail_at(path, "value " + std::to_string(number) + " exceeds " + std::to_string(maximum));
    return number;
  }
  fail_at(path, "expected a non-negative integer, got " + std::string(type_name(value)));
}

std::string JsonObjectReader::string_value(const nlohmann::json& value, const std::string& path) {
  if (!value.is_string()) fail_at(path, "expected a string, got " + std::string(type_name(value)));
  return value.get<std::string>();
}

std::string JsonObjectReader::text_value(const nlohmann::json& value, const std::string& path) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.size() == 1 && value.contains("hex")) {
    const Bytes bytes = bytes_value(value["hex"], path + ".hex");
    return std::string(bytes.begin(), bytes.end());
  }
  fail_at(path, "expected a string or {\"hex\": ...}, got " + std::string(type_name(value)));
}

Bytes JsonObjectReader::bytes_value(const nlohmann::json& value, const std::string& path) {
  const std::string text = string_value(value, path);
  if (text.size() % 2 != 0) fail_at(path, "hex text has an odd number of digits");
  Bytes bytes;
  bytes.reserve(text.size() / 2);
  for (std::size_t index = 0; index < text.size(); index += 2) {
    const int high = hex_digit(text[index]);
    const int low = hex_digit(text[index + 1]);
    if (high < 0 || low < 0) fail_at(path, "not a hex digit at position " + std::to_string(index));
    bytes.push_back(static_cast<std::uint8_t>(high << 4 | low));
  }
  return bytes;
}

std::uint64_t JsonObjectReader::unsigned_integer(std::string_view key, std::uint64_t maximum) const {
  return unsigned_integer_value(at(key), path_of(key), maximum);
}

std::int64_t JsonObjectReader::signed_integer(std::string_view key) const {
  const auto& value = at(key);
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      fail(key, "value out of range");
    }
    return value.get<std::int64_t>();
  }
  fail(key, "expected an integer, got " + std::string(type_name(value)));
}

double JsonObjectReader::number(std::string_view key) const {
  const auto& value = at(key);
  if (!value.is_number()) fail(key, "expected a number, got " + std::string(type_name(value)));
  return value.get<double>();
}

bool JsonObjectReader::boolean(std::string_view key) const {
  const auto& value = at(key);
  if (!value.is_boolean()) fail(key, "expected true or false, got " + std::string(type_name(value)));
  return value.get<bool>();
}

std::string JsonObjectReader::string(std::string_view key) const { return string_value(at(key), path_of(key)); }
std::string JsonObjectReader::text(std::string_view key) const { return text_value(at(key), path_of(key)); }
Bytes JsonObjectReader::bytes(std::string_view key) const { return bytes_value(at(key), path_of(key)); }

const nlohmann::json& JsonObjectReader::array(std::string_view key) const {
  const auto& value = at(key);
  if (!value.is_array()) fail(key, "expected an array, got " + std::string(type_name(value)));
  return value;
}

JsonObjectReader JsonObjectReader::object(std::string_view key) const { return {at(key), path_of(key)}; }

}  // namespace mqtt::history
