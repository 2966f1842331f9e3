#include "ip_fragmenter.hpp"

#include <stdexcept>

namespace mqtt::capture::test {

std::vector<Bytes> fragment_ipv4(const Bytes& packet, std::size_t piece, std::uint16_t identification) {
  if (packet.size() < 20 || (packet[0] >> 4) != 4 || piece % 8 != 0)
    throw std::invalid_argument("fragment_ipv4");
  const std::size_t header = static_cast<std::size_t>(packet[0] & 0x0F) * 4;
  std::vector<Bytes> out;
  for (std::size_t at = header; at < packet.size(); at += piece) {
    const std::size_t length = std::min(piece, packet.size() - at);
    const bool more = at + length < packet.size();
    Bytes fragment(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(header));
    const std::size_t total = header + length;
    fragment[2] = static_cast<std::uint8_t>(total >> 8);
    fragment[3] = static_cast<std::uint8_t>(total);
    fragment[4] = static_cast<std::uint8_t>(identification >> 8);
    fragment[5] = static_cast<std::uint8_t>(identification);
    const auto field = static_cast<std::uint16_t>((more ? 0x2000 : 0) | ((at - header) / 8));
    fragment[6] = static_cast<std::uint8_t>(field >> 8);
    fragment[7] = static_cast<std::uint8_t>(field);
    fragment.insert(fragment.end(), packet.begin() + static_cast<std::ptrdiff_t>(at),
                    packet.begin() + static_cast<std::ptrdiff_t>(at + length));
    out.push_back(std::move(fragment));
  }
  return out;
}

std::vector<Bytes> fragment_ipv6(const Bytes& packet, std::size_t piece, std::uint32_t identification) {
  if (packet.size() < 40 || (packet[0] >> 4) != 6 || piece % 8 != 0)
    throw std::invalid_argument("fragment_ipv6");
  const std::uint8_t next = packet[6];
  std::vector<Bytes> out;
  for (std::size_t at = 40; at < packet.size(); at += piece) {
    const std::size_t length = std::min(piece, packet.size() - at);
    const bool more = at + length < packet.size();
    Bytes fragment(packet.begin(), packet.begin() + 40);
    const std::size_t payload = 8 + length;
    fragment[4] = static_cast<std::uint8_t>(payload >> 8);
    fragment[5] = static_cast<std::uint8_t>(payload);
    fragment[6] = 44;  // Fragment header
    const auto field = static_cast<std::uint16_t>((at - 40) | (more ? 1 : 0));
    fragment.insert(
        fragment.end(),
        {next, 0, static_cast<std::uint8_t>(field >> 8), static_cast<std::uint8_t>(field),
         static_cast<std::uint8_t>(identification >> 24), static_cast<std::uint8_t>(identification >> 16),
         static_cast<std::uint8_t>(identification >> 8), static_cast<std::uint8_t>(identification)});
    fragment.insert(fragment.end(), packet.begin() + static_cast<std::ptrdiff_t>(at),
                    packet.begin() + static_cast<std::ptrdiff_t>(at + length));
    out.push_back(std::move(fragment));
  }
  return out;
}

}  // namespace mqtt::capture::test
