// Shared by the capture fuzz targets: a fuzz input as a capture file (the readers take paths), and one way to
// stop on a broken invariant.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>

namespace mqtt::fuzzing {

[[noreturn]] inline void violation(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz invariant violated: %s: %s\n", what, detail.c_str());
  std::abort();
}

// The input written to one file per process in /dev/shm (memory), rewritten for every input.
inline const std::filesystem::path& input_as_file(std::span<const std::uint8_t> data) {
  static const std::filesystem::path path = [] {
    const std::filesystem::path shm = "/dev/shm";
    const auto directory = std::filesystem::is_directory(shm) ? shm : std::filesystem::temp_directory_path();
    return directory / ("mqtt-harness-fuzz-" + std::to_string(::getpid()) + ".capture");
  }();
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) violation("cannot write the input file", path.string());
  if (!data.empty() && std::fwrite(data.data(), 1, data.size(), file) != data.size()) {
    violation("cannot write the input file", path.string());
  }
  std::fclose(file);
  return path;
}

// Error messages are one line of text (the commands print them as they are): bytes from the file are escaped.
inline void require_one_line(const std::string& message) {
  if (message.empty()) violation("empty error message", "");
  for (const char character : message) {
    if (static_cast<unsigned char>(character) < 0x20 || character == 0x7F) {
      violation("error message with a control character (a line break, or raw bytes from the file)", message);
    }
  }
}

}  // namespace mqtt::fuzzing
