// Test support: splits an IP packet (as pcap_builder's ip_packet makes it) into IPv4 fragments or IPv6
// fragments with a Fragment header, so tests can reorder, repeat, alter or drop them.
#pragma once

#include <cstdint>
#include <vector>

#include "codec/packet.hpp"

namespace mqtt::capture::test {

// `piece` bytes of the IP payload per fragment (a multiple of 8), the last one takes the rest.
std::vector<Bytes> fragment_ipv4(const Bytes& packet, std::size_t piece, std::uint16_t identification);
std::vector<Bytes> fragment_ipv6(const Bytes& packet, std::size_t piece, std::uint32_t identification);

}  // namespace mqtt::capture::test
