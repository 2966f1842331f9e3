// --report-dir: a directory that cannot take the reports is found before the run starts (exit 2, one line), and
// when writing fails after a run anyway, the reports go to a temporary directory and the line says where.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/reports/child_process.hpp"

namespace mqtt {
namespace {

namespace fs = std::filesystem;
using reports::testing::ChildOptions;
using reports::testing::run_child;
using reports::testing::TemporaryDirectory;

reports::testing::ChildResult harness(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), MQTT_HARNESS_BINARY);
  return run_child(arguments, ChildOptions{.deadline = std::chrono::seconds(60)});
}

TEST(ReportDirectory, AnUnwritableOneIsFoundBeforeTheRunStarts) {
  const TemporaryDirectory directory("mqtt-report-dir");
  const fs::path file = directory.path() / "a-file";
  std::ofstream(file) << "not a directory";
  const std::string report_dir = (file / "out").string();
  // Nothing listens on port 1: had the run started, the exit code would be 3 (unreachable).
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"conform", "--target", "mqtt://127.0.0.1:1", "-o", report_dir},
        std::vector<std::string>{"inspect", MQTT_CAPTURE_DATA "/mosquitto-v311-v5.pcap", "-o", report_dir}}) {
    const auto ran = harness(command);
    EXPECT_EQ(ran.exit_code, 2) << ran.errors;
    EXPECT_EQ(ran.errors, "mqtt-harness " + command[0] + ": --report-dir " + report_dir +
                              ": cannot write reports there (" + report_dir + ": Not a directory)\n");
    EXPECT_EQ(ran.output, "");
  }
  EXPECT_FALSE(fs::exists(file / "out"));
}

TEST(ReportDirectory, AMissingOneIsCreatedAndTheCheckLeavesNothingBehind) {
  const TemporaryDirectory directory("mqtt-report-dir");
  const fs::path report_dir = directory.path() / "new" / "deeper";
  // The check passes; the capture then cannot be read, so nothing is written.
  const auto refused = harness({"inspect", (directory.path() / "missing.pcap").string(), "-o", report_dir.string()});
  EXPECT_EQ(refused.exit_code, 2) << refused.errors;
  EXPECT_EQ(refused.errors.find("--report-dir"), std::string::npos) << refused.errors;
  EXPECT_FALSE(fs::exists(directory.path() / "new")) << "the check removed what it made";
}

TEST(ReportDirectory, WhenWritingFailsAfterTheRunTheReportsGoElsewhere) {
  const TemporaryDirectory directory("mqtt-report-dir");
  // The directory is writable (the check passes) but report.html cannot be written: it is a directory.
  fs::create_directories(directory.path() / "report.html");
  const auto ran = harness({"conform", "--filter", "connect.*", "--json", "-o", directory.path().string()});
  EXPECT_EQ(ran.exit_code, 2) << ran.errors;
  const std::string marker = "; the reports are in ";
  const auto at = ran.errors.find(marker);
  ASSERT_NE(at, std::string::npos) << ran.errors;
  const fs::path fallback = ran.errors.substr(at + marker.size(), ran.errors.find(" instead") - at - marker.size());
  EXPECT_TRUE(fs::exists(fallback / "results.json")) << fallback;
  EXPECT_TRUE(fs::exists(fallback / "report.html")) << fallback;
  EXPECT_NE(ran.output.find("\"kind\": \"conformance\""), std::string::npos) << "--json still prints the results";
  fs::remove_all(fallback);
}

}  // namespace
}  // namespace mqtt
