// Placeholders and the per-run names they expand to.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runner/case_identity.hpp"
#include "runner/placeholders.hpp"

namespace mqtt::runner {
namespace {

PlaceholderValues sample_values() {
  PlaceholderValues values;
  values.prefix = "mh/0123abcd";
  values.client_ids = {{"sub", "mh0123abcd9f3asub"}, {"pub", "mh0123abcd11c2pub"}};
  values.username = "alice";
  values.password = "secret";
  values.wrong_password = "mh-wrong-1";
  values.acl_denied_topic = "private/x";
  return values;
}

TEST(Placeholders, ExpandsEveryKnownName) {
  EXPECT_EQ(substitute("{prefix}/a/{client:sub}", sample_values()), "mh/0123abcd/a/mh0123abcd9f3asub");
  EXPECT_EQ(substitute("{username}:{password}:{wrong_password}", sample_values()), "alice:secret:mh-wrong-1");
  EXPECT_EQ(substitute("{denied_topic}", sample_values()), "private/x");
  EXPECT_EQ(substitute("{acl_denied_topic}", sample_values()), "private/x");
}

TEST(Placeholders, LeavesBracesThatAreNotPlaceholdersAlone) {
  EXPECT_EQ(substitute(R"({} {"a": 1} {1x} {prefix)", sample_values()), R"({} {"a": 1} {1x} {prefix)");
}

TEST(Placeholders, MissingValueOrUnknownNameThrows) {
  PlaceholderValues values = sample_values();
  values.username.reset();
  EXPECT_THROW(substitute("{username}", values), PlaceholderError);
  EXPECT_THROW(substitute("{nonsense}", values), PlaceholderError);
  EXPECT_THROW(substitute("{client:nobody}", values), PlaceholderError);
}

TEST(Placeholders, ProblemsAreFoundWhenLoading) {
  EXPECT_EQ(placeholder_problem("{prefix}/{client:a}", {"a"}), std::nullopt);
  EXPECT_EQ(placeholder_problem("{prefx}", {"a"}), "unknown placeholder {prefx}");
  EXPECT_EQ(placeholder_problem("{client:b}", {"a"}),
            "placeholder {client:b} names client \"b\", which no step uses");
}

TEST(Placeholders, SubstitutesStringsInsidePacketJsonButNotKeys) {
  const auto packet = nlohmann::json::parse(R"({"type": "PUBLISH", "topic": "{prefix}/t", "{prefix}": ["{client:pub}", 3]})");
  const auto out = substitute_json(packet, sample_values());
  EXPECT_EQ(out["topic"], "mh/0123abcd/t");
  EXPECT_EQ(out["{prefix}"][0], "mh0123abcd11c2pub");
  EXPECT_EQ(out["{prefix}"][1], 3);
}

TEST(CaseIdentity, SameSeedGivesSameNamesAndDifferentSeedsDiffer) {
  const std::vector<std::string> names = {"sub", "a-very-long-client-name-indeed"};
  const auto first = derive_identity(42, "publish.retain.replace", names);
  const auto again = derive_identity(42, "publish.retain.replace", names);
  const auto other_seed = derive_identity(43, "publish.retain.replace", names);
  const auto other_case = derive_identity(42, "publish.retain.clear", names);
  EXPECT_EQ(first.prefix, again.prefix);
  EXPECT_EQ(first.client_ids, again.client_ids);
  EXPECT_NE(first.prefix, other_seed.prefix);
  EXPECT_NE(first.prefix, other_case.prefix);
  EXPECT_TRUE(first.prefix.starts_with("mh/"));
  for (const auto& [name, id] : first.client_ids) {
    EXPECT_LE(id.size(), 23u) << id;
    for (char character : id) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(character))) << id;
    }
  }
  EXPECT_NE(first.client_ids.at("sub"), first.client_ids.at("a-very-long-client-name-indeed"));
}

TEST(CaseIdentity, TokensAreReproducibleFromTheSeed) {
  TokenGenerator first(7), second(7), other(8);
  const auto token = first.next();
  EXPECT_EQ(token, second.next());
  EXPECT_NE(token, other.next());
  EXPECT_TRUE(token.starts_with("mh1 "));
  EXPECT_EQ(token.size(), 4u + 16u);
  EXPECT_NE(first.next(), token);
}

}  // namespace
}  // namespace mqtt::runner
