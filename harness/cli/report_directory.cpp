#include "cli/report_directory.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace mqtt::cli {

std::string report_directory_problem(const std::filesystem::path& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  // The directories that do not exist yet, outermost first, so they can be removed again afterwards.
  std::vector<fs::path> created;
  for (fs::path current = fs::absolute(directory, error); !current.empty() && !fs::exists(current, error);
       current = current.parent_path()) {
    created.insert(created.begin(), current);
    if (current == current.parent_path()) break;
  }
  auto undo = [&] {
    for (auto at = created.rbegin(); at != created.rend(); ++at) fs::remove(*at, error);
  };
  for (const auto& missing : created) {
    if (!fs::create_directory(missing, error) && error) {
      const std::string problem = missing.string() + ": " + error.message();
      undo();
      return problem;
    }
  }
  if (!fs::is_directory(directory, error)) {
    undo();
    return directory.string() + ": not a directory";
  }
  std::string probe = (directory / ".mqtt-harness-write-check-XXXXXX").string();
  const int descriptor = ::mkstemp(probe.data());
  if (descriptor < 0) {
    const std::string problem = directory.string() + ": " + std::strerror(errno);
    undo();
    return problem;
  }
  ::close(descriptor);
  fs::remove(probe, error);
  undo();
  return "";
}

std::optional<std::filesystem::path> fallback_report_directory() {
  std::error_code error;
  std::string pattern = (std::filesystem::temp_directory_path(error) / "mqtt-harness-report-XXXXXX").string();
  if (error || ::mkdtemp(pattern.data()) == nullptr) return std::nullopt;
  return std::filesystem::path(pattern);
}

}  // namespace mqtt::cli
