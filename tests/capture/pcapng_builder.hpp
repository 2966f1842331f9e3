// Test support: writes pcapng files block by block — Section Header Blocks in either byte order, Interface
// Description Blocks of any link type with if_tsresol / if_tsoffset, Enhanced, Simple and obsolete Packet
// Blocks, and blocks a reader must skip — so tests can mix link types and sections the way libpcap refuses.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "codec/packet.hpp"

namespace mqtt::capture::test {

class PcapngBuilder {
 public:
  explicit PcapngBuilder(bool big_endian = false);  // starts the first section
  void section(bool big_endian);                    // starts another section (its interfaces start at 0)
  // Returns the interface id in the current section.
  std::uint32_t interface(std::uint32_t link_type, std::uint32_t snaplen = 0,
                          std::optional<std::uint8_t> tsresol = std::nullopt,
                          std::optional<std::int64_t> tsoffset_seconds = std::nullopt);
  // Time stamps are in the interface's units; `captured` cuts the data, keeping the original length.
  void enhanced(std::uint32_t interface, std::uint64_t units, const Bytes& frame,
                std::optional<std::size_t> captured = std::nullopt);
  void simple(const Bytes& frame);
  void obsolete(std::uint16_t interface, std::uint64_t units, const Bytes& frame);
  void other(std::uint32_t type, std::size_t body_length);  // e.g. name resolution (4), statistics (5)

  const Bytes& bytes() const { return bytes_; }
  // Byte offsets where each packet block ends, in file order.
  const std::vector<std::size_t>& packet_ends() const { return packet_ends_; }
  void write(const std::filesystem::path& path) const;

 private:
  void block(std::uint32_t type, const Bytes& body);
  void put16(Bytes& out, std::uint16_t value) const;
  void put32(Bytes& out, std::uint32_t value) const;
  bool big_endian_ = false;
  Bytes bytes_;
  std::uint32_t interfaces_ = 0;
  std::vector<std::size_t> packet_ends_;
};

}  // namespace mqtt::capture::test
