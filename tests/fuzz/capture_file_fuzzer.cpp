// libFuzzer entry point: the whole capture path on an arbitrary file — libpcap's pcap and pcapng readers and
// ours, link layers, IP fragment reassembly, TCP reassembly, WebSocket unframing, mid-stream
// resynchronisation, decoding and summaries. A bad file must be a one-line CaptureError; a readable one must
// give a history in frame order, numbered 1, 2, ..., and summaries whose frame ranges hold.
#include "capture/capture_analyser.hpp"
#include "capture_fuzzing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mqtt::capture::CaptureOptions options;
  options.mqtt_ports.insert(8080);  // content detection on other ports still runs
  const auto& file = mqtt::fuzzing::input_as_file({data, size});
  try {
    const auto analysis = mqtt::capture::analyse_capture_file(file, options);
    std::uint64_t sequence = 0;
    std::uint64_t frame = 0;
    for (const auto& event : analysis.history.events) {
      if (event.sequence != ++sequence) mqtt::fuzzing::violation("history not numbered 1, 2, ...", "");
      if (event.frame.value_or(0) < frame) mqtt::fuzzing::violation("history not in frame order", "");
      frame = event.frame.value_or(0);
      if (event.frame.value_or(0) > analysis.frames) mqtt::fuzzing::violation("event after the last frame", "");
    }
    for (const auto& row : analysis.connections) {
      if (row.first_frame > row.last_frame) mqtt::fuzzing::violation("connection ends before it starts", "");
      if (row.last_frame > analysis.frames) mqtt::fuzzing::violation("connection past the last frame", "");
      for (const auto& note : row.notes) {
        if (note.rfind("frame ", 0) != 0) mqtt::fuzzing::violation("note without its frame", note);
      }
    }
    if (analysis.duration_ns < 0) mqtt::fuzzing::violation("negative capture duration", "");
  } catch (const mqtt::capture::CaptureError& error) {
    mqtt::fuzzing::require_one_line(error.what());
  }
  return 0;
}
