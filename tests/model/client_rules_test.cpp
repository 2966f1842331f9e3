// The client rules a malformed packet breaks, from the codec's own decode errors: these are the bytes the
// conformance cases send, so a change in how the codec names a field shows up here rather than as a case that
// silently stops exercising its statement.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec/decoder.hpp"
#include "model/client_rules.hpp"

namespace mqtt::model {
namespace {

Bytes hex(std::string_view text) {
  Bytes bytes;
  for (std::size_t at = 0; at + 1 < text.size();) {
    if (text[at] == ' ') {
      ++at;
      continue;
    }
    bytes.push_back(static_cast<std::uint8_t>(std::stoi(std::string(text.substr(at, 2)), nullptr, 16)));
    at += 2;
  }
  return bytes;
}

// The rules broken by these client bytes (which must not decode).
std::vector<std::string> rules_of(std::string_view bytes_hex) {
  const auto bytes = hex(bytes_hex);
  const auto decoded = decode_packet(bytes, Sender::client, ProtocolVersion::v3_1_1);
  const auto* error = std::get_if<DecodeError>(&decoded);
  if (error == nullptr) return {"(decoded)"};
  return detail::broken_client_rules(*error, bytes);
}

using Rules = std::vector<std::string>;

TEST(ClientRules, ConnectFieldsMissingOrBeyondTheFlags) {
  EXPECT_EQ(rules_of("10 0a 00 04 4d 51 54 54 04 02 00 1e"), Rules{"MQTT-3.1.3-3"});  // no client id
  EXPECT_EQ(rules_of("10 13 00 04 4d 51 54 54 04 06 00 1e 00 07 6d 68 77 6d 69 73 73"),
            Rules{"MQTT-3.1.2-9"});  // will flag, no will topic
  EXPECT_EQ(rules_of("10 14 00 04 4d 51 54 54 04 82 00 1e 00 08 6d 68 75 6e 6d 69 73 73"),
            Rules{"MQTT-3.1.2-19"});  // user name flag, no user name
  EXPECT_EQ(rules_of("10 17 00 04 4d 51 54 54 04 c2 00 1e 00 08 6d 68 70 77 6d 69 73 73 00 01 75"),
            Rules{"MQTT-3.1.2-21"});  // password flag, no password
  EXPECT_EQ(rules_of("10 18 00 04 4d 51 54 54 04 02 00 1e 00 09 6d 68 75 6e 65 78 74 72 61 00 01 75"),
            (Rules{"MQTT-3.1.3-1", "MQTT-3.1.2-18"}));  // a user name without its flag
  EXPECT_EQ(rules_of("10 1c 00 04 4d 51 54 54 04 82 00 1e 00 09 6d 68 70 77 65 78 74 72 61 00 01 75 00 02 70 77"),
            (Rules{"MQTT-3.1.3-1", "MQTT-3.1.2-20"}));  // a password without its flag
}

TEST(ClientRules, ConnectFlagsAndStrings) {
  EXPECT_EQ(rules_of("10 14 00 04 4d 51 54 54 04 0a 00 1e 00 08 6d 68 77 71 6f 73 30 66"),
            Rules{"MQTT-3.1.2-11"});  // will QoS without the will flag
  EXPECT_EQ(rules_of("10 14 00 04 4d 51 54 54 04 22 00 1e 00 08 6d 68 77 72 65 74 30 66"),
            Rules{"MQTT-3.1.2-11"});  // will retain without the will flag
  EXPECT_EQ(rules_of("10 12 00 04 4d 51 54 54 04 02 00 1e 00 06 6d 68 ed a0 80 73"), Rules{"MQTT-3.1.3-4"});
  EXPECT_EQ(rules_of("10 12 00 04 4d 51 54 54 04 02 00 1e 00 06 6d 68 00 6e 75 6c"), Rules{"MQTT-3.1.3-4"});
  EXPECT_EQ(rules_of("10 19 00 04 4d 51 54 54 04 06 00 1e 00 07 6d 68 77 74 75 74 66 00 01 ff 00 01 78"),
            Rules{"MQTT-3.1.3-10"});
  EXPECT_EQ(rules_of("10 17 00 04 4d 51 54 54 04 82 00 1e 00 07 6d 68 75 6e 75 74 66 00 02 c3 28"),
            Rules{"MQTT-3.1.3-11"});
  EXPECT_EQ(rules_of("11 15 00 04 4d 51 54 54 04 02 00 1e 00 09 6d 68 66 69 78 66 6c 61 67"),
            (Rules{"MQTT-2.2.2-1", "MQTT-2.2.2-2"}));  // fixed-header flags of CONNECT
}

TEST(ClientRules, TopicsFiltersAndReservedFlags) {
  EXPECT_EQ(rules_of("30 06 00 03 ed a0 80 68"), Rules{"MQTT-3.3.2-1"});
  EXPECT_EQ(rules_of("30 06 00 03 61 00 62 68"), (Rules{"MQTT-3.3.2-1", "MQTT-4.7.3-2"}));
  EXPECT_EQ(rules_of("30 07 00 05 61 2f 2b 2f 78"), Rules{"MQTT-4.7.1-1"});  // '+' in a topic name
  EXPECT_EQ(rules_of("82 06 00 01 00 01 ff 00"), Rules{"MQTT-3.8.3-1"});
  EXPECT_EQ(rules_of("82 08 00 01 00 03 61 00 62 00"), (Rules{"MQTT-3.8.3-1", "MQTT-4.7.3-2"}));
  EXPECT_EQ(rules_of("a2 05 00 01 00 01 ff"), Rules{"MQTT-3.10.3-1"});
  for (const auto* bytes : {"c1 00", "e2 00", "80 06 00 01 00 01 61 00", "a0 05 00 01 00 01 61", "60 02 00 04",
                            "51 02 00 01", "71 02 00 01", "41 02 00 01"}) {
    EXPECT_EQ(rules_of(bytes), (Rules{"MQTT-2.2.2-1", "MQTT-2.2.2-2"})) << bytes;
  }
  EXPECT_EQ(rules_of("38 05 00 01 61 68 69"), Rules{}) << "DUP on QoS 0 is its own statement, MQTT-3.3.1-2";
  EXPECT_EQ(rules_of("40 03 00 01 00"), Rules{}) << "a PUBACK too long breaks no client rule with an id";
}

}  // namespace
}  // namespace mqtt::model
