// Where things sit in a JSON data file, so that every user-facing error names FILE:LINE:COL.
// nlohmann's parser reports byte offsets only for syntax errors; for semantic errors (a bad value, an unknown
// key, a key given twice) we index the text once and look the offending key up by its JSON pointer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mqtt::runner {

struct SourcePosition {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
  friend bool operator==(const SourcePosition&, const SourcePosition&) = default;
};

// Line and column of a 0-based byte offset in `text` (an offset past the end maps to the end).
SourcePosition position_of_offset(std::string_view text, std::size_t offset);

// A user-facing problem in a data file; what() is one line, "FILE:LINE:COL: message" (or "FILE: message" for
// a problem with the file as a whole). Bytes from the file are escaped and long runs cut
// (history/printable_text.hpp), so the line is safe for a terminal and stays short.
class DataFileError : public std::runtime_error {
 public:
  DataFileError(std::string file, SourcePosition position, const std::string& message);
  DataFileError(std::string file, const std::string& message);
  const std::string& file() const { return file_; }
  std::optional<SourcePosition> position() const { return position_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  std::optional<SourcePosition> position_;
  std::string message_;
};

// JSON pointer segment escaping ("a/b" -> "a~1b"), for building paths to look up.
std::string pointer_segment(std::string_view key);

// Positions of every value in a JSON text, looked up by JSON pointer ("/cases/0/steps/2"). For an object
// member the key's opening quote is recorded too: errors about a member point at its key. Built in one
// iterative pass, linear in time and memory in the text's size whatever its depth (each key is stored once,
// not once per descendant); it never fails on text that is not JSON, it just indexes less.
class JsonSourceIndex {
 public:
  JsonSourceIndex() = default;
  explicit JsonSourceIndex(std::string_view text);

  // The key's position for object members, the value's position otherwise; falls back to the nearest
  // indexed ancestor, then to 1:1.
  SourcePosition locate(std::string_view pointer) const;
  SourcePosition value_position(std::string_view pointer) const;

  // The first key that repeats an earlier key of the same object (JSON parsers silently keep one of them).
  struct RepeatedKey {
    std::string pointer;  // of the member, "/groups/0/name"
    SourcePosition first;
    SourcePosition again;
  };
  const std::optional<RepeatedKey>& repeated_key() const { return repeated_key_; }

 private:
  friend class JsonIndexBuilder;
  struct Node {
    SourcePosition value;
    SourcePosition key;
    bool is_member = false;  // has a key
    std::uint32_t parent = 0;
  };
  // The deepest indexed node on `pointer`'s path (0, the root, when nothing deeper is indexed).
  std::uint32_t deepest_node(std::string_view pointer) const;

  std::vector<Node> nodes_;  // nodes_[0] is the root value
  // "<parent node>/<member key or element index>" -> node; one entry per value.
  std::unordered_map<std::string, std::uint32_t> children_;
  std::optional<RepeatedKey> repeated_key_;
};

}  // namespace mqtt::runner
