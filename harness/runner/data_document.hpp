// A JSON data file (case file, target profile) read with positions, so every validation error is one line
// naming FILE:LINE:COL and the offending key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "runner/source_position.hpp"

namespace mqtt::runner {

class DataDocument {
 public:
  // Throws DataFileError with the line and column when `text` is not JSON, nests deeper than
  // max_json_nesting, holds a number beyond a double's range or repeats a key within one object.
  DataDocument(std::string file, std::string_view text);
  ~DataDocument();
  DataDocument(DataDocument&&) noexcept;
  DataDocument& operator=(DataDocument&&) noexcept;

  const nlohmann::json& root() const;
  const std::string& file() const { return file_; }
  SourcePosition locate(std::string_view pointer) const { return index_.locate(pointer); }
  SourcePosition value_position(std::string_view pointer) const { return index_.value_position(pointer); }

  // "key \"cases[0].steps[2].qos\": <message>" at the key's position.
  [[noreturn]] void fail(std::string_view pointer, const std::string& message) const;

 private:
  std::string file_;
  std::unique_ptr<nlohmann::json> root_;
  JsonSourceIndex index_;
};

// Data files are small (the largest shipped is a few kB); a ceiling keeps /dev/zero or a runaway pipe out.
inline constexpr std::size_t max_data_file_bytes = 64u << 20;

// The whole text of a data file. Throws DataFileError ("FILE: is a directory, not a profile") when it is
// missing, a directory, unreadable or larger than max_data_file_bytes; `what` names it ("a profile").
std::string read_data_file(const std::filesystem::path& path, std::string_view what);

// "/cases/0/steps/2/qos" -> "cases[0].steps[2].qos": how errors name a key (long keys cut, bytes escaped).
std::string readable_path(std::string_view pointer);

// Reads one JSON object member by member; every failure goes through DataDocument::fail.
class ObjectReader {
 public:
  ObjectReader(const DataDocument& document, const nlohmann::json& value, std::string pointer);

  // Rejects members not in `known`: a misspelt key must not be silently ignored.
  void allow_only(std::initializer_list<std::string_view> known) const;
  void allow_only(std::span<const std::string_view> known) const;

  bool has(std::string_view key) const;
  const nlohmann::json& at(std::string_view key) const;  // fails when missing
  std::string pointer_of(std::string_view key) const;
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  [[noreturn]] void fail_here(const std::string& message) const;

  std::string string(std::string_view key) const;
  std::optional<std::string> optional_string(std::string_view key) const;
  std::uint64_t unsigned_integer(std::string_view key, std::uint64_t minimum, std::uint64_t maximum) const;
  std::optional<std::uint64_t> optional_unsigned(std::string_view key, std::uint64_t minimum,
                                                 std::uint64_t maximum) const;
  bool boolean(std::string_view key) const;
  std::optional<bool> optional_boolean(std::string_view key) const;
  const nlohmann::json& array(std::string_view key) const;
  ObjectReader object(std::string_view key) const;

  const nlohmann::json& json() const { return value_; }
  const std::string& pointer() const { return pointer_; }
  const DataDocument& document() const { return document_; }

 private:
  const DataDocument& document_;
  const nlohmann::json& value_;
  std::string pointer_;
};

}  // namespace mqtt::runner
