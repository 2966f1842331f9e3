#include "history/printable_text.hpp"

#include <cstdint>

namespace mqtt::history {
namespace {

// Length of the well-formed UTF-8 sequence starting at `text[index]`, or 0 when it is not one (overlong forms,
// surrogates and code points past U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view text, std::size_t index) {
  const auto byte = [&](std::size_t at) { return static_cast<std::uint8_t>(text[at]); };
  const std::uint8_t lead = byte(index);
  std::size_t length = 0;
  std::uint8_t low = 0x80;
  std::uint8_t high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (index + length > text.size()) return 0;
  if (byte(index + 1) < low || byte(index + 1) > high) return 0;
  for (std::size_t next = 2; next < length; ++next) {
    if (byte(index + next) < 0x80 || byte(index + next) > 0xBF) return 0;
  }
  return length;
}

void append_escaped_byte(std::string& out, std::uint8_t byte) {
  static constexpr char digits[] = "0123456789abcdef";
  switch (byte) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  out += "\\x";
  out += digits[byte >> 4];
  out += digits[byte & 15];
}

}  // namespace

std::string printable_excerpt(std::string_view text, std::size_t limit) {
  std::string out;
  std::size_t index = 0;
  while (index < text.size() && out.size() < limit) {
    const auto byte = static_cast<std::uint8_t>(text[index]);
    if (byte >= 0x20 && byte < 0x7F) {
      out += text[index++];
      continue;
    }
    if (byte >= 0x80) {
      if (const std::size_t length = utf8_sequence_length(text, index); length > 0) {
        // C1 control characters (U+0080..U+009F) are terminal controls too.
        const bool c1_control = length == 2 && byte == 0xC2 && static_cast<std::uint8_t>(text[index + 1]) < 0xA0;
        if (!c1_control) {
          out.append(text.substr(index, length));
          index += length;
          continue;
        }
        append_escaped_byte(out, byte);
        append_escaped_byte(out, static_cast<std::uint8_t>(text[index + 1]));
        index += 2;
        continue;
      }
    }
    append_escaped_byte(out, byte);
    ++index;
  }
  if (index < text.size()) out += "…(" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace mqtt::history
