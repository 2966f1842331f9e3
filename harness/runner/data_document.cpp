#include "runner/data_document.hpp"

#include <nlohmann/json.hpp>

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

}  // namespace

DataDocument::DataDocument(std::string file, std::string_view text) : file_(std::move(file)) {
  try {
    root_ = std::make_unique<nlohmann::json>(nlohmann::json::parse(text));
  } catch (const nlohmann::json::parse_error& error) {
    // error.byte is 1-based and points at the character that broke the syntax.
    const std::size_t offset = error.byte > 0 ? error.byte - 1 : 0;
    throw DataFileError(file_, position_of_offset(text, offset), "invalid JSON: " + syntax_message(error));
  }
  index_ = JsonSourceIndex(text);
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
