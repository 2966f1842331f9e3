// The namespace of a simulate or replay run: how a prefix joins topics, filters and client ids, which names are
// accepted, and what it does to a fleet and to replayed packets.
#include "runner/run_namespace.hpp"

#include <gtest/gtest.h>

#include <set>

#include "runner/fleet_scenario.hpp"
#include "simulator/fault_schedule.hpp"

namespace mqtt::runner {
namespace {

RunNamespace named(std::string_view prefix) {
  auto parsed = RunNamespace::from_prefix(prefix);
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    ADD_FAILURE() << "\"" << prefix << "\": " << *error;
    return {};
  }
  return std::get<RunNamespace>(parsed);
}

std::string error_of(std::string_view prefix) {
  auto parsed = RunNamespace::from_prefix(prefix);
  const auto* error = std::get_if<std::string>(&parsed);
  return error ? *error : "";
}

TEST(RunNamespace, ATrailingSlashNamesTheSameNamespaceAndNeverDoublesTheSeparator) {
  for (const auto* prefix : {"test/", "test"}) {
    const auto run = named(prefix);
    EXPECT_EQ(run.name(), "test");
    EXPECT_EQ(run.topic("dtu/1/telemetry"), "test/dtu/1/telemetry");
    EXPECT_EQ(run.client_id("backend"), "test-backend");
  }
}

TEST(RunNamespace, ALeadingEmptyLevelOfTheTopicStaysALevel) {
  EXPECT_EQ(named("test").topic("/a/b"), "test//a/b");
  EXPECT_EQ(named("test").local_topic("test//a/b"), "/a/b");
}

TEST(RunNamespace, LevelsInTheNameBecomeDashesInClientIds) {
  const auto run = named("lab/run-7");
  EXPECT_EQ(run.topic("a"), "lab/run-7/a");
  EXPECT_EQ(run.client_id("dtu-1"), "lab-run-7-dtu-1");
}

TEST(RunNamespace, SystemTopicsEmptyTopicsAndEmptyClientIdsStayAsTheyAre) {
  const auto run = named("test");
  EXPECT_EQ(run.topic("$SYS/broker/uptime"), "$SYS/broker/uptime");
  EXPECT_EQ(run.filter("$SYS/#"), "$SYS/#");
  EXPECT_EQ(run.topic(""), "");  // a 5.0 PUBLISH that names its topic by alias only
  EXPECT_EQ(run.client_id(""), "");
}

TEST(RunNamespace, FiltersJoinLikeTopicsAndSharedSubscriptionsKeepTheirGroupInFront) {
  const auto run = named("test/");
  EXPECT_EQ(run.filter("#"), "test/#");
  EXPECT_EQ(run.filter("+/status"), "test/+/status");
  EXPECT_EQ(run.filter("$share/workers/dtu/+/telemetry"), "$share/workers/test/dtu/+/telemetry");
}

TEST(RunNamespace, LocalTopicUndoesTopicAndLeavesOtherTopicsAlone) {
  const auto run = named("test");
  EXPECT_EQ(run.local_topic(run.topic("dtu/1")), "dtu/1");
  EXPECT_EQ(run.local_topic("testing/dtu/1"), "testing/dtu/1");
  EXPECT_EQ(run.local_topic("test"), "test");
  EXPECT_EQ(run.local_topic("other/dtu/1"), "other/dtu/1");
}

TEST(RunNamespace, NoNamespaceChangesNothing) {
  const auto run = named("");
  EXPECT_TRUE(run.empty());
  EXPECT_EQ(run.topic("dtu/1"), "dtu/1");
  EXPECT_EQ(run.filter("#"), "#");
  EXPECT_EQ(run.client_id("backend"), "backend");
  EXPECT_EQ(run.local_topic("dtu/1"), "dtu/1");
}

TEST(RunNamespace, NamesThatWouldBreakTopicsOrClientIdsAreRefusedWithTheReason) {
  EXPECT_NE(error_of("/").find("needs a name"), std::string::npos) << error_of("/");
  EXPECT_NE(error_of("/test").find("must not start"), std::string::npos) << error_of("/test");
  EXPECT_NE(error_of("a//b").find("empty level"), std::string::npos) << error_of("a//b");
  EXPECT_NE(error_of("a+b").find("\"+\" at character 2"), std::string::npos) << error_of("a+b");
  EXPECT_NE(error_of("a#").find("\"#\""), std::string::npos) << error_of("a#");
  EXPECT_NE(error_of("$SYS").find("\"$\""), std::string::npos) << error_of("$SYS");
  EXPECT_NE(error_of("a b").find("byte 0x20"), std::string::npos) << error_of("a b");
  EXPECT_NE(error_of("{id}").find("\"{\""), std::string::npos) << error_of("{id}");
  EXPECT_NE(error_of(std::string(65, 'a')).find("at most 64"), std::string::npos);
  EXPECT_EQ(error_of(std::string(64, 'a')), "");
  EXPECT_EQ(error_of("Lab_1.run-2/x"), "");
}

TEST(RunNamespace, TheDefaultComesFromTheWholeSeedAndIsStable) {
  const auto first = RunNamespace::derived_from_seed("fleet", 42);
  EXPECT_EQ(first.name(), RunNamespace::derived_from_seed("fleet", 42).name());
  EXPECT_EQ(first.name().rfind("fleet-", 0), 0u) << first.name();
  EXPECT_EQ(first.name().size(), std::string("fleet-").size() + 8);
  std::set<std::string> names;
  for (std::uint64_t seed : {0ULL, 1ULL, 2ULL, 1ULL << 32, 2ULL << 32, ~0ULL}) {
    names.insert(RunNamespace::derived_from_seed("fleet", seed).name());
  }
  EXPECT_EQ(names.size(), 6u) << "seeds that differ only in their high half must get different namespaces";
  // A default name is itself a valid --prefix, so a run can be repeated in the same namespace.
  EXPECT_EQ(error_of(first.name()), "");
}

TEST(RunNamespace, AFleetMovesIntoTheNamespaceWithItsOwnIdsInItsTopics) {
  auto spec = parse_fleet_scenario("fleet.json", R"({
    "name": "namespaced",
    "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/status", "qos": 1}]}],
    "groups": [{"name": "site", "count": 2,
                "will": {"topic": "dtu/{id}/status", "payload": "offline {id}", "qos": 1, "retain": true},
                "status": {"topic": "dtu/{id}/status", "payload": "online"},
                "subscriptions": [{"filter": "dtu/{id}/cmd", "qos": 1}],
                "publish": {"topic": "dtu/{id}/telemetry", "rate": 1}}]
  })");
  place_in_namespace(spec, named("run7"));
  const auto& backend = spec.groups[0];
  EXPECT_EQ(backend.subscriptions[0].filter, "run7/dtu/+/status");
  const auto& site = spec.groups[1];
  const auto devices = simulator::list_devices(spec);
  ASSERT_EQ(devices.size(), 3u);
  EXPECT_EQ(devices[0].client_id, "run7-backend-1");
  EXPECT_EQ(devices[1].client_id, "run7-dtu-site-1");
  const auto expand = [&](const std::string& text) {
    return simulator::expand_placeholders(text, site.name, 1, devices[1].client_id);
  };
  EXPECT_EQ(expand(site.will->topic), "run7/dtu/dtu-site-1/status");
  EXPECT_EQ(expand(site.will->payload), "offline run7-dtu-site-1");  // the id on the wire
  EXPECT_EQ(expand(site.status->topic), "run7/dtu/dtu-site-1/status");
  EXPECT_EQ(expand(site.publish.topic), "run7/dtu/dtu-site-1/telemetry");
  EXPECT_EQ(expand(site.subscriptions[0].filter), "run7/dtu/dtu-site-1/cmd");
}

TEST(RunNamespace, ReplayedPacketsMoveIntoTheNamespace) {
  const auto run = named("test/");
  Connect connect;
  connect.client_id = "dtu-1";
  connect.will.emplace();
  connect.will->topic = "dtu/1/status";
  const auto moved = std::get<Connect>(place_in_namespace(connect, run));
  EXPECT_EQ(moved.client_id, "test-dtu-1");
  EXPECT_EQ(moved.will->topic, "test/dtu/1/status");

  Publish publish;
  publish.topic = "dtu/1/telemetry";
  EXPECT_EQ(std::get<Publish>(place_in_namespace(publish, run)).topic, "test/dtu/1/telemetry");

  Subscribe subscribe;
  subscribe.subscriptions.push_back(Subscription{"dtu/#", QoS::at_least_once});
  subscribe.subscriptions.push_back(Subscription{"$share/g/x", QoS::at_most_once});
  const auto subscribed = std::get<Subscribe>(place_in_namespace(subscribe, run));
  EXPECT_EQ(subscribed.subscriptions[0].filter, "test/dtu/#");
  EXPECT_EQ(subscribed.subscriptions[1].filter, "$share/g/test/x");

  Unsubscribe unsubscribe;
  unsubscribe.filters = {"dtu/#"};
  EXPECT_EQ(std::get<Unsubscribe>(place_in_namespace(unsubscribe, run)).filters[0], "test/dtu/#");

  const Packet ping = Pingreq{};
  EXPECT_EQ(place_in_namespace(ping, run), ping);
}

}  // namespace
}  // namespace mqtt::runner
