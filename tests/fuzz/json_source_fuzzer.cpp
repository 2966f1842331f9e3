// libFuzzer entry point for the JSON source scanner and DataDocument (every case, profile and scenario file
// goes through them): any bytes either make a document or a DataFileError of one clean line; the position
// index is built for any bytes, JSON or not, and every lookup lands inside the text.
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_checks.hpp"
#include "runner/data_document.hpp"
#include "runner/source_position.hpp"

namespace {

int lines_in(std::string_view text) {
  int lines = 1;
  for (const char character : text) lines += character == '\n' ? 1 : 0;
  return lines;
}

void check_inside(const mqtt::runner::SourcePosition& position, int lines) {
  if (position.line < 1 || position.line > lines || position.column < 1) {
    mqtt::fuzzing::violation("position outside the text", std::to_string(position.line) + ":" + std::to_string(position.column));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const int lines = lines_in(text);

  const mqtt::runner::JsonSourceIndex raw_index(text);  // any bytes: must end, must not crash
  for (const char* pointer : {"", "/0", "/a", "/0/0/0", "/name", "/groups/0/name", "/cases/0/steps/1"}) {
    check_inside(raw_index.locate(pointer), lines);
  }

  try {
    const mqtt::runner::DataDocument document("fuzz.json", text);
    // A document that loaded: every member's position is inside the text (walk the top two levels).
    const auto& root = document.root();
    if (root.is_structured()) {
      std::size_t index = 0;
      for (const auto& [key, value] : root.items()) {
        if (++index > 64) break;
        const std::string pointer = "/" + mqtt::runner::pointer_segment(key);
        check_inside(document.locate(pointer), lines);
        if (value.is_structured()) {
          std::size_t inner = 0;
          for (const auto& [child, ignored] : value.items()) {
            if (++inner > 16) break;
            check_inside(document.locate(pointer + "/" + mqtt::runner::pointer_segment(child)), lines);
          }
        }
      }
    }
  } catch (const mqtt::runner::DataFileError& error) {
    mqtt::fuzzing::check_error_line(error.what());
  }
  return 0;
}
