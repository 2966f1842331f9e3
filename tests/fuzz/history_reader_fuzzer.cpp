// libFuzzer entry point for the history.jsonl reader: any bytes give a History or a FormatError of one clean
// line naming the line; a History that was read writes back to JSON Lines that read back to the same History.
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_checks.hpp"
#include "history/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const mqtt::history::History history = mqtt::history::read_json_lines(in, "fuzz.jsonl");
    std::ostringstream written;
    mqtt::history::write_json_lines(written, history);
    std::istringstream again(written.str());
    const mqtt::history::History read_again = mqtt::history::read_json_lines(again, "written.jsonl");
    if (read_again.events != history.events) mqtt::fuzzing::violation("history does not round-trip", written.str().substr(0, 400));
  } catch (const mqtt::history::FormatError& error) {
    mqtt::fuzzing::check_error_line(error.what());
  }
  return 0;
}
