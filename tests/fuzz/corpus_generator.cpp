// Writes the seed corpus (valid streams and malformed packets, each prefixed by the fuzz input header).
// Usage: fuzz_corpus_generator DIRECTORY. Its output is committed under tests/fuzz/corpus/.
#include <cstdio>
#include <fstream>
#include <string>

#include "codec/encoder.hpp"
#include "fuzz_input.hpp"
#include "sample_packets.hpp"

namespace {

void write(const std::string& directory, const std::string& name, mqtt::Sender sender,
           std::optional<mqtt::ProtocolVersion> version, std::uint8_t chunk_a, std::uint8_t chunk_b,
           const mqtt::Bytes& stream) {
  std::ofstream file(directory + "/" + name, std::ios::binary);
  const std::uint8_t header[] = {mqtt::fuzzing::mode_byte(sender, version), chunk_a, chunk_b};
  file.write(reinterpret_cast<const char*>(header), sizeof header);
  file.write(reinterpret_cast<const char*>(stream.data()), static_cast<std::streamsize>(stream.size()));
}

std::string version_name(mqtt::ProtocolVersion version) {
  std::string name = "v";
  for (const char character : mqtt::to_string(version)) {
    if (character != '.') name += character;
  }
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  const std::string directory = argv[1];
  int files = 0;
  for (const auto version : mqtt::testing::all_versions) {
    const std::string tag = version_name(version);
    int index = 0;
    for (const auto& [sender, packet] : mqtt::testing::sample_packets(version)) {
      mqtt::Bytes stream;
      if (sender == mqtt::Sender::client && mqtt::packet_type(packet) != mqtt::PacketType::connect) {
        mqtt::Connect connect;
        connect.version = version;
        connect.client_id = "f";
        mqtt::encode(connect, stream);
      }
      mqtt::encode(packet, stream);
      if (stream.size() > 1024) continue;
      const std::string name = "valid_" + tag + "_" + std::to_string(index++) + "_" +
                               std::string(mqtt::to_string(mqtt::packet_type(packet)));
      write(directory, name, sender, sender == mqtt::Sender::client ? std::nullopt : std::optional(version),
            7, 255, stream);
      ++files;
    }
  }
  // Whole conversations, small packets only, so the decoder sees packets back to back.
  for (const auto version : mqtt::testing::all_versions) {
    for (const auto sender : {mqtt::Sender::client, mqtt::Sender::server}) {
      mqtt::Bytes stream;
      const auto packets = sender == mqtt::Sender::client ? mqtt::testing::client_stream(version)
                                                          : mqtt::testing::server_stream(version);
      for (const auto& packet : packets) {
        mqtt::Bytes one = mqtt::encode(packet);
        if (one.size() <= 400) stream.insert(stream.end(), one.begin(), one.end());
      }
      const std::string name =
          "stream_" + version_name(version) + (sender == mqtt::Sender::client ? "_client" : "_server");
      write(directory, name, sender, sender == mqtt::Sender::client ? std::nullopt : std::optional(version),
            2, 40, stream);
      ++files;
    }
  }
  struct Malformed {
    const char* name;
    mqtt::Sender sender;
    mqtt::ProtocolVersion version;
    mqtt::Bytes bytes;
  };
  const Malformed malformed[] = {
      {"publish_qos3", mqtt::Sender::server, mqtt::ProtocolVersion::v3_1_1, {0x36, 5, 0, 1, 'a', 0, 1}},
      {"publish_wildcard",
       mqtt::Sender::server,
       mqtt::ProtocolVersion::v3_1_1,
       {0x30, 5, 0, 3, 'a', '/', '+'}},
      {"publish_surrogate",
       mqtt::Sender::server,
       mqtt::ProtocolVersion::v5,
       {0x30, 6, 0, 3, 0xED, 0xA0, 0x80, 0}},
      {"length_five_bytes",
       mqtt::Sender::server,
       mqtt::ProtocolVersion::v3_1_1,
       {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 1}},
      {"length_non_minimal", mqtt::Sender::server, mqtt::ProtocolVersion::v5, {0xD0, 0x80, 0x00}},
      {"suback_code_3", mqtt::Sender::server, mqtt::ProtocolVersion::v3_1_1, {0x90, 3, 0, 1, 3}},
      {"connack_reserved", mqtt::Sender::server, mqtt::ProtocolVersion::v5, {0x20, 3, 0x02, 0, 0}},
      {"puback_duplicate_reason_string",
       mqtt::Sender::server,
       mqtt::ProtocolVersion::v5,
       {0x40, 10, 0, 1, 0, 6, 0x1F, 0, 0, 0x1F, 0, 0}},
      {"subscribe_bad_filter",
       mqtt::Sender::client,
       mqtt::ProtocolVersion::v3_1_1,
       {0x82, 9, 0, 1, 0, 4, 'a', '/', '#', 'b', 0}},
      {"subscribe_empty", mqtt::Sender::client, mqtt::ProtocolVersion::v3_1_1, {0x82, 2, 0, 1}},
      {"auth_in_311", mqtt::Sender::client, mqtt::ProtocolVersion::v3_1_1, {0xF0, 0}},
      {"connect_bad_name",
       mqtt::Sender::client,
       mqtt::ProtocolVersion::v3_1_1,
       {0x10, 13, 0, 4, 'M', 'Q', 'T', 'X', 4, 2, 0, 60, 0, 1, 'x'}},
      {"connect_will_qos_without_will",
       mqtt::Sender::client,
       mqtt::ProtocolVersion::v3_1_1,
       {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x0A, 0, 60, 0, 1, 'x'}},
      {"truncated_puback", mqtt::Sender::server, mqtt::ProtocolVersion::v5, {0x40, 4, 0, 1, 0}},
  };
  for (const auto& entry : malformed) {
    write(directory, std::string("malformed_") + entry.name, entry.sender, entry.version, 0, 3, entry.bytes);
    ++files;
  }
  std::printf("wrote %d corpus files to %s\n", files, directory.c_str());
  return 0;
}
