// libFuzzer entry point: our own pcapng reader (capture/pcapng_reader), which takes over where libpcap refuses
// a file. Frames are numbered 1, 2, ... with their data inside the block; damage is a one-line error naming
// the next frame and a byte offset inside the file.
#include <string>

#include "capture/pcapng_reader.hpp"
#include "capture_fuzzing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& file = mqtt::fuzzing::input_as_file({data, size});
  std::uint64_t frames = 0;
  try {
    mqtt::capture::PcapngReader reader(file);
    while (auto frame = reader.next()) {
      if (frame->number != ++frames) mqtt::fuzzing::violation("frame numbers skip", std::to_string(frame->number));
      std::uint64_t sum = 0;
      for (const auto byte : frame->data) sum += byte;  // ASan: the data must be readable
      (void)sum;
    }
  } catch (const mqtt::capture::CaptureError& error) {
    mqtt::fuzzing::require_one_line(error.what());
    if (error.frame() != 0 && error.frame() != frames + 1) {
      mqtt::fuzzing::violation("error names the wrong frame", error.what());
    }
    if (error.byte_offset() < 0 || static_cast<std::size_t>(error.byte_offset()) > size) {
      mqtt::fuzzing::violation("error offset outside the file", error.what());
    }
  }
  return 0;
}
