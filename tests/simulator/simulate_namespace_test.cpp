// `mqtt-harness simulate` topic and client-id namespaces: a run per namespace, so runs never see each other.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <set>
#include <vector>

#include "support/mosquitto_broker.hpp"
#include "simulate_command_fixture.hpp"

namespace simulate_command_test {
namespace {

// A panel whose link to the broker reads slowly (200 B/s) subscribes to every device's retained status while six
// devices with retained wills connect, publish "online", and half of them lose power. Whatever an earlier run
// left retained trickles in after the SUBACK, while this run's identical "online" messages are being published:
// without a namespace per run, the second run matched the first run's retained copies to its own publishes and
// reported six false MQTT-3.3.1-9 ("RETAIN=1 to an existing subscription").
constexpr const char* retained_twice = R"({
  "name": "retained-twice",
  "duration_ms": 2500,
  "settle_ms": 3000,
  "groups": [
    {"name": "panel", "count": 1, "client_id": "panel-{n}", "connect_rate": 0,
     "subscriptions": [{"filter": "dtu/+/status", "qos": 1}]},
    {"name": "site", "count": 6, "keep_alive": 5, "start_ms": 300, "connect_rate": 0,
     "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1, "retain": true},
     "status": {"topic": "dtu/{id}/status", "payload": "online", "qos": 1},
     "publish": {"rate": 2, "qos": 1}}
  ],
  "faults": [
    {"kind": "slow-reader", "group": "panel", "at_ms": 0, "duration_ms": 2500, "bytes_per_second": 200},
    {"kind": "power-loss", "group": "site", "fraction": 0.5, "at_ms": 800, "duration_ms": 500}
  ]
})";

TEST_F(SimulateCommand, TheSameScenarioRunTwiceAgainstOneMosquittoGivesTheSameCleanVerdicts) {
  mqtt::test_support::MosquittoBroker broker;
  const auto scenario = write("retained-twice.json", retained_twice);
  std::vector<nlohmann::json> runs;
  for (int seed : {1, 2}) {
    const auto report = directory / ("run" + std::to_string(seed));
    const auto ran = run("simulate " + scenario + " --seed " + std::to_string(seed) + " --quiet --target " +
                         broker.url() + " --history results --report-dir " + report.string());
    EXPECT_EQ(ran.exit_code, 0) << "run with seed " << seed << ": " << ran.output;
    runs.push_back(load_json(report / "results.json"));
    ASSERT_FALSE(runs.back().is_null()) << "run with seed " << seed << " wrote no results";
    for (const auto& violation : runs.back()["violations"]) {
      ADD_FAILURE() << "seed " << seed << ": " << violation["statement"] << " " << violation["message"];
    }
  }
  const std::string first = runs[0]["stats"]["namespace"];
  const std::string second = runs[1]["stats"]["namespace"];
  EXPECT_NE(first, second);
  // Everything the second run sent and received lives in its own namespace.
  int publishes = 0;
  for (const auto& event : runs[1]["cases"][0]["history"]) {
    if (!event.contains("packet")) continue;
    const auto& packet = event["packet"];
    if (packet["type"] == "CONNECT") {
      EXPECT_EQ(packet["client_id"].get<std::string>().rfind(second + "-", 0), 0u) << packet.dump();
    }
    if (packet["type"] == "PUBLISH") {
      ++publishes;
      EXPECT_EQ(packet["topic"].get<std::string>().rfind(second + "/", 0), 0u) << packet.dump();
    }
  }
  EXPECT_GT(publishes, 12);  // 6 statuses and their copies at least
}

TEST_F(SimulateCommand, APrefixJoinsTopicsAndClientIdsCleanly) {
  const auto scenario = write("outage.json", outage);
  const auto report = directory / "report";
  const auto ran = run("simulate " + scenario + " --seed 3 --quiet --prefix test/ --history results --report-dir " +
                       report.string());
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  const auto results = load_json(report / "results.json");
  EXPECT_EQ(results["stats"]["namespace"], "test");
  std::set<std::string> client_ids;
  std::set<std::string> topics;
  for (const auto& event : results["cases"][0]["history"]) {
    if (!event.contains("packet")) continue;
    const auto& packet = event["packet"];
    if (packet["type"] == "CONNECT") client_ids.insert(packet["client_id"].get<std::string>());
    if (packet["type"] == "PUBLISH") topics.insert(packet["topic"].get<std::string>());
    if (packet["type"] == "SUBSCRIBE") topics.insert(packet["subscriptions"][0]["filter"].get<std::string>());
  }
  EXPECT_TRUE(client_ids.contains("test-backend-1")) << results["cases"][0]["history"][1].dump();
  EXPECT_TRUE(client_ids.contains("test-dtu-site-1"));
  EXPECT_TRUE(topics.contains("test/dtu/+/#"));
  EXPECT_TRUE(topics.contains("test/dtu/dtu-site-1/telemetry"));
  for (const auto& topic : topics) EXPECT_EQ(topic.find("//"), std::string::npos) << topic;
}

TEST_F(SimulateCommand, AnEmptyPrefixMeansNoNamespaceAndABadOneIsOneLine) {
  const auto scenario = write("outage.json", outage);
  const auto report = directory / "report";
  const auto plain =
      run("simulate " + scenario + " --seed 3 --quiet --prefix '' --history results --report-dir " + report.string());
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
  const auto results = load_json(report / "results.json");
  EXPECT_EQ(results["stats"]["namespace"], "");
  EXPECT_EQ(results["cases"][0]["history"][1]["actor"], "backend-1");

  const auto bad = run("simulate " + scenario + " --prefix 'a/+/b'");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--prefix 'a/+/b'"), std::string::npos) << bad.output;
  EXPECT_EQ(bad.output.find('\n'), bad.output.size() - 1) << "one line: " << bad.output;
}
}  // namespace
}  // namespace simulate_command_test
