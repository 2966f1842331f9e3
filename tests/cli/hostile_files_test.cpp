// Hostile data files given to the commands that read them (a fleet scenario to `simulate`, a profile to
// `conform --profile`, a case folder to `conform --cases`): each gives exit 2 and one short line on stderr that
// names the file (and line:column when the problem has one), never a crash, an internal error or raw bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/reports/child_process.hpp"

namespace mqtt {
namespace {

namespace fs = std::filesystem;
using reports::testing::ChildOptions;
using reports::testing::run_child;
using reports::testing::TemporaryDirectory;

struct HostileFile {
  std::string name;
  std::string text;
  std::string expected;  // what the one line must contain after "FILE"
};

std::vector<HostileFile> hostile_files() {
  const std::string deep = std::string(35'000, '[') + std::string(35'000, ']');
  return {
      {"deep", "{\"name\": " + deep + "}", ":1:73: invalid data: arrays and objects nested more than 64 levels deep"},
      {"huge-number", "{\"name\": \"x\",\n \"max_qos\": 1e400}",
       ":2:13: invalid number: 1e400 is beyond the range of a double"},
      {"repeated-key", "{\"name\": \"x\",\n \"name\": \"y\"}", ":2:2: key \"name\" appears twice in one object (first at 1:2)"},
      {"huge-key", "{\"" + std::string(10'000'000, 'k') + "\": 1}", "…(10000000 bytes)\": unknown key"},
      {"escapes", "{\"\x1b[2J\x1b]0;owned\x07\xff\": 1}", ":1:"},
  };
}

void expect_one_clean_line(const reports::testing::ChildResult& ran, const std::string& file,
                           const std::string& expected) {
  EXPECT_EQ(ran.exit_code, 2) << ran.errors.substr(0, 300);
  ASSERT_FALSE(ran.errors.empty());
  EXPECT_EQ(ran.errors.find('\n'), ran.errors.size() - 1) << "one line: " << ran.errors.substr(0, 300);
  EXPECT_LT(ran.errors.size(), 1000u) << ran.errors.substr(0, 300);
  EXPECT_NE(ran.errors.find(file), std::string::npos) << ran.errors.substr(0, 300);
  EXPECT_NE(ran.errors.find(expected), std::string::npos) << ran.errors.substr(0, 300);
  for (const char raw : {'\x1b', '\x07', '\xff'}) {
    EXPECT_EQ(ran.errors.find(raw), std::string::npos) << "a raw byte reached the terminal";
  }
  EXPECT_EQ(ran.errors.find("internal error"), std::string::npos);
}

reports::testing::ChildResult harness(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), MQTT_HARNESS_BINARY);
  return run_child(arguments, ChildOptions{.deadline = std::chrono::seconds(30)});
}

TEST(HostileFiles, ScenarioAndProfileErrorsAreOneCleanLine) {
  const TemporaryDirectory directory("mqtt-hostile-files");
  for (const auto& hostile : hostile_files()) {
    const fs::path file = directory.path() / (hostile.name + ".json");
    std::ofstream(file, std::ios::binary) << hostile.text;
    SCOPED_TRACE(hostile.name);
    expect_one_clean_line(harness({"simulate", file.string()}), file.string(), hostile.expected);
    expect_one_clean_line(harness({"conform", "--profile", file.string()}), file.string(), hostile.expected);
  }
}

TEST(HostileFiles, CaseFileErrorsAreOneCleanLine) {
  for (const auto& hostile : hostile_files()) {
    const TemporaryDirectory directory("mqtt-hostile-cases");
    const fs::path file = directory.path() / (hostile.name + ".json");
    std::ofstream(file, std::ios::binary) << hostile.text;
    SCOPED_TRACE(hostile.name);
    expect_one_clean_line(harness({"conform", "--cases", directory.path().string()}), file.string(),
                          hostile.name == "huge-key" ? "…(10000000 bytes)" : hostile.expected);
  }
}

TEST(HostileFiles, ADirectoryGivenAsAFileIsSaidToBeOne) {
  const TemporaryDirectory directory("mqtt-hostile-directory");
  const std::string path = directory.path().string();
  expect_one_clean_line(harness({"simulate", path}), path, ": is a directory, not a fleet scenario file");
  expect_one_clean_line(harness({"conform", "--profile", path}), path, ": is a directory, not a target profile");
  const fs::path file = directory.path() / "cases.json";
  std::ofstream(file) << "{}";
  expect_one_clean_line(harness({"conform", "--cases", file.string()}), file.string(),
                        ": is a file, not a directory of case files");
}

}  // namespace
}  // namespace mqtt
