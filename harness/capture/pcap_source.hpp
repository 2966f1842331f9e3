// Reads frames from a pcap or pcapng file through libpcap, with nanosecond timestamps. The only I/O in the
// capture module: everything downstream takes Frame values. When libpcap stops on a pcapng file (libpcap
// 1.10 refuses interfaces with different link types or snapshot lengths, and sections in different byte
// orders), reading continues from the same frame with our PcapngReader, which gives every frame its own
// interface's link type and reports real damage with the frame and byte offset.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "capture/frame.hpp"
#include "capture/pcapng_reader.hpp"

struct pcap;  // libpcap's handle (pcap_t)

namespace mqtt::capture {

class PcapSource {
 public:
  // Throws CaptureError (frame 0) when the file cannot be opened or its header is not pcap/pcapng.
  explicit PcapSource(const std::filesystem::path& file);
  ~PcapSource();
  PcapSource(const PcapSource&) = delete;
  PcapSource& operator=(const PcapSource&) = delete;

  // The next frame (its data valid until the next call), or nullopt at the end of the file.
  // Throws CaptureError naming the frame number and byte offset on a truncated or corrupt record.
  std::optional<Frame> next();
  int link_type() const { return link_type_; }  // the first interface's; Frame::link_type is per frame
  bool read_by_own_pcapng_reader() const { return pcapng_ != nullptr; }

 private:
  struct Closer {
    void operator()(::pcap* handle) const;
  };
  std::unique_ptr<::pcap, Closer> pcap_;  // libpcap's pcap_t
  std::filesystem::path file_;
  int link_type_ = 0;
  std::uint64_t frames_ = 0;
  bool pcapng_file_ = false;
  std::int64_t record_offset_ = -1;  // byte offset of the next classic pcap record; -1: ask the file
  std::unique_ptr<PcapngReader> pcapng_;  // set once libpcap stopped on a pcapng file
};

}  // namespace mqtt::capture
