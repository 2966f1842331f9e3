#include "runner/source_position.hpp"

#include <fmt/format.h>

#include "history/printable_text.hpp"

namespace mqtt::runner {

SourcePosition position_of_offset(std::string_view text, std::size_t offset) {
  SourcePosition position;
  const std::size_t end = offset < text.size() ? offset : text.size();
  for (std::size_t index = 0; index < end; ++index) {
    if (text[index] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

namespace {

constexpr std::size_t shown_file_name = 300;
constexpr std::size_t shown_message = 600;

std::string error_line(const std::string& file, const std::optional<SourcePosition>& position,
                       const std::string& message) {
  const std::string shown_file = history::printable_excerpt(file, shown_file_name);
  const std::string shown = history::printable_excerpt(message, shown_message);
  if (!position) return fmt::format("{}: {}", shown_file, shown);
  return fmt::format("{}:{}:{}: {}", shown_file, position->line, position->column, shown);
}

}  // namespace

DataFileError::DataFileError(std::string file, SourcePosition position, const std::string& message)
    : std::runtime_error(error_line(file, position, message)),
      file_(std::move(file)),
      position_(position),
      message_(message) {}

DataFileError::DataFileError(std::string file, const std::string& message)
    : std::runtime_error(error_line(file, std::nullopt, message)), file_(std::move(file)), message_(message) {}

std::string pointer_segment(std::string_view key) {
  std::string out;
  for (char character : key) {
    if (character == '~') {
      out += "~0";
    } else if (character == '/') {
      out += "~1";
    } else {
      out += character;
    }
  }
  return out;
}

namespace {

std::string child_key(std::uint32_t parent, std::string_view segment) {
  std::string key = std::to_string(parent);
  key += '/';
  key += segment;
  return key;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | code_point >> 6);
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | code_point >> 12);
    out += static_cast<char>(0x80 | (code_point >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | code_point >> 18);
    out += static_cast<char>(0x80 | (code_point >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (code_point >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

}  // namespace

// One pass over the text with an explicit stack (no recursion): line and column tracking, a node per value,
// keys decoded the way a JSON parser decodes them (\uXXXX and surrogate pairs included) so lookups by the
// parser's keys find them. Every step consumes at least one byte, so any input ends.
class JsonIndexBuilder {
 public:
  JsonIndexBuilder(std::string_view text, JsonSourceIndex& index) : text_(text), index_(index) {}

  void build() {
    skip_whitespace();
    if (at_end()) return;
    start_value(std::nullopt, {}, std::nullopt);
    while (!stack_.empty()) {
      skip_whitespace();
      if (at_end()) return;
      Frame& frame = stack_.back();
      const char character = text_[offset_];
      if (character == ',') {
        advance();
      } else if (character == (frame.object ? '}' : ']')) {
        advance();
        stack_.pop_back();
      } else if (frame.object) {
        const SourcePosition key_position = position_;
        std::string key = character == '"' ? string_token() : bare_token();
        skip_whitespace();
        if (!at_end() && text_[offset_] == ':') advance();
        start_value(frame.node, std::move(key), key_position);
      } else {
        start_value(frame.node, std::to_string(frame.next_element++), std::nullopt);
      }
    }
  }

 private:
  struct Frame {
    std::uint32_t node = 0;
    bool object = false;
    std::size_t next_element = 0;
    std::string segment;  // this container's own key or index, for naming a repeated key
  };

  bool at_end() const { return offset_ >= text_.size(); }

  void advance() {
    if (text_[offset_] == '\n') {
      ++position_.line;
      position_.column = 1;
    } else {
      ++position_.column;
    }
    ++offset_;
  }

  void skip_whitespace() {
    while (!at_end() && (text_[offset_] == ' ' || text_[offset_] == '\t' || text_[offset_] == '\n' ||
                         text_[offset_] == '\r')) {
      advance();
    }
  }

  static bool is_delimiter(char character) {
    return character == ',' || character == '}' || character == ']' || character == ':' || character == ' ' ||
           character == '\n' || character == '\t' || character == '\r';
  }

  // A number, true, false or null (or, in text that is not JSON, anything up to a delimiter); always at least
  // one byte.
  std::string bare_token() {
    const std::size_t start = offset_;
    do {
      advance();
    } while (!at_end() && !is_delimiter(text_[offset_]));
    return std::string(text_.substr(start, offset_ - start));
  }

  std::optional<std::uint32_t> hex4() {
    if (text_.size() - offset_ < 4) return std::nullopt;
    std::uint32_t value = 0;
    for (int digit = 0; digit < 4; ++digit) {
      const char character = text_[offset_ + static_cast<std::size_t>(digit)];
      value <<= 4;
      if (character >= '0' && character <= '9') {
        value |= static_cast<std::uint32_t>(character - '0');
      } else if (character >= 'a' && character <= 'f') {
        value |= static_cast<std::uint32_t>(character - 'a' + 10);
      } else if (character >= 'A' && character <= 'F') {
        value |= static_cast<std::uint32_t>(character - 'A' + 10);
      } else {
        return std::nullopt;
      }
    }
    for (int digit = 0; digit < 4; ++digit) advance();
    return value;
  }

  std::string string_token() {
    std::string out;
    advance();  // opening quote
    while (!at_end() && text_[offset_] != '"') {
      if (text_[offset_] != '\\') {
        out += text_[offset_];
        advance();
        continue;
      }
      advance();
      if (at_end()) break;
      const char escaped = text_[offset_];
      advance();
      switch (escaped) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          auto code_point = hex4();
          if (!code_point) break;
          if (*code_point >= 0xD800 && *code_point <= 0xDBFF && text_.substr(offset_, 2) == "\\u") {
            advance();
            advance();
            if (const auto low = hex4(); low && *low >= 0xDC00 && *low <= 0xDFFF) {
              *code_point = 0x10000 + ((*code_point - 0xD800) << 10) + (*low - 0xDC00);
            }
          }
          append_utf8(out, *code_point);
          break;
        }
        default: out += escaped; break;
      }
    }
    if (!at_end()) advance();  // closing quote
    return out;
  }

  void start_value(std::optional<std::uint32_t> parent, std::string segment,
                   std::optional<SourcePosition> key_position) {
    skip_whitespace();
    if (at_end()) return;
    const auto node = static_cast<std::uint32_t>(index_.nodes_.size());
    index_.nodes_.push_back({position_, key_position.value_or(position_), key_position.has_value(), parent.value_or(0)});
    if (parent) {
      const auto [existing, inserted] = index_.children_.try_emplace(child_key(*parent, segment), node);
      if (!inserted && key_position && !index_.repeated_key_) {
        std::string pointer;
        for (std::size_t level = 1; level < stack_.size(); ++level) {
          pointer += '/';
          pointer += pointer_segment(stack_[level].segment);
        }
        pointer += '/';
        pointer += pointer_segment(segment);
        index_.repeated_key_ = JsonSourceIndex::RepeatedKey{std::move(pointer), index_.nodes_[existing->second].key,
                                                            *key_position};
      }
    }
    const char character = text_[offset_];
    if (character == '{' || character == '[') {
      advance();
      stack_.push_back({node, character == '{', 0, std::move(segment)});
    } else if (character == '"') {
      string_token();
    } else {
      bare_token();
    }
  }

  std::string_view text_;
  JsonSourceIndex& index_;
  std::vector<Frame> stack_;
  std::size_t offset_ = 0;
  SourcePosition position_;
};

JsonSourceIndex::JsonSourceIndex(std::string_view text) { JsonIndexBuilder(text, *this).build(); }

std::uint32_t JsonSourceIndex::deepest_node(std::string_view pointer) const {
  std::uint32_t node = 0;
  std::size_t start = 1;
  std::string segment;
  while (start <= pointer.size() && !pointer.empty()) {
    std::size_t end = pointer.find('/', start);
    if (end == std::string_view::npos) end = pointer.size();
    segment.clear();
    for (std::size_t index = start; index < end; ++index) {
      if (pointer[index] == '~' && index + 1 < end) {
        segment += pointer[index + 1] == '1' ? '/' : '~';
        ++index;
      } else {
        segment += pointer[index];
      }
    }
    const auto child = children_.find(child_key(node, segment));
    if (child == children_.end()) break;
    node = child->second;
    start = end + 1;
  }
  return node;
}

SourcePosition JsonSourceIndex::locate(std::string_view pointer) const {
  if (nodes_.empty()) return {};
  const Node& node = nodes_[deepest_node(pointer)];
  return node.is_member ? node.key : node.value;
}

SourcePosition JsonSourceIndex::value_position(std::string_view pointer) const {
  if (nodes_.empty()) return {};
  return nodes_[deepest_node(pointer)].value;
}

}  // namespace mqtt::runner
