#include "results/results_reader.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "history/json.hpp"
#include "history/json_reader.hpp"
#include "history/printable_text.hpp"
#include "results/json.hpp"

namespace mqtt::results {
namespace {

// A fleet's or a capture's results can be hundreds of megabytes; past this it is not a results file.
constexpr std::size_t max_results_bytes = std::size_t{1} << 30;

}  // namespace

Results read_results(std::string_view source_name, std::string_view text) {
  const std::string source = history::printable_excerpt(source_name, 300);
  if (const auto deep = history::excess_nesting_offset(text)) {
    throw history::FormatError(source + ": byte " + std::to_string(*deep + 1) + ": arrays and objects nested more than " +
                               std::to_string(history::max_json_nesting) + " levels deep");
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    throw history::FormatError(source + ": not valid JSON: " + history::json_error_text(error));
  }
  try {
    return results_from_json(json);
  } catch (const history::FormatError& error) {
    throw history::FormatError(source + ": " + history::printable_excerpt(error.what(), 600));
  } catch (const nlohmann::json::exception& error) {
    throw history::FormatError(source + ": " + history::json_error_text(error));
  }
}

Results read_results_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw history::FormatError(history::printable_excerpt(path.string(), 300) + ": cannot open: " + std::strerror(errno));
  }
  std::string text;
  std::array<char, 64 * 1024> chunk{};
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_results_bytes) {
      throw history::FormatError(history::printable_excerpt(path.string(), 300) + ": larger than 1 GiB: not a results file");
    }
  }
  return read_results(path.string(), text);
}

}  // namespace mqtt::results
