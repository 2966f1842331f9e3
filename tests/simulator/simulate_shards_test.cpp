// `mqtt-harness simulate --shard` and `report --merge-shards`: shards run apart and judged as one fleet.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "broker/broker.hpp"
#include "support/mosquitto_broker.hpp"
#include "simulate_command_fixture.hpp"

namespace simulate_command_test {
namespace {

// Shards 0 and 1 of the outage fleet (seed 8) at once against `target`, their reports in shard0/ and shard1/.
void run_outage_in_two_shards(const std::string& scenario, const std::string& target,
                              const fs::path& directory) {
  const auto shard = [&](int index) {
    return "simulate " + scenario + " --seed 8 --quiet --target " + target + " --shard " + std::to_string(index) +
           "/2 --report-dir " + (directory / ("shard" + std::to_string(index))).string();
  };
  run("sh -c '" + std::string(MQTT_HARNESS_BINARY) + " " + shard(1) + " & " + std::string(MQTT_HARNESS_BINARY) +
      " " + shard(0) + "; wait'");
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
  run_outage_in_two_shards(write("outage.json", outage), target, directory);
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

// Two shards of one fleet run in parallel against one broker share the namespace their seed gives them, so the
// merge sees one fleet: the observer in shard 0 got shard 1's telemetry and wills, and nothing is lost.
TEST_F(SimulateCommand, ShardsRunInParallelShareTheNamespaceAndMergeClean) {
  mqtt::test_support::MosquittoBroker broker;
  const auto scenario = write("outage.json", outage);
  const auto shard = [&](int index, const std::string& folder, const std::string& extra) {
    return std::string(MQTT_HARNESS_BINARY) + " simulate " + scenario + " --seed 9 --quiet --target " +
           broker.url() + " --shard " + std::to_string(index) + "/2 --report-dir " + (directory / folder).string() +
           extra;
  };
  const auto ran = run("sh -c '" + shard(1, "shard1", "") + " & " + shard(0, "shard0", "") +
                       "; first=$?; wait $!; exit $(( first + $? ))'");
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  const auto shard0 = load_json(directory / "shard0" / "results.json");
  const auto shard1 = load_json(directory / "shard1" / "results.json");
  ASSERT_FALSE(shard0.is_null() || shard1.is_null()) << ran.output;
  EXPECT_EQ(shard0["stats"]["namespace"], shard1["stats"]["namespace"]);

  const auto merged = run("report --merge-shards " + (directory / "shard0" / "results.json").string() + " " +
                          (directory / "shard1" / "results.json").string() + " -o " + (directory / "merged").string());
  EXPECT_EQ(merged.exit_code, 0) << merged.output;
  const auto whole = load_json(directory / "merged" / "results.json");
  EXPECT_EQ(whole["violations"].size(), 0u) << whole["violations"].dump();
  EXPECT_EQ(whole["stats"]["namespace"], shard0["stats"]["namespace"]);

  // A shard run in another namespace is not part of the same fleet: the merge refuses it.
  const auto other = run("sh -c '" + shard(1, "elsewhere", " --prefix elsewhere") + "'");
  EXPECT_EQ(other.exit_code, 0) << other.output;
  const auto mismatched = run("report --merge-shards " + (directory / "shard0" / "results.json").string() + " " +
                              (directory / "elsewhere" / "results.json").string() + " -o " +
                              (directory / "bad").string());
  EXPECT_EQ(mismatched.exit_code, 2) << mismatched.output;
  EXPECT_NE(mismatched.output.find("namespace elsewhere differs"), std::string::npos) << mismatched.output;
}

TEST_F(SimulateCommand, AMergeOfShardsThatExercisedNothingIsInconclusiveNamingTheShard) {
  const auto scenario = write("quiet.json", quiet);
  for (const auto* index : {"0", "1"}) {
    const auto ran = run("simulate " + scenario + " --seed 6 --quiet --shard " + std::string(index) + "/2 -o " +
                         (directory / index).string());
    EXPECT_EQ(ran.exit_code, 5) << ran.output;
  }
  run("report --merge-shards " + (directory / "0" / "results.json").string() + " " +
      (directory / "1" / "results.json").string() + " -o " + (directory / "merged").string());
  const auto merged = load_json(directory / "merged" / "results.json");
  ASSERT_FALSE(merged.is_null());
  EXPECT_EQ(merged["cases"][0]["verdict"], "inconclusive");
  EXPECT_NE(merged["cases"][0]["message"].get<std::string>().find("shard 2: nothing was published"), std::string::npos)
      << merged["cases"][0]["message"];
}

TEST_F(SimulateCommand, BadShardIsBadUsage) {
  const auto scenario = write("outage.json", outage);
  const auto ran = run("simulate " + scenario + " --shard 3/3");
  EXPECT_EQ(ran.exit_code, 2) << ran.output;
}

// Shards on machines whose clocks disagree: the same two shards, with shard 2's clock set 20 s behind and shard 1's
// 3 s ahead after the fact (every time each recorded on its own clock: the clock origin and the clock markers),
// merge to the verdicts of the true clocks, because the merge measures the offsets from the markers the broker
// delivered to both shards. Without the markers (system clocks, and causality: a delivery cannot precede its
// publication, which a clock running behind never contradicts) the same shards are placed 23 s apart. The markers
// place shard 2 only within their bound: when a device's first publication and the observer's SUBSCRIBE came
// within that bound of each other (shards starting together under load), the merge once put the SUBSCRIBE after
// the broker had the message and found a false MQTT-3.3.2-3 (runner_unit_tests ShardMerge.* hold it exactly).
TEST_F(SimulateCommand, MergedShardsWithSkewedClocksKeepTheirVerdicts) {
  mqtt::broker::BrokerOptions options;
  options.defects.insert(mqtt::broker::Defect::no_will);
  mqtt::broker::EmbeddedBroker broker(std::move(options));
  const auto target = "mqtt://127.0.0.1:" + std::to_string(broker.port());
  run_outage_in_two_shards(write("outage.json", outage), target, directory);
  auto skew = [&](int index, std::int64_t shift_ns, bool keep_markers) {
    auto results = load_json(directory / ("shard" + std::to_string(index)) / "results.json");
    auto& fleet = results["stats"]["fleet"];
    EXPECT_TRUE(fleet.contains("clock")) << "shard " << index << " ran a clock session";
    fleet["clock_origin_unix_ns"] = fleet["clock_origin_unix_ns"].get<std::int64_t>() + shift_ns;
    for (auto& marker : fleet["clock"]["markers"]) {
      marker["received_unix_ns"] = marker["received_unix_ns"].get<std::int64_t>() + shift_ns;
    }
    if (!keep_markers) fleet.erase("clock");
    const auto path = directory / ("skewed" + std::to_string(index) + (keep_markers ? "" : "-bare") + ".json");
    std::ofstream(path) << results.dump();
    return path.string();
  };
  auto merge = [&](const std::string& first, const std::string& second, const std::string& name) {
    const auto ran = run("report --merge-shards " + first + " " + second + " -o " + (directory / name).string());
    EXPECT_EQ(ran.exit_code == 0 || ran.exit_code == 1, true) << ran.output;
    return load_json(directory / name / "results.json");
  };
  auto verdicts = [](const nlohmann::json& results) {
    std::multiset<std::string> found;
    for (const auto& violation : results["violations"]) found.insert(violation["statement"].get<std::string>());
    return found;
  };
  const auto truth = merge((directory / "shard0" / "results.json").string(),
                           (directory / "shard1" / "results.json").string(), "merged-true");
  const auto skewed = merge(skew(0, 3'000'000'000, true), skew(1, -20'000'000'000, true), "merged-skewed");
  EXPECT_EQ(verdicts(truth).count("MQTT-3.1.2-8"), 2u) << truth["violations"].dump();
  EXPECT_EQ(verdicts(skewed), verdicts(truth)) << skewed["violations"].dump();
  EXPECT_EQ(skewed["summary"], truth["summary"]);
  const auto& alignment = skewed["stats"]["fleet"]["clock_alignment"];
  ASSERT_EQ(alignment.size(), 2u);
  const auto offset = alignment[1]["offset_ns"].get<std::int64_t>();
  const auto bound = alignment[1]["bound_ns"].get<std::int64_t>();
  EXPECT_NEAR(static_cast<double>(offset), -23e9, static_cast<double>(bound) + 1e6) << alignment.dump();
  EXPECT_LT(bound, 1'000'000'000) << "the markers measure the skew within the checker's 1 s graces";

  const auto bare = merge(skew(0, 3'000'000'000, false), skew(1, -20'000'000'000, false), "merged-bare");
  const auto& bare_alignment = bare["stats"]["fleet"]["clock_alignment"];
  EXPECT_GT(std::llabs(bare_alignment[1]["offset_ns"].get<std::int64_t>() + 23'000'000'000), 1'000'000'000)
      << bare_alignment.dump();
  EXPECT_GT(bare["duration_ms"].get<double>(), truth["duration_ms"].get<double>() + 20'000)
      << bare["duration_ms"] << " vs " << truth["duration_ms"];
  EXPECT_NE(alignment[1]["method"].get<std::string>().find("markers"), std::string::npos) << alignment.dump();
}

}  // namespace
}  // namespace simulate_command_test
