// libFuzzer entry point for the fleet scenario loader: any bytes give a FleetSpec or one clean DataFileError
// line; nothing else escapes.
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"
#include "runner/fleet_scenario.hpp"
#include "runner/source_position.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mqtt::runner::parse_fleet_scenario("fuzz.json", std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const mqtt::runner::DataFileError& error) {
    mqtt::fuzzing::check_error_line(error.what());
  }
  return 0;
}
