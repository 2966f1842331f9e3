// `mqtt-harness simulate` end to end: exit codes, one-line errors and the results it writes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "broker/broker.hpp"
#include "support/mosquitto_broker.hpp"

namespace {

namespace fs = std::filesystem;

struct Ran {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// `arguments` after the binary; a command starting with "sh " is run as given.
Ran run(const std::string& arguments) {
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

constexpr const char* outage = R"({
  "name": "cli-outage",
  "duration_ms": 1200,
  "settle_ms": 2500,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/#", "qos": 1}]}],
  "groups": [{"name": "site", "count": 4, "keep_alive": 5, "connect_rate": 0,
              "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1},
              "publish": {"rate": 3, "qos": 1}}],
  "faults": [{"kind": "power-loss", "group": "site", "fraction": 0.5, "at_ms": 400, "duration_ms": 400}]
})";

TEST_F(SimulateCommand, CleanRunAgainstTheEmbeddedBrokerWritesSimulationResults) {
  const auto scenario = write("outage.json", outage);
  const auto report = (directory / "report").string();
  const auto ran = run("simulate " + scenario + " --seed 5 --report-dir " + report + " --quiet");
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  std::ifstream in(fs::path(report) / "results.json");
  ASSERT_TRUE(in) << "results.json missing";
  const auto results = nlohmann::json::parse(in);
  EXPECT_EQ(results["kind"], "simulation");
  EXPECT_EQ(results["seed"], 5);
  EXPECT_GT(results["stats"]["messages"]["published"].get<int>(), 0);
  EXPECT_TRUE(fs::exists(fs::path(report) / "report.html"));
}

TEST_F(SimulateCommand, BrokerWithoutWillsExitsWithViolations) {
  const auto scenario = write("outage.json", outage);
  const auto ran = run("simulate " + scenario + " --seed 6 --defect no-will --report-dir " +
                       (directory / "report").string());
  EXPECT_EQ(ran.exit_code, 1) << ran.output;
  EXPECT_NE(ran.output.find("MQTT-3.1.2-8"), std::string::npos) << ran.output;
}

TEST_F(SimulateCommand, BrokenScenarioIsOneLineNamingThePlaceAndExitsTwo) {
  const auto scenario =
      write("broken.json", "{\"name\": \"x\",\n \"groups\": [{\"name\": \"a\", \"count\": -1}]}");
  const auto ran = run("simulate " + scenario);
  EXPECT_EQ(ran.exit_code, 2);
  EXPECT_NE(ran.output.find(scenario + ":2:"), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("groups[0].count"), std::string::npos) << ran.output;
  EXPECT_EQ(ran.output.find('\n'), ran.output.size() - 1) << "one line: " << ran.output;
}

TEST_F(SimulateCommand, UnreachableTargetExitsThree) {
  const auto scenario = write("outage.json", outage);
  const auto port = mqtt::test_support::free_loopback_port();
  const auto ran = run("simulate " + scenario + " --target mqtt://127.0.0.1:" + port + " --report-dir " +
                       (directory / "report").string());
  EXPECT_EQ(ran.exit_code, 3) << ran.output;
  EXPECT_NE(ran.output.find("unreachable"), std::string::npos) << ran.output;
}

TEST_F(SimulateCommand, TwoShardsInTwoProcessesTogetherRunTheWholeFleet) {
  mqtt::test_support::MosquittoBroker broker;
  const auto scenario = write("outage.json", outage);
  const auto shard = [&](int index) {
    return "simulate " + scenario + " --seed 8 --quiet --target " + broker.url() + " --shard " +
           std::to_string(index) + "/2 --report-dir " +
           (directory / ("shard" + std::to_string(index))).string();
  };
  // Both shards run at the same time, as separate processes.
  const auto ran =
      run("sh -c '" + std::string(MQTT_HARNESS_BINARY) + " " + shard(1) + " & " +
          std::string(MQTT_HARNESS_BINARY) + " " + shard(0) + "; first=$?; wait $!; exit $(( first + $? ))'");
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  int devices = 0;
  int observers = 0;
  for (int index : {0, 1}) {
    std::ifstream in(directory / ("shard" + std::to_string(index)) / "results.json");
    ASSERT_TRUE(in) << "shard " << index << " wrote no results";
    const auto results = nlohmann::json::parse(in);
    devices += results["stats"]["fleet"]["devices"].get<int>();
    observers += results["stats"]["fleet"]["observers"].get<int>();
    EXPECT_EQ(results["stats"]["fleet"]["shard"], std::to_string(index) + "/2");
  }
  EXPECT_EQ(devices, 4);
  EXPECT_EQ(observers, 1);
}

// Two shards against one broker that never publishes wills, then `report --merge-shards`: the merged history
// is judged as one fleet. Only shard 0 has the observer, so shard 1 alone cannot see its devices' wills go
// missing; the merge must report every will the power loss made the broker owe.
TEST_F(SimulateCommand, MergedShardsAreJudgedAsOneFleet) {
  mqtt::broker::BrokerOptions options;
  options.defects.insert(mqtt::broker::Defect::no_will);
  mqtt::broker::EmbeddedBroker broker(std::move(options));
  const auto target = "mqtt://127.0.0.1:" + std::to_string(broker.port());
  const auto scenario = write("outage.json", outage);
  const auto shard = [&](int index) {
    return "simulate " + scenario + " --seed 8 --quiet --target " + target + " --shard " + std::to_string(index) +
           "/2 --report-dir " + (directory / ("shard" + std::to_string(index))).string();
  };
  run("sh -c '" + std::string(MQTT_HARNESS_BINARY) + " " + shard(1) + " & " + std::string(MQTT_HARNESS_BINARY) +
      " " + shard(0) + "; wait'");
  const auto shard0 = (directory / "shard0" / "results.json").string();
  const auto shard1 = (directory / "shard1" / "results.json").string();
  const auto merged = run("report --merge-shards " + shard0 + " " + shard1 + " -o " + (directory / "merged").string());
  EXPECT_EQ(merged.exit_code, 1) << merged.output;  // the missing wills are MUST violations

  auto load = [](const fs::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
  };
  const auto first = load(shard0);
  const auto second = load(shard1);
  const auto whole = load(directory / "merged" / "results.json");
  const auto events = [](const nlohmann::json& results) { return results["cases"][0]["history"].size(); };
  EXPECT_EQ(events(whole), events(first) + events(second));
  const auto wills_missing = [](const nlohmann::json& results) {
    int count = 0;
    for (const auto& violation : results["violations"]) count += violation["statement"] == "MQTT-3.1.2-8";
    return count;
  };
  EXPECT_EQ(wills_missing(second), 0);  // shard 1 has no subscriber to owe a will to
  EXPECT_EQ(wills_missing(whole), 2);   // power loss hit half of the 4 devices
  EXPECT_GE(wills_missing(whole), wills_missing(first));
  EXPECT_EQ(whole["stats"]["fleet"]["shards"], 2);

  const auto single = run("report --merge-shards " + shard0 + " -o " + (directory / "bad").string());
  EXPECT_EQ(single.exit_code, 2) << single.output;
}

TEST_F(SimulateCommand, BadShardIsBadUsage) {
  const auto scenario = write("outage.json", outage);
  const auto ran = run("simulate " + scenario + " --shard 3/3");
  EXPECT_EQ(ran.exit_code, 2) << ran.output;
}

}  // namespace
