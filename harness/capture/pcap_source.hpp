// Reads frames from a pcap or pcapng file through libpcap, with nanosecond timestamps. The only I/O in the
// capture module: everything downstream takes Frame values.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "capture/frame.hpp"

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
  int link_type() const { return link_type_; }

 private:
  struct Closer {
    void operator()(::pcap* handle) const;
  };
  std::unique_ptr<::pcap, Closer> pcap_;  // libpcap's pcap_t
  std::filesystem::path file_;
  int link_type_ = 0;
  std::uint64_t frames_ = 0;
};

}  // namespace mqtt::capture
