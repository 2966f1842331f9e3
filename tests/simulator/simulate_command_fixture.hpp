// What the `mqtt-harness simulate` end-to-end tests (simulate_*_test.cpp) share: running the built binary, a
// temporary directory per test, and the outage fleet most of them run.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

namespace simulate_command_test {

namespace fs = std::filesystem;

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline nlohmann::json load_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json();
  return nlohmann::json::parse(in);
}

struct Ran {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// `arguments` after the binary; a command starting with "sh " is run as given.
inline Ran run(const std::string& arguments) {
  const std::string command =
      (arguments.rfind("sh ", 0) == 0 ? arguments : std::string(MQTT_HARNESS_BINARY) + " " + arguments) +
      " 2>&1";
  Ran ran;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return ran;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) ran.output += buffer.data();
  const int status = pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

class SimulateCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    directory = fs::temp_directory_path() / ("mqtt-harness-simulate-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(directory);
  }
  void TearDown() override { fs::remove_all(directory); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = directory / name;
    std::ofstream(path) << text;
    return path.string();
  }

  fs::path directory;
};

// The fleet most tests run: four devices with wills and QoS 1 telemetry, half of them losing power.
inline constexpr const char* outage = R"({
  "name": "cli-outage",
  "duration_ms": 1200,
  "settle_ms": 2500,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/#", "qos": 1}]}],
  "groups": [{"name": "site", "count": 4, "keep_alive": 5, "connect_rate": 0,
              "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1},
              "publish": {"rate": 3, "qos": 1}}],
  "faults": [{"kind": "power-loss", "group": "site", "fraction": 0.5, "at_ms": 400, "duration_ms": 400}]
})";

// Two listeners and no publisher: a fleet that exercises nothing (inconclusive, exit 5).
inline constexpr const char* quiet = R"({
  "name": "quiet",
  "duration_ms": 500,
  "settle_ms": 200,
  "groups": [{"name": "listener", "count": 2, "connect_rate": 0, "subscriptions": [{"filter": "dtu/#", "qos": 1}]}]
})";

}  // namespace simulate_command_test
