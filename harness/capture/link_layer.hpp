// From a captured frame to a TCP segment: link layers (Ethernet with VLAN tags, Linux cooked SLL and SLL2,
// BSD null/loopback, raw IP), IPv4 and IPv6 (extension headers walked), IP fragments reassembled through an
// IpReassembler, TCP. Checksums are never verified (loopback and offloaded captures carry bad ones). Pure.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "capture/frame.hpp"

namespace mqtt::capture {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first four
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

std::string to_string(const IpAddress& address);                          // "127.0.0.1", "::1"
std::string endpoint_text(const IpAddress& address, std::uint16_t port);  // "127.0.0.1:1883", "[::1]:1883"

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t ack = 0x10;
}  // namespace tcp_flag

struct TcpSegment {
  IpAddress source;
  IpAddress destination;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::uint32_t sequence = 0;
  std::uint32_t acknowledgement = 0;
  std::uint8_t flags = 0;
  std::span<const std::uint8_t> payload;  // the captured payload bytes
  std::uint32_t payload_length = 0;       // payload length on the wire; larger than payload.size() when the
                                          // capture's snaplen cut the frame
};

// Why a frame carried no usable TCP segment (for the capture's notes); empty when it did.
struct LinkOutcome {
  std::optional<TcpSegment> segment;
  std::string_view skipped;  // "not IP", "not TCP", "IP fragment", "IP fragment, held for reassembly",
                             // "headers cut by snaplen", "unsupported link type", ...
};

class IpReassembler;

// Without a reassembler, IP fragments are skipped ("IP fragment"). With one, they are held until their
// datagram is complete, and the frame that completes it yields the TCP segment (payload valid until the next
// call); unfragmented frames take the same path as without one.
LinkOutcome parse_frame(const Frame& frame, IpReassembler* reassembler = nullptr);

// Does parse_frame read this LINKTYPE_* value (Ethernet, SLL, SLL2, null, loop, raw IP)?
bool is_supported_link_type(int link_type);

}  // namespace mqtt::capture
