// Test support: runs the mqtt-harness binary (MQTT_HARNESS_BINARY, defined by the test target) with
// arguments, and a temporary directory for its reports and inputs, removed when it goes out of scope.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace mqtt::capture::test {

struct HarnessRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

inline HarnessRun run_harness(const std::string& arguments) {
  const std::string command = std::string(MQTT_HARNESS_BINARY) + " " + arguments + " 2>&1";
  HarnessRun result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, count);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class TempDirectory {
 public:
  explicit TempDirectory(const std::string& prefix)
      : path_(std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDirectory() { std::filesystem::remove_all(path_); }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace mqtt::capture::test
