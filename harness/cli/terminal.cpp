#include "cli/terminal.hpp"

#include <unistd.h>

#include <cstdlib>

namespace mqtt::cli {

bool is_terminal(std::FILE* stream) { return ::isatty(::fileno(stream)) == 1; }

bool colour_enabled(std::FILE* stream) {
  const char* no_colour = std::getenv("NO_COLOR");
  return is_terminal(stream) && (no_colour == nullptr || *no_colour == '\0');
}

std::string paint(std::string_view text, std::string_view colour, bool enabled) {
  if (!enabled) return std::string(text);
  std::string_view code = "0";
  if (colour == "red") code = "31";
  else if (colour == "green") code = "32";
  else if (colour == "yellow") code = "33";
  else if (colour == "blue") code = "34";
  else if (colour == "magenta") code = "35";
  else if (colour == "dim") code = "2";
  else if (colour == "bold") code = "1";
  std::string out = "\x1b[";
  out.append(code).append("m").append(text).append("\x1b[0m");
  return out;
}

ProgressLine::ProgressLine(std::FILE* stream) : stream_(stream), active_(is_terminal(stream)) {}

void ProgressLine::update(std::string_view text) {
  if (!active_) return;
  std::fprintf(stream_, "\r\x1b[2K%.*s", static_cast<int>(text.size()), text.data());
  std::fflush(stream_);
  drawn_ = true;
}

void ProgressLine::finish() {
  if (!active_ || !drawn_) return;
  std::fprintf(stream_, "\r\x1b[2K");
  std::fflush(stream_);
  drawn_ = false;
}

}  // namespace mqtt::cli
