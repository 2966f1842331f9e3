#include "capture/pcap_source.hpp"

#include <pcap/pcap.h>

#include <cstdio>
#include <string>

namespace mqtt::capture {

void PcapSource::Closer::operator()(pcap_t* handle) const { pcap_close(handle); }

namespace {

std::int64_t file_position(pcap_t* pcap) {
  FILE* file = pcap_file(pcap);
  if (file == nullptr) return -1;
  return static_cast<std::int64_t>(std::ftell(file));
}

}  // namespace

PcapSource::PcapSource(const std::filesystem::path& file) : file_(file) {
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_open_offline_with_tstamp_precision(file.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
  if (pcap == nullptr) {
    throw CaptureError(file.string() + ": cannot read the capture file header: " + error, 0, 0);
  }
  pcap_.reset(pcap);
  link_type_ = pcap_datalink(pcap);
}

PcapSource::~PcapSource() = default;

std::optional<Frame> PcapSource::next() {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const std::int64_t offset = file_position(pcap_.get());
  const int status = pcap_next_ex(pcap_.get(), &header, &data);
  if (status == PCAP_ERROR_BREAK) return std::nullopt;
  if (status != 1) {
    const std::string reason = status == PCAP_ERROR ? pcap_geterr(pcap_.get()) : "unexpected libpcap status";
    throw CaptureError(file_.string() + ": frame " + std::to_string(frames_ + 1) +
                           (offset >= 0 ? " (byte offset " + std::to_string(offset) + ")" : std::string()) +
                           ": " + reason,
                       frames_ + 1, offset);
  }
  ++frames_;
  Frame frame;
  frame.number = frames_;
  // With nanosecond precision requested, tv_usec holds nanoseconds.
  frame.time_unix_ns = static_cast<std::int64_t>(header->ts.tv_sec) * 1'000'000'000 + header->ts.tv_usec;
  frame.link_type = pcap_datalink(pcap_.get());
  frame.data = std::span<const std::uint8_t>(data, header->caplen);
  frame.original_length = header->len;
  return frame;
}

}  // namespace mqtt::capture
