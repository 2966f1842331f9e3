// libFuzzer entry point for the target profile loader: any bytes give a Profile or one clean DataFileError
// line; nothing else escapes.
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"
#include "runner/profile.hpp"
#include "runner/source_position.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mqtt::runner::parse_profile("fuzz.json", std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const mqtt::runner::DataFileError& error) {
    mqtt::fuzzing::check_error_line(error.what());
  }
  return 0;
}
