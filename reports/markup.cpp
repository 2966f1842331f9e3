#include "reports/markup.hpp"

#include <cstdio>

#include "history/json_reader.hpp"

namespace mqtt::reports {

std::string printable_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t index = 0;
  while (index < text.size()) {
    const auto byte = static_cast<unsigned char>(text[index]);
    if (byte < 0x80) {
      const bool allowed = byte >= 0x20 || byte == '\t' || byte == '\n' || byte == '\r';
      out.push_back(allowed && byte != 0x7F ? static_cast<char>(byte) : '?');
      ++index;
      continue;
    }
    const std::size_t length = (byte & 0xE0) == 0xC0 ? 2 : (byte & 0xF0) == 0xE0 ? 3 : (byte & 0xF8) == 0xF0 ? 4 : 1;
    if (length > 1 && index + length <= text.size() && history::is_valid_utf8(text.substr(index, length))) {
      out.append(text.substr(index, length));
      index += length;
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
      ++index;
    }
  }
  return out;
}

std::string escape_xml(std::string_view text) {
  const std::string clean = printable_utf8(text);
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (char character : clean) {
    switch (character) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(character);
    }
  }
  return out;
}

std::string escape_markdown_cell(std::string_view text) {
  const std::string clean = printable_utf8(text);
  std::string out;
  for (char character : clean) {
    switch (character) {
      case '|': out += "\\|"; break;
      case '\n':
      case '\r':
      case '\t': out.push_back(' '); break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '\\':
        out.push_back('\\');
        out.push_back(character);
        break;
      default: out.push_back(character);
    }
  }
  return out;
}

std::string format_number(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string format_milliseconds(double milliseconds) {
  if (milliseconds >= 1000) return format_number(milliseconds / 1000, 2) + " s";
  return format_number(milliseconds, milliseconds < 10 ? 2 : 1) + " ms";
}

}  // namespace mqtt::reports
