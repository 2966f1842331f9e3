// The lookups the fifth cut of the judging thread's CPU put on the per-message path (issue 16): the memo of
// statements exercised (answered by a literal's address), connections found by id, and a payload token read
// without find_first_of. Each must answer exactly as the slower lookup it stands in front of.
// The model's headers first: model_state.hpp's unqualified quoted(std::string) would also find std::quoted by
// argument-dependent lookup once gtest has brought in <iomanip>.
#include "model/id_index.hpp"
#include "model/message_identity.hpp"
#include "model/model_state.hpp"
#include "model/statement_memo.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mqtt::model::detail {
namespace {

// A statement exercised through a literal is cited once per version it is judged under: the address answers a
// repeat only for the version it was entered for.
TEST(StatementMemo, ALiteralIsEnteredOncePerJudgedVersion) {
  ModelState model(CheckOptions{});
  model.judged = ProtocolVersion::v3_1_1;
  model.exercise("MQTT-3.3.1-9");
  model.exercise("MQTT-3.3.1-9");
  model.judged = ProtocolVersion::v5;
  model.exercise("MQTT-3.3.1-9");
  ASSERT_EQ(model.verdicts.exercised_by_spec.size(), 2u);
  for (const auto& [spec, statements] : model.verdicts.exercised_by_spec) {
    EXPECT_EQ(statements.size(), 1u) << spec;
  }
  // The same statements as exercising the text through a std::string (the slow path) files.
  ModelState by_text(CheckOptions{});
  by_text.judged = ProtocolVersion::v3_1_1;
  by_text.exercise(std::string("MQTT-3.3.1-9"));
  by_text.judged = ProtocolVersion::v5;
  by_text.exercise(std::string("MQTT-3.3.1-9"));
  EXPECT_EQ(model.verdicts.exercised, by_text.verdicts.exercised);
  EXPECT_EQ(model.verdicts.exercised_by_spec, by_text.verdicts.exercised_by_spec);
}

// More literals than the table's first size: it grows and forgets none of them, nor mixes their versions.
TEST(StatementMemo, TheLiteralTableGrowsWithoutLosingAnEntry) {
  StatementMemo memo;
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> made;
    for (int i = 0; i < 1000; ++i) made.push_back("statement " + std::to_string(i));
    return made;
  }();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_FALSE(memo.literal_known(texts[i].c_str(), ProtocolVersion::v3_1_1)) << i;
    memo.remember_literal(texts[i].c_str(), i % 2 == 0 ? ProtocolVersion::v3_1_1 : ProtocolVersion::v5);
  }
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(memo.literal_known(texts[i].c_str(), ProtocolVersion::v3_1_1), i % 2 == 0) << i;
    EXPECT_EQ(memo.literal_known(texts[i].c_str(), ProtocolVersion::v5), i % 2 == 1) << i;
    EXPECT_FALSE(memo.literal_known(texts[i].c_str(), ProtocolVersion::v3_1)) << i;
  }
}

// Text at a reused address (a std::string's buffer) is compared, so other text there is not taken as entered.
TEST(StatementMemo, OtherTextAtTheSameAddressIsNotTakenAsEntered) {
  StatementMemo memo;
  std::string text = "MQTT-4.6.0-6";
  EXPECT_FALSE(memo.entered_text(text, ProtocolVersion::v3_1_1));
  EXPECT_TRUE(memo.entered_text(text, ProtocolVersion::v3_1_1));
  text = "MQTT-4.6.0-5";  // same length: the same buffer
  EXPECT_FALSE(memo.entered_text(text, ProtocolVersion::v3_1_1));
  EXPECT_FALSE(memo.entered_text(text, ProtocolVersion::v5));
  EXPECT_TRUE(memo.entered_text(text, ProtocolVersion::v5));
}

TEST(IdIndex, FindsWhatWasSetUntilForgottenAndACopyStartsEmpty) {
  int first = 1;
  int second = 2;
  IdIndex<int> index;
  EXPECT_EQ(index.find(7), nullptr);
  index.set(7, &first);
  index.set(2, &second);
  index.set(IdIndex<int>::largest_id + 1, &first);  // not indexed: the caller falls back to its map
  EXPECT_EQ(index.find(7), &first);
  EXPECT_EQ(index.find(2), &second);
  EXPECT_EQ(index.find(3), nullptr);
  EXPECT_EQ(index.find(IdIndex<int>::largest_id + 1), nullptr);
  const IdIndex<int> copy = index;  // a copy's owner holds other nodes
  EXPECT_EQ(copy.find(7), nullptr);
  index.forget(7);
  EXPECT_EQ(index.find(7), nullptr);
  EXPECT_EQ(index.find(2), &second);
}

// The model's connection lookups by id agree with its map, also after the map was copied.
TEST(IdIndex, TheModelFindsItsOwnConnectionsAfterACopy) {
  ModelState model(CheckOptions{});
  history::Event event;
  event.connection = 4;
  event.actor = "device-4";
  auto& made = model.connection(event);
  EXPECT_EQ(model.find_connection(4), &made);
  EXPECT_EQ(model.find_connection(5), nullptr);
  const ModelState copy = model;
  ASSERT_NE(copy.find_connection(4), nullptr);
  EXPECT_EQ(copy.find_connection(4), &copy.connections.at(4));
  EXPECT_EQ(copy.find_connection(4)->actor, "device-4");
}

Bytes bytes_of(const std::string& text) { return Bytes(text.begin(), text.end()); }

// The token of "mh1 <token>" ends at the first blank of any kind; the key is the prefix and the token.
TEST(MessageIdentity, ATokenEndsAtTheFirstBlankOfAnyKind) {
  for (const std::string blank : {" ", "\t", "\r", "\n"}) {
    const auto identity = identify_message("a/b", bytes_of("mh1 abc-42" + blank + "rest of the payload"));
    EXPECT_TRUE(identity.tokened);
    EXPECT_EQ(identity.key, "mh1 abc-42");
  }
  EXPECT_EQ(identify_message("a/b", bytes_of("mh1 abc-42")).key, "mh1 abc-42");
  // An empty token is no token: the key falls back to the digest of topic and payload.
  EXPECT_FALSE(identify_message("a/b", bytes_of("mh1  abc")).tokened);
  EXPECT_FALSE(identify_message("a/b", bytes_of("mh1 ")).tokened);
  EXPECT_FALSE(identify_message("a/b", bytes_of("mh2 abc")).tokened);
}

}  // namespace
}  // namespace mqtt::model::detail
