// Test support: writes classic pcap files frame by frame, with the link layer a test asks for (Ethernet with
// or without a VLAN tag, Linux SLL and SLL2, BSD null loopback, raw IP) over IPv4 or IPv6, and a TCP
// conversation helper that tracks sequence numbers so tests can reorder, repeat, overlap or cut its segments.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "codec/packet.hpp"

namespace mqtt::capture::test {

enum class Link { ethernet, ethernet_vlan, sll, sll2, null_loopback, raw };

struct Endpoint {
  std::string address;  // "127.0.0.1" or "::1"
  std::uint16_t port = 0;
};

struct Segment {
  Endpoint from;
  Endpoint to;
  std::uint32_t sequence = 0;
  std::uint32_t acknowledgement = 0;
  std::uint8_t flags = 0;  // TCP flags: 0x01 FIN, 0x02 SYN, 0x04 RST, 0x10 ACK
  Bytes payload;
  std::int64_t time_ns = 0;
};

class PcapBuilder {
 public:
  explicit PcapBuilder(Link link, std::uint32_t snaplen = 65535);
  // Adds one frame; `captured` cuts the frame to that many bytes (snaplen), keeping the wire length.
  void add(const Segment& segment, std::optional<std::size_t> captured = std::nullopt);
  // Adds a frame already framed for this builder's link (link_frame).
  void add_frame(const Bytes& frame, std::int64_t time_ns,
                 std::optional<std::size_t> captured = std::nullopt);
  const Bytes& bytes() const { return bytes_; }
  void write(const std::filesystem::path& path) const;

 private:
  Link link_;
  Bytes bytes_;
};

// A TCP conversation: the handshake, data each way (one segment per call, or split), FIN and RST.
class Conversation {
 public:
  Conversation(Endpoint client, Endpoint server, std::uint32_t client_isn = 1000,
               std::uint32_t server_isn = 5000);
  std::vector<Segment> handshake();
  Segment client_sends(const Bytes& payload);
  Segment server_sends(const Bytes& payload);
  Segment client_fin();
  Segment server_fin();
  std::int64_t now() const { return time_ns_; }

 private:
  Segment make(bool from_client, std::uint8_t flags, const Bytes& payload);
  Endpoint client_;
  Endpoint server_;
  std::uint32_t client_next_;
  std::uint32_t server_next_;
  std::int64_t time_ns_ = 1'700'000'000'000'000'000;
};

// A capture file in the temporary directory, named after this process (prefix-PID-name.extension), removed
// when it goes out of scope.
class TempCapture {
 public:
  TempCapture(const std::string& prefix, const std::string& name, const std::string& extension = ".pcap");
  ~TempCapture();
  TempCapture(const TempCapture&) = delete;
  TempCapture& operator=(const TempCapture&) = delete;
  const std::filesystem::path& path() const { return path_; }
  void write(const Bytes& bytes) const;

 private:
  std::filesystem::path path_;
};

// The IP packet (IPv4 with DF, or IPv6) carrying a segment, and that packet framed for a link.
Bytes ip_packet(const Segment& segment);
Bytes link_frame(Link link, const Bytes& ip_packet);
std::uint32_t link_type_of(Link link);  // LINKTYPE_* value

// A whole QoS 1 session: handshake, CONNECT/CONNACK, PUBLISH/PUBACK on dtu/7/telemetry, DISCONNECT, FINs
// (10 segments), and with `trailing_empty` an empty client segment after the FINs (11).
std::vector<Segment> qos1_session(const Endpoint& client, const Endpoint& server,
                                  const std::string& client_id = "dtu-7", bool trailing_empty = false);

// Bytes of common packets for tests (MQTT 3.1.1).
Bytes connect_bytes(const std::string& client_id, std::uint16_t keep_alive = 60);
Bytes connack_bytes();
Bytes publish_bytes(const std::string& topic, const std::string& payload, QoS qos = QoS::at_most_once,
                    std::uint16_t packet_id = 0);
Bytes puback_bytes(std::uint16_t packet_id);
Bytes disconnect_bytes();
Bytes concat(std::initializer_list<Bytes> parts);

}  // namespace mqtt::capture::test
