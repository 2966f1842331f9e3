// Hand-made CONNECT bytes get the target's user name and password without changing anything else about them: a
// CONNECT that is malformed for another reason must stay malformed in exactly that way.
#include <gtest/gtest.h>

#include "codec/decoder.hpp"
#include "runner/connect_credentials.hpp"

namespace mqtt::runner {
namespace {

Bytes hex(std::string_view text) {
  Bytes bytes;
  std::string digits;
  for (char character : text) {
    if (character == ' ') continue;
    digits.push_back(character);
    if (digits.size() == 2) {
      bytes.push_back(static_cast<std::uint8_t>(std::stoi(digits, nullptr, 16)));
      digits.clear();
    }
  }
  return bytes;
}

// The valid CONNECT of connect.second_connect: client id "mhsecond1", clean session, keep alive 30.
const Bytes valid_connect = hex("10 15 00 04 4d 51 54 54 04 02 00 1e 00 09 6d 68 73 65 63 6f 6e 64 31");

TEST(ConnectCredentials, ValidConnectDecodesWithTheCredentialsAndEverythingElseKept) {
  const auto inserted = insert_credentials(valid_connect, "dtu-operator", std::string("field-secret-42"));
  ASSERT_TRUE(inserted.has_value());
  const auto decoded = decode_packet(inserted->bytes, Sender::client, ProtocolVersion::v3_1_1);
  const auto* packet = std::get_if<Packet>(&decoded);
  ASSERT_NE(packet, nullptr) << "the rewritten CONNECT must still decode";
  const auto& connect = std::get<Connect>(*packet);
  EXPECT_EQ(connect.client_id, "mhsecond1");
  EXPECT_EQ(connect.keep_alive, 30);
  EXPECT_TRUE(connect.clean_session);
  EXPECT_EQ(connect.username, "dtu-operator");
  ASSERT_TRUE(connect.password.has_value());
  EXPECT_EQ(std::string(connect.password->begin(), connect.password->end()), "field-secret-42");
  // The password is where the result says, for redaction.
  EXPECT_EQ(std::string(inserted->bytes.begin() + static_cast<std::ptrdiff_t>(inserted->password_offset),
                        inserted->bytes.begin() + static_cast<std::ptrdiff_t>(inserted->password_offset +
                                                                               inserted->password_size)),
            "field-secret-42");
  EXPECT_EQ(inserted->bytes[1], 0x15 + 2 + 12 + 2 + 15) << "remaining length grows by both fields";
  EXPECT_EQ(inserted->bytes[9], 0xc2) << "user name and password flags set, clean session kept";
}

TEST(ConnectCredentials, UserNameWithoutPasswordSetsOnlyItsFlag) {
  const auto inserted = insert_credentials(valid_connect, "alice", std::nullopt);
  ASSERT_TRUE(inserted.has_value());
  EXPECT_EQ(inserted->bytes[9], 0x82);
  EXPECT_EQ(inserted->password_size, 0u);
  const auto decoded = decode_packet(inserted->bytes, Sender::client, ProtocolVersion::v3_1_1);
  ASSERT_NE(std::get_if<Packet>(&decoded), nullptr);
  EXPECT_FALSE(std::get<Connect>(std::get<Packet>(decoded)).password.has_value());
}

// Each malformed CONNECT of the suite keeps its defect: the same bytes up to the end of the original packet, apart
// from the remaining length and the two flags.
void expect_defect_kept(const Bytes& original, std::string_view name) {
  const auto inserted = insert_credentials(original, "u", std::string("p"));
  ASSERT_TRUE(inserted.has_value()) << name;
  const Bytes& out = inserted->bytes;
  ASSERT_EQ(out.size(), original.size() + 3 + 3) << name;
  EXPECT_EQ(out[0], original[0]) << name;
  for (std::size_t index = 2; index < original.size(); ++index) {
    const std::uint8_t expected = index == 9 ? original[index] | 0xc0 : original[index];
    EXPECT_EQ(out[index], expected) << name << " byte " << index;
  }
  EXPECT_EQ(Bytes(out.end() - 6, out.end()), (Bytes{0x00, 0x01, 'u', 0x00, 0x01, 'p'})) << name;
  // Whatever made the original undecodable still makes the rewritten one undecodable.
  const auto decoded = decode_packet(out, Sender::client, ProtocolVersion::v3_1_1);
  EXPECT_NE(std::get_if<DecodeError>(&decoded), nullptr) << name << " now decodes";
}

TEST(ConnectCredentials, MalformedConnectsStayMalformedInTheSameWay) {
  expect_defect_kept(hex("10 15 00 04 4d 51 54 54 04 03 00 1e 00 09 6d 68 72 73 76 62 69 74 31"), "reserved flag");
  expect_defect_kept(hex("10 19 00 04 4d 51 54 54 04 1e 00 1e 00 07 6d 68 77 71 6f 73 33 00 01 77 00 01 78"),
                     "will QoS 3");
  expect_defect_kept(hex("10 12 00 04 4d 51 54 54 04 02 00 1e 00 06 6d 68 ed a0 80 73"), "UTF-16 surrogate");
  expect_defect_kept(hex("10 19 00 04 4d 51 54 54 04 06 00 1e 00 07 6d 68 77 74 75 74 66 00 01 ff 00 01 78"),
                     "will topic not UTF-8");
  expect_defect_kept(hex("10 14 00 04 4d 51 54 54 04 0a 00 1e 00 08 6d 68 77 71 6f 73 30 66"), "will QoS without flag");
}

TEST(ConnectCredentials, BytesAfterTheConnectAreKept) {
  Bytes two_packets = valid_connect;
  two_packets.insert(two_packets.end(), {0xc0, 0x00});  // a PINGREQ right behind it
  const auto inserted = insert_credentials(two_packets, "u", std::string("p"));
  ASSERT_TRUE(inserted.has_value());
  EXPECT_EQ(Bytes(inserted->bytes.end() - 2, inserted->bytes.end()), (Bytes{0xc0, 0x00}));
  EXPECT_EQ(inserted->bytes[1], 0x15 + 6);
}

TEST(ConnectCredentials, RemainingLengthGrowsToTwoBytesWhenNeeded) {
  const std::string long_name(120, 'n');
  const auto inserted = insert_credentials(valid_connect, long_name, std::nullopt);
  ASSERT_TRUE(inserted.has_value());
  const std::size_t remaining = 0x15 + 2 + long_name.size();  // 143: two length bytes
  EXPECT_EQ(inserted->bytes[1], (remaining % 128) | 0x80);
  EXPECT_EQ(inserted->bytes[2], remaining / 128);
  const auto decoded = decode_packet(inserted->bytes, Sender::client, ProtocolVersion::v3_1_1);
  ASSERT_NE(std::get_if<Packet>(&decoded), nullptr);
  EXPECT_EQ(std::get<Connect>(std::get<Packet>(decoded)).username, long_name);
}

TEST(ConnectCredentials, LeavesAloneWhatItCannotRewrite) {
  // Not a CONNECT.
  EXPECT_FALSE(insert_credentials(hex("c0 00"), "u", std::string("p")));
  // Empty, a truncated length, a remaining length the bytes do not hold, a five-byte length.
  EXPECT_FALSE(insert_credentials(Bytes{}, "u", std::string("p")));
  EXPECT_FALSE(insert_credentials(hex("10"), "u", std::string("p")));
  EXPECT_FALSE(insert_credentials(hex("10 15 00 04 4d 51"), "u", std::string("p")));
  EXPECT_FALSE(insert_credentials(hex("10 ff ff ff ff 7f"), "u", std::string("p")));
  // The header ends before the flags byte (connect.client_id.missing has it; this one does not).
  EXPECT_FALSE(insert_credentials(hex("10 06 00 04 4d 51 54 54"), "u", std::string("p")));
  // User name or password flag already set: the case chose its own credentials (or is about them).
  EXPECT_FALSE(insert_credentials(hex("10 14 00 04 4d 51 54 54 04 82 00 1e 00 08 6d 68 75 6e 6d 69 73 73"), "u",
                                  std::string("p")));
  EXPECT_FALSE(insert_credentials(hex("10 1a 00 04 4d 51 54 54 04 42 00 1e 00 0a 6d 68 70 77 6e 6f 75 73 65 72 00 02 70 77"),
                                  "u", std::string("p")));
  // A field longer than the protocol allows.
  EXPECT_FALSE(insert_credentials(valid_connect, std::string(65536, 'u'), std::nullopt));
}

TEST(ConnectCredentials, ConnectWithNoPayloadStillGetsThem) {
  // connect.client_id.missing: the header is complete, the payload empty.
  const auto inserted = insert_credentials(hex("10 0a 00 04 4d 51 54 54 04 02 00 1e"), "u", std::string("p"));
  ASSERT_TRUE(inserted.has_value());
  EXPECT_EQ(inserted->bytes, hex("10 10 00 04 4d 51 54 54 04 c2 00 1e 00 01 75 00 01 70"));
}

}  // namespace
}  // namespace mqtt::runner
