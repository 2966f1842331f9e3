// The message token read in one pass (read_token) says what token_of and numbered_token say, on the payloads
// that set them apart, and the token hash tells a fleet's tokens apart.
#include "simulator/message_token.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_set>

namespace mqtt::simulator {
namespace {

Bytes bytes_of(const std::string& text) { return Bytes(text.begin(), text.end()); }

void expect_read_as_before(const std::string& payload) {
  const auto bytes = bytes_of(payload);
  const auto token = read_token(bytes);
  EXPECT_EQ(token.text, token_of(bytes)) << payload;
  const auto numbered = token.text.empty() ? std::nullopt : numbered_token(token.text);
  ASSERT_EQ(token.numbered, numbered.has_value()) << payload;
  if (numbered) {
    EXPECT_EQ(token.client, numbered->first) << payload;
    EXPECT_EQ(token.number, numbered->second) << payload;
  }
}

TEST(MessageToken, ReadInOnePassAsTokenOfThenNumberedToken) {
  for (const std::string payload : {"dtu-a-1#7|......",
                                    "dtu-a-1#7|",
                                    "a#b#12|x",
                                    "a#1x2|",
                                    "a#|..",
                                    "#5|",
                                    "5|#",
                                    "abc|#",
                                    "abc|",
                                    "online",
                                    "",
                                    "|",
                                    "#",
                                    "a#12",
                                    "a#18446744073709551615|",
                                    "a#18446744073709551616|",
                                    "a#1844674407370955161|",
                                    "a#99999999999999999999|",
                                    "a#0|",
                                    "a1#|2#3|",
                                    "x#1|y#2|",
                                    "12|",
                                    "#|",
                                    "a#b|#1|"}) {
    expect_read_as_before(payload);
  }
  // Seeded random payloads over the characters that matter.
  std::mt19937 random(7);
  const std::string alphabet = "a#|0123456789";
  for (int round = 0; round < 20'000; ++round) {
    std::string payload(random() % 16, 'a');
    for (auto& character : payload) character = alphabet[random() % alphabet.size()];
    expect_read_as_before(payload);
  }
}

TEST(MessageToken, TheHashTellsAFleetsTokensApart) {
  std::unordered_set<std::uint64_t> hashes;
  std::size_t tokens = 0;
  for (int device = 0; device < 1000; ++device) {
    for (std::uint64_t number = 0; number < 200; ++number) {
      hashes.insert(token_hash(message_token("fanin-meter-" + std::to_string(device), number)));
      ++tokens;
    }
  }
  for (const std::string short_token : {"a#1|", "a#2|", "b#1|", "#1|", "|", ""}) {
    hashes.insert(token_hash(short_token));
    ++tokens;
  }
  EXPECT_EQ(hashes.size(), tokens);
}

}  // namespace
}  // namespace mqtt::simulator
