#include "pcapng_builder.hpp"

#include <fstream>
#include <stdexcept>

namespace mqtt::capture::test {

void PcapngBuilder::put16(Bytes& out, std::uint16_t value) const {
  if (big_endian_) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value));
  } else {
    out.push_back(static_cast<std::uint8_t>(value));
    out.push_back(static_cast<std::uint8_t>(value >> 8));
  }
}

void PcapngBuilder::put32(Bytes& out, std::uint32_t value) const {
  if (big_endian_) {
    put16(out, static_cast<std::uint16_t>(value >> 16));
    put16(out, static_cast<std::uint16_t>(value));
  } else {
    put16(out, static_cast<std::uint16_t>(value));
    put16(out, static_cast<std::uint16_t>(value >> 16));
  }
}

PcapngBuilder::PcapngBuilder(bool big_endian) { section(big_endian); }

void PcapngBuilder::block(std::uint32_t type, const Bytes& body) {
  Bytes padded = body;
  while (padded.size() % 4 != 0) padded.push_back(0);
  const auto length = static_cast<std::uint32_t>(12 + padded.size());
  put32(bytes_, type);
  put32(bytes_, length);
  bytes_.insert(bytes_.end(), padded.begin(), padded.end());
  put32(bytes_, length);
}

void PcapngBuilder::section(bool big_endian) {
  big_endian_ = big_endian;
  interfaces_ = 0;
  Bytes body;
  put32(body, 0x1A2B3C4D);
  put16(body, 1);
  put16(body, 0);
  put32(body, 0xFFFFFFFF);  // section length unknown
  put32(body, 0xFFFFFFFF);
  block(0x0A0D0D0A, body);
}

std::uint32_t PcapngBuilder::interface(std::uint32_t link_type, std::uint32_t snaplen,
                                       std::optional<std::uint8_t> tsresol,
                                       std::optional<std::int64_t> tsoffset_seconds) {
  Bytes body;
  put16(body, static_cast<std::uint16_t>(link_type));
  put16(body, 0);
  put32(body, snaplen);
  put16(body, 2);  // if_name, to be skipped
  put16(body, 3);
  body.insert(body.end(), {'l', 'o', '0', 0});
  if (tsresol) {
    put16(body, 9);
    put16(body, 1);
    body.insert(body.end(), {*tsresol, 0, 0, 0});
  }
  if (tsoffset_seconds) {
    put16(body, 14);
    put16(body, 8);
    const auto value = static_cast<std::uint64_t>(*tsoffset_seconds);
    // A 64-bit integer in the section's byte order.
    if (big_endian_) {
      put32(body, static_cast<std::uint32_t>(value >> 32));
      put32(body, static_cast<std::uint32_t>(value));
    } else {
      put32(body, static_cast<std::uint32_t>(value));
      put32(body, static_cast<std::uint32_t>(value >> 32));
    }
  }
  put16(body, 0);  // opt_endofopt
  put16(body, 0);
  block(1, body);
  return interfaces_++;
}

void PcapngBuilder::enhanced(std::uint32_t interface, std::uint64_t units, const Bytes& frame,
                             std::optional<std::size_t> captured) {
  const std::size_t keep = std::min(frame.size(), captured.value_or(frame.size()));
  Bytes body;
  put32(body, interface);
  put32(body, static_cast<std::uint32_t>(units >> 32));
  put32(body, static_cast<std::uint32_t>(units));
  put32(body, static_cast<std::uint32_t>(keep));
  put32(body, static_cast<std::uint32_t>(frame.size()));
  body.insert(body.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(keep));
  block(6, body);
  packet_ends_.push_back(bytes_.size());
}

void PcapngBuilder::simple(const Bytes& frame) {
  Bytes body;
  put32(body, static_cast<std::uint32_t>(frame.size()));
  body.insert(body.end(), frame.begin(), frame.end());
  block(3, body);
  packet_ends_.push_back(bytes_.size());
}

void PcapngBuilder::obsolete(std::uint16_t interface, std::uint64_t units, const Bytes& frame) {
  Bytes body;
  put16(body, interface);
  put16(body, 0);  // drops
  put32(body, static_cast<std::uint32_t>(units >> 32));
  put32(body, static_cast<std::uint32_t>(units));
  put32(body, static_cast<std::uint32_t>(frame.size()));
  put32(body, static_cast<std::uint32_t>(frame.size()));
  body.insert(body.end(), frame.begin(), frame.end());
  block(2, body);
  packet_ends_.push_back(bytes_.size());
}

void PcapngBuilder::other(std::uint32_t type, std::size_t body_length) {
  block(type, Bytes(body_length, 0xA5));
}

void PcapngBuilder::write(const std::filesystem::path& path) const {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes_.data()), static_cast<std::streamsize>(bytes_.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace mqtt::capture::test
