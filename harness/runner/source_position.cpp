#include "runner/source_position.hpp"

#include <vector>

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

DataFileError::DataFileError(std::string file, SourcePosition position, const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(position.line) + ":" + std::to_string(position.column) + ": " +
                         message),
      file_(std::move(file)),
      position_(position),
      message_(message) {}

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

// A scanner for text already known to be valid JSON: it tracks line and column and records where each
// value (and each member's key) starts. It never has to report a syntax error.
class Scanner {
 public:
  Scanner(std::string_view text, std::map<std::string, SourcePosition, std::less<>>& keys,
          std::map<std::string, SourcePosition, std::less<>>& values)
      : text_(text), keys_(keys), values_(values) {}

  void scan() {
    skip_whitespace();
    if (index_ < text_.size()) {
      value("");
    }
  }

 private:
  void advance() {
    if (text_[index_] == '\n') {
      ++position_.line;
      position_.column = 1;
    } else {
      ++position_.column;
    }
    ++index_;
  }

  void skip_whitespace() {
    while (index_ < text_.size() &&
           (text_[index_] == ' ' || text_[index_] == '\t' || text_[index_] == '\n' || text_[index_] == '\r')) {
      advance();
    }
  }

  std::string string_token() {
    std::string out;
    advance();  // opening quote
    while (index_ < text_.size() && text_[index_] != '"') {
      if (text_[index_] == '\\') {
        advance();
        if (index_ >= text_.size()) {
          break;
        }
        // Escapes only matter for keys; the exact decoding of \uXXXX is irrelevant to lookups of ASCII keys.
        const char escaped = text_[index_];
        switch (escaped) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          default: out += escaped; break;
        }
        advance();
        continue;
      }
      out += text_[index_];
      advance();
    }
    if (index_ < text_.size()) {
      advance();  // closing quote
    }
    return out;
  }

  void value(const std::string& pointer) {
    skip_whitespace();
    if (index_ >= text_.size()) {
      return;
    }
    values_.emplace(pointer, position_);
    const char first = text_[index_];
    if (first == '{') {
      advance();
      skip_whitespace();
      while (index_ < text_.size() && text_[index_] != '}') {
        const SourcePosition key_position = position_;
        const std::string key = string_token();
        const std::string member = pointer + "/" + pointer_segment(key);
        keys_.emplace(member, key_position);
        skip_whitespace();
        if (index_ < text_.size() && text_[index_] == ':') {
          advance();
        }
        value(member);
        skip_whitespace();
        if (index_ < text_.size() && text_[index_] == ',') {
          advance();
          skip_whitespace();
        }
      }
      if (index_ < text_.size()) {
        advance();
      }
    } else if (first == '[') {
      advance();
      skip_whitespace();
      std::size_t element = 0;
      while (index_ < text_.size() && text_[index_] != ']') {
        value(pointer + "/" + std::to_string(element++));
        skip_whitespace();
        if (index_ < text_.size() && text_[index_] == ',') {
          advance();
          skip_whitespace();
        }
      }
      if (index_ < text_.size()) {
        advance();
      }
    } else if (first == '"') {
      string_token();
    } else {
      // Number, true, false or null: up to the next delimiter.
      while (index_ < text_.size() && text_[index_] != ',' && text_[index_] != '}' && text_[index_] != ']' &&
             text_[index_] != ' ' && text_[index_] != '\n' && text_[index_] != '\t' && text_[index_] != '\r') {
        advance();
      }
    }
  }

  std::string_view text_;
  std::map<std::string, SourcePosition, std::less<>>& keys_;
  std::map<std::string, SourcePosition, std::less<>>& values_;
  std::size_t index_ = 0;
  SourcePosition position_;
};

std::string_view parent_of(std::string_view pointer) {
  const auto slash = pointer.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : pointer.substr(0, slash);
}

}  // namespace

JsonSourceIndex::JsonSourceIndex(std::string_view text) {
  Scanner(text, keys_, values_).scan();
}

SourcePosition JsonSourceIndex::locate(std::string_view pointer) const {
  for (std::string_view current = pointer;; current = parent_of(current)) {
    if (auto key = keys_.find(current); key != keys_.end()) {
      return key->second;
    }
    if (auto value = values_.find(current); value != values_.end()) {
      return value->second;
    }
    if (current.empty()) {
      return {};
    }
  }
}

SourcePosition JsonSourceIndex::value_position(std::string_view pointer) const {
  for (std::string_view current = pointer;; current = parent_of(current)) {
    if (auto value = values_.find(current); value != values_.end()) {
      return value->second;
    }
    if (current.empty()) {
      return {};
    }
  }
}

}  // namespace mqtt::runner
