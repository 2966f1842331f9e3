// libFuzzer entry point for the results.json reader (`mqtt-harness report` reads files from anywhere): any
// bytes give Results or a FormatError of one clean line; Results that were read write back to JSON that reads
// back to the same JSON.
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"
#include "history/json.hpp"
#include "results/json.hpp"
#include "results/results_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto results = mqtt::results::read_results("fuzz.json", std::string_view(reinterpret_cast<const char*>(data), size));
    const nlohmann::json written = mqtt::results::to_json(results);
    const nlohmann::json again = mqtt::results::to_json(mqtt::results::results_from_json(written));
    if (written != again) mqtt::fuzzing::violation("results do not round-trip", written.dump().substr(0, 400));
  } catch (const mqtt::history::FormatError& error) {
    mqtt::fuzzing::check_error_line(error.what());
  }
  return 0;
}
