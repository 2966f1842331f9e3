// Reading a results.json that may come from anywhere (`mqtt-harness report` takes any file): bounded nesting,
// every problem one line naming the file, bytes from the file escaped and cut.
#pragma once

#include <filesystem>
#include <string_view>

#include "results/results.hpp"

namespace mqtt::results {

// Throws history::FormatError ("FILE: not valid JSON: ...", "FILE: key \"cases[0].id\": ...").
Results read_results(std::string_view source_name, std::string_view text);
// The same for a file (read with a ceiling of 1 GiB); also "FILE: cannot open".
Results read_results_file(const std::filesystem::path& path);

}  // namespace mqtt::results
