// A text file compiled into the binary (see cmake/EmbedFiles.cmake), so the tool runs from any directory.
#pragma once

#include <string_view>

namespace mqtt {

struct EmbeddedFile {
  std::string_view path;     // relative to the source tree, e.g. "scenarios/conformance/retain.json"
  std::string_view content;
};

}  // namespace mqtt
