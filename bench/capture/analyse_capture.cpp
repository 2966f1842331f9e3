// Times the capture module alone (read, reassemble, decode, build the history and summaries), without the
// checker, on a given capture file. Usage: bench_capture_analyse FILE [--port N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "capture/capture_analyser.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_capture_analyse FILE [--port N]\n");
    return 2;
  }
  mqtt::capture::CaptureOptions options;
  if (argc > 3 && std::string(argv[2]) == "--port")
    options.mqtt_ports.insert(static_cast<std::uint16_t>(std::atoi(argv[3])));
  const auto started = std::chrono::steady_clock::now();
  const auto analysis = mqtt::capture::analyse_capture_file(argv[1], options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double megabytes = static_cast<double>(std::filesystem::file_size(argv[1])) / 1e6;
  std::printf("%s: %.1f MB, %llu frames, %zu connections, %zu events in %.2f s (%.0f MB/s)\n", argv[1],
              megabytes, static_cast<unsigned long long>(analysis.frames), analysis.connections.size(),
              analysis.history.events.size(), seconds, megabytes / seconds);
  return 0;
}
