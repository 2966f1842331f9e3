// Terminal conventions: colour and progress only when the stream is a TTY (and NO_COLOR is unset).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace mqtt::cli {

bool is_terminal(std::FILE* stream);
bool colour_enabled(std::FILE* stream);

// Wraps `text` in an ANSI colour when `enabled`: "red", "green", "yellow", "blue", "magenta", "dim",
// "bold".
std::string paint(std::string_view text, std::string_view colour, bool enabled);

// A one-line progress display rewritten in place on a TTY; silent elsewhere.
class ProgressLine {
 public:
  explicit ProgressLine(std::FILE* stream);
  void update(std::string_view text);
  void finish();  // clears the line

 private:
  std::FILE* stream_;
  bool active_;
  bool drawn_ = false;
};

}  // namespace mqtt::cli
