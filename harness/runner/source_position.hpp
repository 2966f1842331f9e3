// Where things sit in a JSON data file, so that every user-facing error names FILE:LINE:COL.
// nlohmann's parser reports byte offsets only for syntax errors; for semantic errors (a bad value, an unknown
// key) we index the text once and look the offending key up by its JSON pointer.
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mqtt::runner {

struct SourcePosition {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
  friend bool operator==(const SourcePosition&, const SourcePosition&) = default;
};

// Line and column of a 0-based byte offset in `text` (an offset past the end maps to the end).
SourcePosition position_of_offset(std::string_view text, std::size_t offset);

// A user-facing problem in a data file; what() is one line: "FILE:LINE:COL: message".
class DataFileError : public std::runtime_error {
 public:
  DataFileError(std::string file, SourcePosition position, const std::string& message);
  const std::string& file() const { return file_; }
  SourcePosition position() const { return position_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  SourcePosition position_;
  std::string message_;
};

// JSON pointer segment escaping ("a/b" -> "a~1b"), for building paths to look up.
std::string pointer_segment(std::string_view key);

// Positions of every value in a syntactically valid JSON text, keyed by JSON pointer ("/cases/0/steps/2").
// For an object member the key's opening quote is recorded too: errors about a member point at its key.
class JsonSourceIndex {
 public:
  JsonSourceIndex() = default;
  explicit JsonSourceIndex(std::string_view text);  // text must already have parsed as JSON

  // The key's position for object members, the value's position otherwise; falls back to the nearest
  // indexed ancestor, then to 1:1.
  SourcePosition locate(std::string_view pointer) const;
  SourcePosition value_position(std::string_view pointer) const;

 private:
  std::map<std::string, SourcePosition, std::less<>> keys_;
  std::map<std::string, SourcePosition, std::less<>> values_;
};

}  // namespace mqtt::runner
