// Target profiles: declarations a broker legitimately chooses, read with file:line:col errors.
#include <gtest/gtest.h>

#include <filesystem>

#include "runner/profile.hpp"
#include "runner/source_position.hpp"

namespace mqtt::runner {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_profile("profile.json", text);
  } catch (const DataFileError& error) {
    return error.what();
  }
  return "no error";
}

TEST(Profile, ReadsEveryDeclaration) {
  const Profile profile = parse_profile("profile.json", R"({
    "max_qos": 1, "retain_available": false, "wildcards": true,
    "limits": {"max_packet_size": 1024, "max_topic_length": 100, "max_client_id_length": 23, "max_queue_depth": 50},
    "acl_denied_topic": "secret/topic",
    "credentials": {"username": "probe", "password": "pw"},
    "zero_length_client_id": "reject", "keepalive_grace_ms": 7000
  })");
  EXPECT_EQ(profile.max_qos, 1);
  EXPECT_EQ(profile.retain_available, false);
  EXPECT_EQ(profile.wildcards, true);
  EXPECT_EQ(profile.limits.max_packet_size, 1024u);
  EXPECT_EQ(profile.limits.max_topic_length, 100u);
  EXPECT_EQ(profile.limits.max_client_id_length, 23u);
  EXPECT_EQ(profile.limits.max_queue_depth, 50u);
  EXPECT_EQ(profile.acl_denied_topic, "secret/topic");
  EXPECT_EQ(profile.credentials, (Credentials{"probe", "pw"}));
  EXPECT_EQ(profile.zero_length_client_id, ZeroLengthClientId::reject);
  EXPECT_EQ(profile.keepalive_grace_ms, 7000u);
}

TEST(Profile, EmptyProfileDeclaresNothing) {
  EXPECT_EQ(parse_profile("profile.json", "{}"), Profile{});
}

TEST(Profile, ErrorsNameFileLineColumnAndKey) {
  EXPECT_EQ(error_of("{\n  \"max_qos\": 3\n}"), "profile.json:2:3: key \"max_qos\": must be an integer from 0 to 2");
  EXPECT_EQ(error_of("{\n  \"limits\": {\"max_packet_size\": 10,\n             \"max_queue\": 5}\n}"),
            "profile.json:3:14: key \"limits.max_queue\": unknown key");
  EXPECT_EQ(error_of("{\"zero_length_client_id\": \"maybe\"}"),
            "profile.json:1:2: key \"zero_length_client_id\": must be \"accept\" or \"reject\"");
  EXPECT_EQ(error_of("{\"credentials\": {\"username\": \"u\"}}"),
            "profile.json:1:17: key \"credentials\": missing required key \"password\"");
  EXPECT_TRUE(error_of("{\n\n  \"max_qos\": 1,,\n}").starts_with("profile.json:3:16: invalid JSON: "))
      << error_of("{\n\n  \"max_qos\": 1,,\n}");
}

// The example profiles users copy (scenarios/profiles/, docs/profiles.md) load, with their "$schema" key.
TEST(Profile, EveryExampleProfileLoads) {
  int examples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(MQTT_SOURCE_DIR) + "/scenarios/profiles")) {
    if (entry.path().extension() != ".json" || entry.path().filename() == "schema.json") continue;
    ++examples;
    Profile profile;
    EXPECT_NO_THROW(profile = load_profile(entry.path().string())) << entry.path();
    EXPECT_NE(profile, Profile{}) << entry.path() << " declares nothing";
  }
  EXPECT_GE(examples, 4);
  const Profile capped = load_profile(std::string(MQTT_SOURCE_DIR) + "/scenarios/profiles/max-qos-1.json");
  EXPECT_EQ(capped.max_qos, 1);
  EXPECT_FALSE(unmet_requirement(capped, "max_qos", false));
}

// The names users guess from other tools are refused, not ignored: a limit silently not applied misleads.
TEST(Profile, GuessedLimitNamesAreRefused) {
  EXPECT_EQ(error_of("{\"limits\": {\"packet_size\": 1024}}"),
            "profile.json:1:13: key \"limits.packet_size\": unknown key");
  EXPECT_EQ(error_of("{\"max_packet_size\": 1024}"), "profile.json:1:2: key \"max_packet_size\": unknown key");
}

TEST(Profile, RequirementsAreMetOnlyByDeclarations) {
  Profile profile;
  EXPECT_TRUE(unmet_requirement(profile, "credentials", false).has_value());
  EXPECT_EQ(unmet_requirement(profile, "credentials", true), std::nullopt);
  EXPECT_TRUE(unmet_requirement(profile, "acl_denied_topic", false).has_value());
  EXPECT_TRUE(unmet_requirement(profile, "max_qos", false).has_value());
  EXPECT_TRUE(unmet_requirement(profile, "max_packet_size", false).has_value());
  EXPECT_TRUE(unmet_requirement(profile, "zero_length_client_id", false).has_value());
  // A stock broker has retained messages and wildcards unless the profile says otherwise.
  EXPECT_EQ(unmet_requirement(profile, "retain_available", false), std::nullopt);
  profile.retain_available = false;
  EXPECT_TRUE(unmet_requirement(profile, "retain_available", false).has_value());
  profile.acl_denied_topic = "x";
  profile.max_qos = 2;
  profile.limits.max_packet_size = 100;
  profile.zero_length_client_id = ZeroLengthClientId::accept;
  profile.credentials = Credentials{"u", "p"};
  for (const char* requirement : {"credentials", "acl_denied_topic", "max_qos", "max_packet_size", "zero_length_client_id"}) {
    EXPECT_EQ(unmet_requirement(profile, requirement, false), std::nullopt) << requirement;
  }
}

}  // namespace
}  // namespace mqtt::runner
