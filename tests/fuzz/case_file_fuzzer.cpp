// libFuzzer entry point for the conformance case loader (user-written suites come in through --cases): any
// bytes give cases or one clean DataFileError line; nothing else escapes. Statement ids are checked against
// the catalog as `conform` does.
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"
#include "runner/case_loader.hpp"
#include "runner/source_position.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mqtt::runner::parse_case_file("fuzz.json", std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const mqtt::runner::DataFileError& error) {
    mqtt::fuzzing::check_error_line(error.what());
  }
  return 0;
}
