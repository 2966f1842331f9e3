// Our own pcapng reader, for the files libpcap 1.10 refuses: interfaces with different link types or snapshot
// lengths, and sections with different byte orders. Every packet keeps its own interface's link type and
// time stamp resolution (if_tsresol, if_tsoffset). Reads Section Header Blocks in either byte order (several
// sections), Interface Description Blocks, Enhanced, Simple and the obsolete Packet Blocks; every other block
// is skipped. Frames are numbered as Wireshark numbers them: 1, 2, ... for every packet block in file order.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "capture/frame.hpp"

namespace mqtt::capture {

class PcapngReader {
 public:
  // Throws CaptureError (frame 0, byte offset 0) when the file cannot be opened or does not begin with a
  // Section Header Block.
  explicit PcapngReader(const std::filesystem::path& file);

  // The next packet (its data valid until the next call), or nullopt at the end of the file. Throws
  // CaptureError naming the frame number (the packet being read) and the byte offset of the damaged block on
  // a truncated or corrupt file; every packet before the damage has been returned.
  std::optional<Frame> next();

  // Largest block accepted; larger ones are reported as corrupt rather than allocated.
  static constexpr std::uint32_t max_block_length = 256u << 20;

 private:
  struct Interface {
    int link_type = 0;
    std::uint32_t snaplen = 0;  // 0 = no limit
    std::uint64_t units_per_second = 1'000'000;
    std::int64_t offset_seconds = 0;
  };
  struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };

  [[noreturn]] void fail(const std::string& reason, std::int64_t block_offset) const;
  std::uint16_t read16(const std::uint8_t* at) const;
  std::uint32_t read32(const std::uint8_t* at) const;
  // False when the file ends before the first byte; a shorter read is an error naming the block.
  bool read_exact(std::uint8_t* into, std::size_t count, std::int64_t block_offset);
  void read_section_header(const std::uint8_t* header, std::int64_t block_offset);
  void read_interface(std::size_t body_length, std::int64_t block_offset);
  std::optional<std::int64_t> to_unix_ns(const Interface& interface, std::uint64_t units) const;
  Frame make_frame(std::uint32_t interface_id, std::uint64_t units, std::size_t data_at,
                   std::uint32_t captured, std::uint32_t original, std::size_t body_length,
                   std::int64_t block_offset);

  std::filesystem::path path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::optional<std::uintmax_t> file_size_;  // known for regular files: block lengths are checked against it
  std::int64_t position_ = 0;                // byte offset of the next unread byte
  bool big_endian_ = false;                  // the current section's byte order
  std::vector<Interface> interfaces_;        // the current section's interfaces, by id
  std::vector<std::uint8_t> block_;          // the current block's body (after type and length)
  std::uint64_t frames_ = 0;
  std::int64_t last_time_ns_ = 0;  // a Simple Packet Block has no time stamp: it takes the previous packet's
};

}  // namespace mqtt::capture
