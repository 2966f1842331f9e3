// Escaping for the text formats reports write. Input may be any bytes (topics from a broker under test), so
// every escaper first makes the text valid UTF-8 and drops characters XML cannot carry.
#pragma once

#include <string>
#include <string_view>

namespace mqtt::reports {

std::string printable_utf8(std::string_view text);  // invalid bytes and control characters become U+FFFD / '?'
std::string escape_xml(std::string_view text);      // & < > " ' as entities; also right for HTML text/attributes
std::string escape_markdown_cell(std::string_view text);  // one table cell: no pipes, no newlines, no markup
std::string format_milliseconds(double milliseconds);     // "12.5 ms", "3.20 s"
std::string format_number(double value, int decimals);

}  // namespace mqtt::reports
