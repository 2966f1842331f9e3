#include "capture/pcapng_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <limits>
#include <string>
#include <system_error>

namespace mqtt::capture {
namespace {

constexpr std::uint32_t block_section_header = 0x0A0D0D0A;  // the same in both byte orders
constexpr std::uint32_t block_interface = 0x00000001;
constexpr std::uint32_t block_packet_obsolete = 0x00000002;
constexpr std::uint32_t block_simple_packet = 0x00000003;
constexpr std::uint32_t block_enhanced_packet = 0x00000006;
constexpr std::uint32_t byte_order_magic = 0x1A2B3C4D;

constexpr std::uint16_t option_end = 0;
constexpr std::uint16_t option_if_tsresol = 9;
constexpr std::uint16_t option_if_tsoffset = 14;

std::size_t padded(std::size_t length) { return (length + 3) & ~std::size_t{3}; }

}  // namespace

PcapngReader::PcapngReader(const std::filesystem::path& file) : path_(file) {
  file_.reset(std::fopen(file.c_str(), "rb"));
  if (!file_) {
    throw CaptureError(
        file.string() + ": cannot open the capture file: " + std::generic_category().message(errno), 0, 0);
  }
  std::error_code error;
  if (std::filesystem::is_regular_file(file, error)) {
    const auto size = std::filesystem::file_size(file, error);
    if (!error) file_size_ = size;
  }
  std::setvbuf(file_.get(), nullptr, _IOFBF, 1 << 20);
  std::uint8_t header[4] = {};
  if (std::fread(header, 1, sizeof header, file_.get()) != sizeof header ||
      read32(header) != block_section_header) {
    throw CaptureError(file.string() + ": not a pcapng file (no Section Header Block at byte offset 0)", 0,
                       0);
  }
  // Start again: next() reads the Section Header Block like any later one.
  std::rewind(file_.get());
  position_ = 0;
}

void PcapngReader::fail(const std::string& reason, std::int64_t block_offset) const {
  throw CaptureError(path_.string() + ": frame " + std::to_string(frames_ + 1) + " (byte offset " +
                         std::to_string(block_offset) + "): " + reason,
                     frames_ + 1, block_offset);
}

std::uint16_t PcapngReader::read16(const std::uint8_t* at) const {
  return big_endian_ ? static_cast<std::uint16_t>(at[0] << 8 | at[1])
                     : static_cast<std::uint16_t>(at[1] << 8 | at[0]);
}

std::uint32_t PcapngReader::read32(const std::uint8_t* at) const {
  return big_endian_ ? static_cast<std::uint32_t>(at[0]) << 24 | static_cast<std::uint32_t>(at[1]) << 16 |
                           static_cast<std::uint32_t>(at[2]) << 8 | at[3]
                     : static_cast<std::uint32_t>(at[3]) << 24 | static_cast<std::uint32_t>(at[2]) << 16 |
                           static_cast<std::uint32_t>(at[1]) << 8 | at[0];
}

bool PcapngReader::read_exact(std::uint8_t* into, std::size_t count, std::int64_t block_offset) {
  const std::size_t got = std::fread(into, 1, count, file_.get());
  position_ += static_cast<std::int64_t>(got);
  if (got == count) return true;
  if (std::ferror(file_.get())) fail("read error: " + std::generic_category().message(errno), block_offset);
  if (got == 0) return false;
  fail("the file ends inside a block: " + std::to_string(count) + " more bytes expected, " +
           std::to_string(got) + " present",
       block_offset);
}

void PcapngReader::read_section_header(const std::uint8_t* magic, std::int64_t block_offset) {
  const std::uint32_t little = static_cast<std::uint32_t>(magic[3]) << 24 |
                               static_cast<std::uint32_t>(magic[2]) << 16 |
                               static_cast<std::uint32_t>(magic[1]) << 8 | magic[0];
  if (little == byte_order_magic) {
    big_endian_ = false;
  } else if (little == 0x4D3C2B1A) {
    big_endian_ = true;
  } else {
    fail("Section Header Block with a bad byte-order magic", block_offset);
  }
  interfaces_.clear();
}

void PcapngReader::read_interface(std::size_t body_length, std::int64_t block_offset) {
  // block_: link type (2), reserved (2), snaplen (4), options, trailing length (4).
  if (body_length < 12) fail("Interface Description Block too short", block_offset);
  Interface interface;
  interface.link_type = read16(block_.data());
  interface.snaplen = read32(block_.data() + 4);
  std::size_t at = 8;
  const std::size_t end = body_length - 4;
  while (at + 4 <= end) {
    const std::uint16_t code = read16(block_.data() + at);
    const std::uint16_t length = read16(block_.data() + at + 2);
    at += 4;
    if (code == option_end) break;
    if (at + length > end) fail("Interface Description Block option runs past the block", block_offset);
    const std::uint8_t* value = block_.data() + at;
    if (code == option_if_tsresol) {
      if (length != 1) fail("if_tsresol option of length " + std::to_string(length), block_offset);
      const bool binary = (value[0] & 0x80) != 0;
      const unsigned exponent = value[0] & 0x7F;
      if (binary ? exponent > 63 : exponent > 19) {
        fail("unsupported time stamp resolution (if_tsresol " + std::to_string(value[0]) + ")", block_offset);
      }
      std::uint64_t units = 1;
      for (unsigned i = 0; i < exponent; ++i) units *= binary ? 2 : 10;
      interface.units_per_second = units;
    } else if (code == option_if_tsoffset) {
      if (length != 8) fail("if_tsoffset option of length " + std::to_string(length), block_offset);
      const std::uint64_t high = read32(big_endian_ ? value : value + 4);
      const std::uint64_t low = read32(big_endian_ ? value + 4 : value);
      interface.offset_seconds = static_cast<std::int64_t>(high << 32 | low);
    }
    at += padded(length);
  }
  interfaces_.push_back(interface);
}

std::optional<std::int64_t> PcapngReader::to_unix_ns(const Interface& interface, std::uint64_t units) const {
  // Any resolution from seconds to 2^-63 s: whole seconds, then the fraction (exact when the resolution is a
  // power of ten, within a nanosecond otherwise). nullopt when the time, with if_tsoffset, is not between 1970
  // and 2262 (Frame::time_unix_ns).
  constexpr std::uint64_t billion = 1'000'000'000;
  const std::uint64_t per_second = interface.units_per_second;
  const std::uint64_t seconds = units / per_second;
  const std::uint64_t fraction = units % per_second;
  std::uint64_t fraction_ns = 0;
  if (billion % per_second == 0) {
    fraction_ns = fraction * (billion / per_second);
  } else if (per_second % billion == 0) {
    fraction_ns = fraction / (per_second / billion);
  } else {
    fraction_ns = static_cast<std::uint64_t>(static_cast<long double>(fraction) * billion / per_second);
  }
  std::int64_t ns = 0;
  std::int64_t offset_ns = 0;
  std::int64_t total = 0;
  if (seconds > static_cast<std::uint64_t>(latest_time_unix_ns) / billion ||
      __builtin_add_overflow(static_cast<std::int64_t>(seconds * billion), static_cast<std::int64_t>(fraction_ns),
                             &ns) ||
      __builtin_mul_overflow(interface.offset_seconds, static_cast<std::int64_t>(billion), &offset_ns) ||
      __builtin_add_overflow(ns, offset_ns, &total) || total < 0) {
    return std::nullopt;
  }
  return total;
}

Frame PcapngReader::make_frame(std::uint32_t interface_id, std::uint64_t units, std::size_t data_at,
                               std::uint32_t captured, std::uint32_t original, std::size_t body_length,
                               std::int64_t block_offset) {
  if (interface_id >= interfaces_.size()) {
    fail("packet on interface " + std::to_string(interface_id) + ", but the section describes " +
             std::to_string(interfaces_.size()) + " interface(s)",
         block_offset);
  }
  // The packet data must fit between its header and the trailing length.
  if (data_at + captured + 4 > body_length) {
    fail("packet block claims " + std::to_string(captured) + " captured bytes, more than the block holds",
         block_offset);
  }
  const Interface& interface = interfaces_[interface_id];
  const auto time_ns = to_unix_ns(interface, units);
  if (!time_ns) {
    fail("time stamp out of range: " + std::to_string(units) + " units of 1/" +
             std::to_string(interface.units_per_second) + " s with if_tsoffset " +
             std::to_string(interface.offset_seconds) + " s is not between 1970 and 2262",
         block_offset);
  }
  Frame frame;
  frame.number = ++frames_;
  frame.time_unix_ns = *time_ns;
  frame.link_type = interface.link_type;
  frame.data = std::span<const std::uint8_t>(block_.data() + data_at, captured);
  frame.original_length = original;
  return frame;
}

std::optional<Frame> PcapngReader::next() {
  for (;;) {
    const std::int64_t block_offset = position_;
    std::uint8_t header[8];
    if (!read_exact(header, sizeof header, block_offset)) return std::nullopt;
    // The block type is read in the section's byte order, except the Section Header Block's, which is the
    // same either way and brings its own byte order in the magic that follows.
    const bool section = header[0] == 0x0A && header[1] == 0x0D && header[2] == 0x0D && header[3] == 0x0A;
    std::uint8_t magic[4] = {};
    if (section) {
      if (!read_exact(magic, sizeof magic, block_offset))
        fail("the file ends inside a Section Header Block", block_offset);
      read_section_header(magic, block_offset);
    } else if (block_offset == 0) {
      fail("not a pcapng file", block_offset);
    }
    const std::uint32_t type = section ? block_section_header : read32(header);
    const std::uint32_t length = read32(header + 4);
    const std::uint32_t minimum = section ? 28 : 12;
    if (length < minimum || length % 4 != 0 || length > max_block_length) {
      fail(
          "block of type 0x" +
              [&] {
                char text[16];
                std::snprintf(text, sizeof text, "%08X", type);
                return std::string(text);
              }() +
              " has an impossible length " + std::to_string(length),
          block_offset);
    }
    if (file_size_ && static_cast<std::uintmax_t>(block_offset) + length > *file_size_) {
      fail("the file ends inside a block: the block claims " + std::to_string(length) +
               " bytes, the file holds " +
               std::to_string(*file_size_ - static_cast<std::uintmax_t>(block_offset)),
           block_offset);
    }
    // block_ holds the body after type and length, trailing length included.
    const std::size_t body_length = length - 8;
    block_.resize(body_length);
    std::size_t have = 0;
    if (section) {
      std::copy(magic, magic + 4, block_.begin());
      have = 4;
    }
    if (!read_exact(block_.data() + have, body_length - have, block_offset)) {
      fail("the file ends inside a block", block_offset);
    }
    if (read32(block_.data() + body_length - 4) != length) {
      fail("block length " + std::to_string(length) + " does not match its trailing copy " +
               std::to_string(read32(block_.data() + body_length - 4)),
           block_offset);
    }
    switch (type) {
      case block_section_header: {
        const std::uint16_t major = read16(block_.data() + 4);
        if (major != 1) fail("unsupported pcapng major version " + std::to_string(major), block_offset);
        break;
      }
      case block_interface:
        read_interface(body_length, block_offset);
        break;
      case block_enhanced_packet:
      case block_packet_obsolete: {
        // Enhanced: interface (4); obsolete Packet Block: interface (2), drops (2). Then both: time stamp high
        // (4) and low (4), captured length (4), original length (4), data.
        const bool enhanced = type == block_enhanced_packet;
        if (body_length < 24) {
          fail(enhanced ? "Enhanced Packet Block too short" : "Packet Block too short", block_offset);
        }
        const std::uint8_t* body = block_.data();
        const std::uint32_t interface_id = enhanced ? read32(body) : read16(body);
        const std::uint64_t units = static_cast<std::uint64_t>(read32(body + 4)) << 32 | read32(body + 8);
        auto frame = make_frame(interface_id, units, 20, read32(body + 12), read32(body + 16), body_length,
                                block_offset);
        last_time_ns_ = frame.time_unix_ns;
        return frame;
      }
      case block_simple_packet: {
        // original length (4), data: captured length = original length cut to interface 0's snaplen.
        if (body_length < 8) fail("Simple Packet Block too short", block_offset);
        if (interfaces_.empty())
          fail("Simple Packet Block before any Interface Description Block", block_offset);
        const std::uint32_t original = read32(block_.data());
        std::uint32_t captured = original;
        if (interfaces_[0].snaplen != 0 && captured > interfaces_[0].snaplen)
          captured = interfaces_[0].snaplen;
        // Writers that do not cut to the snaplen still pad to the block: what the block holds is what we
        // have.
        if (captured > body_length - 8) captured = static_cast<std::uint32_t>(body_length - 8);
        auto frame = make_frame(0, 0, 4, captured, original, body_length, block_offset);
        frame.time_unix_ns = last_time_ns_;
        return frame;
      }
      default:
        break;  // name resolution, statistics, decryption secrets, custom and unknown blocks
    }
  }
}

}  // namespace mqtt::capture
