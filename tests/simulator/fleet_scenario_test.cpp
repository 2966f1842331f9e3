#include "runner/fleet_scenario.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "runner/source_position.hpp"

namespace mqtt::runner {
namespace {

constexpr const char* small_scenario = R"({
  "name": "small",
  "duration_ms": 2000,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
  "groups": [
    {
      "name": "cell",
      "count": 3,
      "mqtt": "3.1.1",
      "clean_session": false,
      "keep_alive": 5,
      "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1, "retain": true},
      "subscriptions": [{"filter": "dtu/{id}/cmd", "qos": 1}],
      "publish": {"rate": 2, "burst": 2, "payload_size": 40, "qos": [1, 1, 0]},
      "reconnect": {"initial_ms": 100, "maximum_ms": 1000}
    }
  ],
  "faults": [{"kind": "latency", "group": "cell", "fraction": 0.5, "at_ms": 500, "latency_ms": 100, "jitter_ms": 20}]
})";

// The one-line error for `text`, or "" when it loads.
std::string error_of(const std::string& text) {
  try {
    parse_fleet_scenario("bad.json", text);
  } catch (const DataFileError& error) {
    return error.what();
  }
  return "";
}

TEST(FleetScenario, ReadsEveryPartOfAGoodFile) {
  const auto spec = parse_fleet_scenario("small.json", small_scenario);
  EXPECT_EQ(spec.name, "small");
  EXPECT_EQ(spec.duration_ms, 2000u);
  EXPECT_EQ(spec.settle_ms, 2000u);  // default
  EXPECT_EQ(spec.drain_ms, 10000u);  // default
  ASSERT_EQ(spec.groups.size(), 2u);
  const auto& backend = spec.groups[0];
  EXPECT_TRUE(backend.observer);
  EXPECT_EQ(backend.count, 1u);
  EXPECT_EQ(backend.client_id, "{group}-{n}");
  const auto& cell = spec.groups[1];
  EXPECT_FALSE(cell.observer);
  EXPECT_EQ(cell.count, 3u);
  EXPECT_FALSE(cell.clean_session);
  EXPECT_EQ(cell.keep_alive, 5);
  ASSERT_TRUE(cell.will);
  EXPECT_EQ(cell.will->qos, QoS::at_least_once);
  EXPECT_TRUE(cell.will->retain);
  ASSERT_EQ(cell.subscriptions.size(), 1u);
  EXPECT_EQ(cell.subscriptions[0].filter, "dtu/{id}/cmd");
  EXPECT_DOUBLE_EQ(cell.publish.rate_per_second, 2);
  EXPECT_EQ(cell.publish.burst, 2u);
  EXPECT_DOUBLE_EQ(cell.publish.qos_weights[1], 1);
  EXPECT_EQ(cell.reconnect.initial_ms, 100u);
  ASSERT_EQ(spec.faults.size(), 1u);
  EXPECT_EQ(spec.faults[0].kind, simulator::FaultKind::latency);
  EXPECT_EQ(spec.faults[0].parameters.latency_ms, 100u);
  EXPECT_EQ(spec.faults[0].duration_ms, 1000u);  // default
}

TEST(FleetScenario, TheDrainLimitIsReadAndZeroTurnsItOff) {
  const std::string duration = "\"duration_ms\": 2000,";
  const std::string no_drain = "\"drain_ms\": 0,";
  std::string text = small_scenario;
  text.replace(text.find(duration), duration.size(), duration + " " + no_drain);
  EXPECT_EQ(parse_fleet_scenario("small.json", text).drain_ms, 0u);
  text.replace(text.find(no_drain), no_drain.size(), "\"drain_ms\": -1,");
  EXPECT_NE(error_of(text).find("drain_ms"), std::string::npos) << error_of(text);
}

TEST(FleetScenario, ABrokerRestartNamesNoGroup) {
  const auto spec = parse_fleet_scenario("r.json", R"({"name": "r", "duration_ms": 60000, "groups": [{"name": "a"}],
    "faults": [{"kind": "broker-restart", "at_ms": 10000, "down_ms": 2000}, {"kind": "broker-restart", "at_ms": 20000}]})");
  ASSERT_EQ(spec.faults.size(), 2U);
  EXPECT_EQ(spec.faults[0].kind, simulator::FaultKind::broker_restart);
  EXPECT_TRUE(spec.faults[0].group.empty());
  EXPECT_EQ(spec.faults[0].at_ms, 10'000U);
  EXPECT_EQ(spec.faults[0].duration_ms, 2'000U) << "down_ms";
  EXPECT_EQ(spec.faults[1].duration_ms, 0U) << "down_ms defaults to 0: start again at once";
}

TEST(FleetScenario, MinimalFileUsesShortDefaults) {
  const auto spec = parse_fleet_scenario("min.json", R"({"name": "min", "groups": [{"name": "a"}]})");
  ASSERT_EQ(spec.groups.size(), 1u);
  EXPECT_EQ(spec.groups[0].count, 10u);
  EXPECT_EQ(spec.groups[0].client_id, "dtu-{group}-{n}");
  EXPECT_EQ(spec.duration_ms, 10'000u);
}

TEST(FleetScenario, ErrorsNameFileLineColumnAndKey) {
  EXPECT_EQ(error_of("{\"name\": \"x\",\n \"groups\": [{\"name\": \"a\", \"cuont\": 3}]}"),
            "bad.json:2:27: key \"groups[0].cuont\": unknown key")
      << "the exact wording comes from ObjectReader::allow_only";
}

TEST(FleetScenario, BrokenFilesAreRejectedWithTheKey) {
  struct Case {
    const char* text;
    const char* expected;  // a piece of the one-line error
  };
  const Case cases[] = {
      {R"({"name": "x", "groups": [{"name": "a", "publish": {"qos": 3}}]})", "groups[0].publish.qos"},
      {R"({"name": "x", "groups": [{"name": "a", "client_id": "dtu-{nn}"}]})", "unknown placeholder {nn}"},
      {R"({"name": "x", "groups": [{"name": "a", "client_id": "dtu-fixed"}]})", "needs {n}"},
      {R"({"name": "x", "groups": [{"name": "a", "mqtt": "4"}]})", "groups[0].mqtt"},
      {R"({"name": "x", "groups": [{"name": "a"}], "faults": [{"kind": "lag", "group": "a"}]})",
       "faults[0].kind\": unknown fault \"lag\""},
      {R"({"name": "x", "groups": [{"name": "a"}], "faults": [{"kind": "stall", "group": "b"}]})",
       "faults[0].group\": no group or observer is named \"b\""},
      {R"({"name": "x", "groups": [{"name": "a"}], "faults": [{"kind": "stall", "group": "a", "fraction": 2}]})",
       "faults[0].fraction\": must be a number from 0 to 1"},
      // A broker restart is the broker's: no group, no fraction; at_ms is required.
      {R"({"name": "x", "groups": [{"name": "a"}], "faults": [{"kind": "broker-restart", "group": "a", "at_ms": 1}]})",
       "faults[0].group\": unknown key"},
      {R"({"name": "x", "groups": [{"name": "a"}], "faults": [{"kind": "broker-restart"}]})",
       "missing required key \"at_ms\""},
      {R"({"name": "x", "duration_ms": 30000, "groups": [{"name": "a"}],
           "faults": [{"kind": "broker-restart", "at_ms": 20000, "down_ms": 1000}]})",
       "faults[0].down_ms\": the broker-restart fault (faults[0]) brings the broker back at 21.0 s"},
      {R"({"name": "x", "groups": [{"name": "a"}, {"name": "a"}]})", "already named \"a\""},
      {R"({"name": "x", "groups": []})", "at least one device group"},
      {R"({"name": "x", "groups": [{"name": "a", "subscriptions": [{"filter": "a/#/b"}]}]})",
       "subscriptions[0].filter\": is not a valid topic filter"},
      {R"({"name": "x", "groups": [{"name": "a", "publish": {"topic": "a/+"}}]})",
       "is not a valid topic name"},
      {R"({"name": "x", "observers": [{"name": "o", "publish": {}}], "groups": [{"name": "a"}]})",
       "observers only subscribe"},
      {R"({"name": "x", "groups": [{"name": "a", "reconnect": {"initial_ms": 500, "maximum_ms": 100}}]})",
       "maximum_ms must not be below initial_ms"},
      {"{\"name\": \"x\", \"groups\": [", "bad.json:1:"},
      // Rates so small that the gap between events overflows the engine's clock (UBSan found it with 1e-300).
      {R"({"name": "x", "groups": [{"name": "a", "connect_rate": 1e-300}]})",
       "groups[0].connect_rate\": must be 0 (every device at once) or from 0.001 to 1000000 per second"},
      {R"({"name": "x", "groups": [{"name": "a", "publish": {"rate": 0.0001}}]})",
       "groups[0].publish.rate\": must be 0 (no publishing) or from 0.001 to 10000 per second"},
      // Events outside the publishing window are refused at the key that places them.
      {R"({"name": "x", "duration_ms": 10000, "groups": [{"name": "a"}],
           "faults": [{"kind": "stall", "group": "a", "at_ms": 12000}]})",
       "faults[0].at_ms\": the stall fault on \"a\" (faults[0]) starts at 12.0 s, not before the end of the publishing "
       "window at 10.0 s"},
      {R"({"name": "x", "duration_ms": 10000, "groups": [{"name": "a"}],
           "faults": [{"kind": "latency", "group": "a", "at_ms": 8000, "duration_ms": 3000}]})",
       "faults[0].duration_ms\": the latency fault on \"a\" (faults[0]) lasts until 11.0 s"},
      {R"({"name": "x", "duration_ms": 10000, "observers": [{"name": "o"}],
           "groups": [{"name": "a", "count": 102, "connect_rate": 10}]})",
       "groups[0].connect_rate\": the connect ramp of group \"a\" (102 devices at 10/s from 0.0 s) reaches its last "
       "device at 10.1 s"},
      {R"({"name": "x", "duration_ms": 10000, "groups": [{"name": "a", "count": 1, "start_ms": 10000}]})",
       "groups[0].start_ms\": group \"a\" starts connecting at 10.0 s"},
  };
  for (const auto& item : cases) {
    const std::string error = error_of(item.text);
    EXPECT_NE(error.find(item.expected), std::string::npos) << item.text << "\n  gave: " << error;
    EXPECT_EQ(error.rfind("bad.json:", 0), 0u) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST(FleetScenario, AnEventRightAtTheEdgeOfTheWindowStillFits) {
  EXPECT_EQ(error_of(R"({"name": "x", "duration_ms": 10000, "groups": [{"name": "a"}],
                         "faults": [{"kind": "latency", "group": "a", "at_ms": 8000, "duration_ms": 2000}]})"),
            "");
  EXPECT_EQ(error_of(R"({"name": "x", "duration_ms": 10000, "groups": [{"name": "a", "count": 100, "connect_rate": 11}]})"),
            "");
}

TEST(FleetScenario, MissingFileIsAOneLineError) {
  try {
    load_fleet_scenario("/nonexistent/scenario.json");
    FAIL() << "no error";
  } catch (const DataFileError& error) {
    EXPECT_EQ(std::string(error.what()), "/nonexistent/scenario.json: no such file");
  }
}

TEST(FleetScenario, EveryShippedScenarioLoads) {
  const std::filesystem::path folder = std::filesystem::path(MQTT_HARNESS_SOURCE_DIR) / "scenarios" / "fleet";
  std::size_t loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    const auto spec = load_fleet_scenario(entry.path().string());
    EXPECT_EQ(spec.name, entry.path().stem().string());
    ++loaded;
  }
  EXPECT_GE(loaded, 6u);
}

}  // namespace
}  // namespace mqtt::runner

namespace mqtt::runner {
namespace {

TEST(FleetScenarioMqtt5, ReadsTheFiveGroupOptions) {
  const auto spec = parse_fleet_scenario("v5.json", R"({
  "name": "v5",
  "groups": [{"name": "dtu", "count": 2, "mqtt": "5.0", "session_expiry": 30, "receive_maximum": 4,
              "topic_alias_maximum": 2, "will": {"topic": "dtu/{id}/status", "delay": 5},
              "subscriptions": [{"filter": "$share/g/dtu/+/cmd", "qos": 1, "no_local": true, "retain_handling": 2}],
              "publish": {"rate": 1, "topic_alias": true}}]
})");
  const auto& group = spec.groups.at(0);
  EXPECT_EQ(group.version, ProtocolVersion::v5);
  EXPECT_EQ(group.session_expiry, 30u);
  EXPECT_EQ(group.receive_maximum, 4);
  EXPECT_EQ(group.topic_alias_maximum, 2);
  EXPECT_EQ(group.will->delay, 5u);
  EXPECT_TRUE(group.publish.topic_alias);
  EXPECT_TRUE(group.subscriptions.at(0).no_local);
  EXPECT_EQ(group.subscriptions.at(0).retain_handling, 2);
}

TEST(FleetScenarioMqtt5, FiveOptionsInAThreeOneOneGroupAreRefusedAtTheirKey) {
  EXPECT_EQ(error_of("{\"name\": \"x\", \"groups\": [{\"name\": \"g\", \"count\": 1, \"session_expiry\": 5}]}"),
            "bad.json:1:52: key \"groups[0].session_expiry\": is an MQTT 5.0 option: the group needs \"mqtt\": "
            "\"5.0\"");
  EXPECT_EQ(error_of("{\"name\": \"x\", \"groups\": [{\"name\": \"g\", \"count\": 1, \"mqtt\": \"5.0\", "
                     "\"receive_maximum\": 0}]}"),
            "bad.json:1:67: key \"groups[0].receive_maximum\": must be an integer from 1 to 65535");
}

}  // namespace
}  // namespace mqtt::runner
