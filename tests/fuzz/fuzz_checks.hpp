// Invariants every data-file and results/history fuzzer checks: a bad input is one clean line (no control or
// raw bytes, bounded length), never a crash, a hang or an exception of another kind. Any violation aborts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace mqtt::fuzzing {

[[noreturn]] inline void violation(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz invariant violated: %s: %.*s\n", what, static_cast<int>(std::min<std::size_t>(detail.size(), 500)),
               detail.data());
  std::abort();
}

// Errors from hostile files reach a terminal: one line, no control bytes, nothing huge.
inline void check_error_line(std::string_view message, std::size_t limit = 1200) {
  if (message.empty()) violation("empty error message", "");
  if (message.size() > limit) violation("error message too long", message);
  for (const char character : message) {
    const auto byte = static_cast<unsigned char>(character);
    if (byte < 0x20 || byte == 0x7F) violation("control byte in an error message", message);
  }
}

}  // namespace mqtt::fuzzing
