// The one redaction point: URL passwords in free text, CONNECT passwords in packets and bytes, a mask of one
// length whatever the password's, bytes that still decode, and nothing shown that might hold a password.
#include <gtest/gtest.h>

#include <string>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "reports/redaction.hpp"
#include "tests/reports/sample_results.hpp"
#include "tests/support/secret_search.hpp"

namespace mqtt::reports {
namespace {

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

std::string text_of(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

Connect login(std::string_view password, ProtocolVersion version = ProtocolVersion::v3_1_1) {
  Connect connect;
  connect.version = version;
  connect.client_id = "device-7";
  connect.username = "alice";
  connect.password = bytes_of(password);
  return connect;
}

history::Event sent(const Connect& connect) {
  return history::Event{.sequence = 1, .connection = 1, .actor = "device", .kind = history::EventKind::sent,
                        .packet = Packet(connect), .raw = encode(Packet(connect))};
}

Connect decoded_connect(const Bytes& raw, ProtocolVersion version) {
  auto decoded = decode_packet(raw, Sender::client, version);
  EXPECT_TRUE(std::holds_alternative<Packet>(decoded)) << "masked bytes no longer decode";
  if (!std::holds_alternative<Packet>(decoded)) return {};
  return std::get<Connect>(std::get<Packet>(decoded));
}

TEST(Redaction, MasksUrlPasswordsWhereverTheyAppear) {
  EXPECT_EQ(redact_text("mqtt://alice:pw@host:1883"), "mqtt://alice:***@host:1883");
  EXPECT_EQ(redact_text("mqtts://alice:***@host"), "mqtts://alice:***@host");
  EXPECT_EQ(redact_text("mqtt://host:1883/path"), "mqtt://host:1883/path");
  EXPECT_EQ(redact_text("mqtt://alice@host"), "mqtt://alice@host");
  EXPECT_EQ(redact_text("alice:pw@host:1883"), "alice:***@host:1883");
  EXPECT_EQ(redact_text("could not reach ws://u:p@h:80/mqtt and tcp://v:q@h"),
            "could not reach ws://u:***@h:80/mqtt and tcp://v:***@h");
  EXPECT_EQ(redact_text("a note: nothing secret"), "a note: nothing secret");
}

TEST(Redaction, MasksUrlPasswordsHoldingAtSignsSlashesAndQuestionMarks) {
  EXPECT_EQ(redact_text("to mqtt://alice:p@ss/w?rd#1@host:1883 failed"), "to mqtt://alice:***@host:1883 failed");
  EXPECT_EQ(redact_target("mqtt://alice:my pass@word@host"), "mqtt://alice:***@host");
  EXPECT_EQ(redact_target("mqtt://alice@host"), "mqtt://alice@host");
  EXPECT_EQ(redact_target("not a url"), "not a url");
}

TEST(Redaction, ConnectPasswordsBecomeOneFixedMaskWhateverTheirLength) {
  for (const std::string& password : {std::string(), std::string("x"), std::string("hunter2-secret"), std::string(300, 'p')}) {
    const history::Event redacted = redact_event(sent(login(password)));
    const Connect& connect = std::get<Connect>(*redacted.packet);
    EXPECT_EQ(text_of(*connect.password), redaction_mask) << password.size();
    // The bytes are those of the same CONNECT with the mask as its password: re-framed, so they still decode.
    EXPECT_EQ(redacted.raw, encode(Packet(login(redaction_mask)))) << password.size();
    EXPECT_EQ(decoded_connect(redacted.raw, ProtocolVersion::v3_1_1), login(redaction_mask));
  }
}

TEST(Redaction, MasksTheMqtt5PasswordAfterPropertiesAndAWill) {
  Connect connect = login("v5-secret-password", ProtocolVersion::v5);
  connect.properties.push_back(Property{PropertyId::session_expiry_interval, std::uint32_t{3600}});
  connect.will = Will{.topic = "site/7/status", .payload = bytes_of("offline"), .qos = QoS::at_least_once,
                      .retain = true};
  connect.will->properties.push_back(Property{PropertyId::will_delay_interval, std::uint32_t{5}});
  const history::Event redacted = redact_event(sent(connect));
  EXPECT_EQ(test_support::leaked_form(text_of(redacted.raw), "v5-secret-password"), "");
  Connect expected = connect;
  expected.password = bytes_of(redaction_mask);
  EXPECT_EQ(decoded_connect(redacted.raw, ProtocolVersion::v5), expected);
}

TEST(Redaction, UndecodedConnectBytesAreMaskedOrCutBeforeThePassword) {
  const Bytes whole = encode(Packet(login("captured-secret-99")));
  // A raw CONNECT the codec never decoded (a malformed client packet in a capture): still masked.
  history::Event raw_only{.sequence = 1, .connection = 1, .kind = history::EventKind::sent, .raw = whole};
  EXPECT_EQ(redact_event(raw_only).raw, encode(Packet(login(redaction_mask))));

  // Cut inside the password: what could be shown ends before the password's length field.
  raw_only.raw.assign(whole.begin(), whole.end() - 4);
  const history::Event cut = redact_event(raw_only);
  EXPECT_EQ(test_support::leaked_form(text_of(cut.raw), "captured-secret"), "");
  EXPECT_EQ(cut.raw.size(), whole.size() - std::string("captured-secret-99").size() - 2);
  EXPECT_NE(cut.detail.find("withheld"), std::string::npos) << cut.detail;

  // A protocol name whose length runs past the packet: nothing after it can be shown to hold no password.
  Bytes bogus = whole;
  bogus[2] = 0x00;
  bogus[3] = 0xF0;
  raw_only.raw = bogus;
  const history::Event unreadable = redact_event(raw_only);
  EXPECT_EQ(unreadable.raw, Bytes(bogus.begin(), bogus.begin() + 2));
}

TEST(Redaction, ConnectsWithoutAPasswordAndOtherPacketsAreLeftAlone) {
  Connect anonymous = login("");
  anonymous.username.reset();
  anonymous.password.reset();
  const history::Event event = sent(anonymous);
  EXPECT_FALSE(needs_redaction(event));
  EXPECT_EQ(redact_event(event), event);
  Publish publish;
  publish.topic = "a/b";
  publish.payload = bytes_of("mqtt://x:y@z is only a payload");
  history::Event published{.kind = history::EventKind::sent, .packet = Packet(publish), .raw = encode(Packet(publish))};
  EXPECT_EQ(redact_event(published), published);
}

TEST(Redaction, RedactingTwiceChangesNothingMore) {
  const auto once = redact(testing::sample_results());
  EXPECT_FALSE(needs_redaction(once));
  std::optional<results::Results> storage;
  EXPECT_EQ(&redacted(once, storage), &once) << "redacted results are not copied again";
  EXPECT_FALSE(storage);
  EXPECT_TRUE(needs_redaction(testing::sample_results()));
}

}  // namespace
}  // namespace mqtt::reports
