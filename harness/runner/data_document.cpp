#include "runner/data_document.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "history/json_reader.hpp"
#include "history/printable_text.hpp"

namespace mqtt::runner {

namespace {

// nlohmann's messages read "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error
// while parsing object - unexpected '}'"; keep the part after the position, which we print ourselves.
std::string syntax_message(const nlohmann::json::parse_error& error) {
  std::string text = error.what();
  const auto column = text.find("column ");
  if (column != std::string::npos) {
    const auto colon = text.find(": ", column);
    if (colon != std::string::npos) {
      return text.substr(colon + 2);
    }
  }
  return text;
}

// Finds where a parse stopped for a reason other than syntax (nlohmann throws those without a position, e.g.
// out_of_range.406 for 1e400): parsed again through the SAX interface, which is told the position.
class ErrorLocator : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception&) override {
    // `position` is just past the token that failed; point at its first byte.
    offset = position >= last_token.size() ? position - last_token.size() : 0;
    token = last_token;
    return false;
  }

  std::size_t offset = 0;
  std::string token;
};

// "[json.exception.out_of_range.406] number overflow parsing '1e400'" -> "number overflow parsing '1e400'".
std::string without_exception_prefix(std::string text) {
  if (!text.empty() && text.front() == '[') {
    if (const auto end = text.find("] "); end != std::string::npos) text.erase(0, end + 2);
  }
  return text;
}

}  // namespace

DataDocument::DataDocument(std::string file, std::string_view text) : file_(std::move(file)) {
  // Before anything walks the document: nesting without bound would recurse without bound later.
  if (const auto deep = history::excess_nesting_offset(text)) {
    throw DataFileError(file_, position_of_offset(text, *deep),
                        "invalid data: arrays and objects nested more than " +
                            std::to_string(history::max_json_nesting) + " levels deep");
  }
  try {
    root_ = std::make_unique<nlohmann::json>(nlohmann::json::parse(text));
  } catch (const nlohmann::json::parse_error& error) {
    // error.byte is 1-based and points at the character that broke the syntax.
    const std::size_t offset = error.byte > 0 ? error.byte - 1 : 0;
    throw DataFileError(file_, position_of_offset(text, offset), "invalid JSON: " + syntax_message(error));
  } catch (const nlohmann::json::exception& error) {
    ErrorLocator locator;
    nlohmann::json::sax_parse(text, &locator);
    const bool overflow = error.id == 406;
    throw DataFileError(file_, position_of_offset(text, locator.offset),
                        overflow ? "invalid number: " + history::printable_excerpt(locator.token, 40) +
                                       " is beyond the range of a double"
                                 : "invalid JSON: " + without_exception_prefix(error.what()));
  }
  index_ = JsonSourceIndex(text);
  if (const auto& repeated = index_.repeated_key()) {
    throw DataFileError(file_, repeated->again,
                        "key \"" + readable_path(repeated->pointer) + "\" appears twice in one object (first at " +
                            std::to_string(repeated->first.line) + ":" + std::to_string(repeated->first.column) +
                            "); JSON readers silently keep only one of them");
  }
}

std::string read_data_file(const std::filesystem::path& path, std::string_view what) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    throw DataFileError(path.string(), "no such file");
  }
  if (status.type() == std::filesystem::file_type::directory) {
    throw DataFileError(path.string(), "is a directory, not " + std::string(what));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataFileError(path.string(), "cannot open " + std::string(what) + ": " + std::strerror(errno));
  // Read in chunks with a ceiling, so /dev/zero or a runaway pipe cannot fill memory.
  std::string text;
  std::array<char, 64 * 1024> chunk{};
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_data_file_bytes) {
      throw DataFileError(path.string(), "larger than " + std::to_string(max_data_file_bytes >> 20) +
                                             " MiB: too large for " + std::string(what));
    }
  }
  if (in.bad()) throw DataFileError(path.string(), "cannot read " + std::string(what) + ": " + std::strerror(errno));
  return text;
}

DataDocument::~DataDocument() = default;
DataDocument::DataDocument(DataDocument&&) noexcept = default;
DataDocument& DataDocument::operator=(DataDocument&&) noexcept = default;

const nlohmann::json& DataDocument::root() const { return *root_; }

void DataDocument::fail(std::string_view pointer, const std::string& message) const {
  if (pointer.empty()) {
    throw DataFileError(file_, index_.locate(pointer), message);
  }
  throw DataFileError(file_, index_.locate(pointer), "key \"" + readable_path(pointer) + "\": " + message);
}

namespace {
constexpr std::size_t shown_key = 80;
}  // namespace

std::string readable_path(std::string_view pointer) {
  std::string out;
  std::size_t start = 1;
  while (start <= pointer.size()) {
    std::size_t end = pointer.find('/', start);
    if (end == std::string_view::npos) {
      end = pointer.size();
    }
    std::string segment;
    for (std::size_t index = start; index < end; ++index) {
      if (pointer[index] == '~' && index + 1 < end) {
        segment += pointer[index + 1] == '1' ? '/' : '~';
        ++index;
      } else {
        segment += pointer[index];
      }
    }
    // A key is data from the file: escaped, and cut when long (a 10 MB key must not make a 10 MB line).
    segment = history::printable_excerpt(segment, shown_key);
    const bool numeric = !segment.empty() && segment.find_first_not_of("0123456789") == std::string::npos;
    if (numeric && !out.empty()) {
      out += "[" + segment + "]";
    } else {
      if (!out.empty()) {
        out += '.';
      }
      out += segment;
    }
    start = end + 1;
  }
  return out;
}

ObjectReader::ObjectReader(const DataDocument& document, const nlohmann::json& value, std::string pointer)
    : document_(document), value_(value), pointer_(std::move(pointer)) {
  if (!value_.is_object()) {
    document_.fail(pointer_, "must be an object");
  }
}

void ObjectReader::allow_only(std::initializer_list<std::string_view> known) const {
  allow_only(std::span<const std::string_view>(known.begin(), known.size()));
}

void ObjectReader::allow_only(std::span<const std::string_view> known) const {
  for (const auto& [key, member] : value_.items()) {
    bool found = false;
    for (std::string_view candidate : known) {
      found = found || candidate == key;
    }
    if (!found) {
      fail(key, "unknown key");
    }
  }
}

bool ObjectReader::has(std::string_view key) const {
  const auto found = value_.find(key);
  return found != value_.end() && !found->is_null();
}

const nlohmann::json& ObjectReader::at(std::string_view key) const {
  const auto found = value_.find(key);
  if (found == value_.end() || found->is_null()) {
    fail_here("missing required key \"" + std::string(key) + "\"");
  }
  return *found;
}

std::string ObjectReader::pointer_of(std::string_view key) const { return pointer_ + "/" + pointer_segment(key); }

void ObjectReader::fail(std::string_view key, const std::string& message) const {
  document_.fail(pointer_of(key), message);
}

void ObjectReader::fail_here(const std::string& message) const {
  // Point at the object itself (its opening brace), naming it when it is not the top level.
  const SourcePosition position = document_.value_position(pointer_);
  if (pointer_.empty()) {
    throw DataFileError(document_.file(), position, message);
  }
  throw DataFileError(document_.file(), position, "key \"" + readable_path(pointer_) + "\": " + message);
}

std::string ObjectReader::string(std::string_view key) const {
  const auto& value = at(key);
  if (!value.is_string()) {
    fail(key, "must be a string");
  }
  return value.get<std::string>();
}

std::optional<std::string> ObjectReader::optional_string(std::string_view key) const {
  if (!has(key)) {
    return std::nullopt;
  }
  return string(key);
}

std::uint64_t ObjectReader::unsigned_integer(std::string_view key, std::uint64_t minimum,
                                             std::uint64_t maximum) const {
  const auto& value = at(key);
  const std::string range = "must be an integer from " + std::to_string(minimum) + " to " + std::to_string(maximum);
  if (!value.is_number_integer()) {
    fail(key, range);
  }
  if (value.is_number_integer() && !value.is_number_unsigned() && value.get<std::int64_t>() < 0) {
    fail(key, range);
  }
  const auto number = value.get<std::uint64_t>();
  if (number < minimum || number > maximum) {
    fail(key, range);
  }
  return number;
}

std::optional<std::uint64_t> ObjectReader::optional_unsigned(std::string_view key, std::uint64_t minimum,
                                                             std::uint64_t maximum) const {
  if (!has(key)) {
    return std::nullopt;
  }
  return unsigned_integer(key, minimum, maximum);
}

bool ObjectReader::boolean(std::string_view key) const {
  const auto& value = at(key);
  if (!value.is_boolean()) {
    fail(key, "must be true or false");
  }
  return value.get<bool>();
}

std::optional<bool> ObjectReader::optional_boolean(std::string_view key) const {
  if (!has(key)) {
    return std::nullopt;
  }
  return boolean(key);
}

const nlohmann::json& ObjectReader::array(std::string_view key) const {
  const auto& value = at(key);
  if (!value.is_array()) {
    fail(key, "must be an array");
  }
  return value;
}

ObjectReader ObjectReader::object(std::string_view key) const {
  return ObjectReader(document_, at(key), pointer_of(key));
}

}  // namespace mqtt::runner
