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
  // Our own FILE with a 1 MiB buffer: libpcap reads record by record, and stdio's default 4 KiB buffer made
  // that a read system call every few frames.
  pcap_t* pcap = nullptr;
  if (FILE* stream = std::fopen(file.c_str(), "rb")) {
    std::setvbuf(stream, nullptr, _IOFBF, 1u << 20);
    pcap = pcap_fopen_offline_with_tstamp_precision(stream, PCAP_TSTAMP_PRECISION_NANO, error);
    if (pcap == nullptr) std::fclose(stream);
  } else {
    pcap = pcap_open_offline_with_tstamp_precision(file.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);  // its error
  }
  if (pcap == nullptr) {
    throw CaptureError(file.string() + ": cannot read the capture file header: " + error, 0, 0);
  }
  pcap_.reset(pcap);
  link_type_ = pcap_datalink(pcap);
  // A pcapng file begins with a Section Header Block, whose type reads the same in both byte orders.
  FILE* stream = pcap_file(pcap);
  const long here = stream != nullptr ? std::ftell(stream) : -1;
  if (here >= 0 && std::fseek(stream, 0, SEEK_SET) == 0) {  // not for pipes: our reader reopens the file
    unsigned char magic[4] = {};
    pcapng_file_ = std::fread(magic, 1, 4, stream) == 4 && magic[0] == 0x0A && magic[1] == 0x0D &&
                   magic[2] == 0x0D && magic[3] == 0x0A;
    std::fseek(stream, here, SEEK_SET);
    // Classic pcap records are a 16-byte header and the captured bytes, so their offsets are counted here
    // instead of asking the file (ftell is a system call per frame).
    if (!pcapng_file_) record_offset_ = here;
  }
}

PcapSource::~PcapSource() = default;

std::optional<Frame> PcapSource::next() {
  if (pcapng_) return pcapng_->next();
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const std::int64_t offset = record_offset_ >= 0 ? record_offset_ : file_position(pcap_.get());
  const int status = pcap_next_ex(pcap_.get(), &header, &data);
  if (status == PCAP_ERROR_BREAK) return std::nullopt;
  if (status != 1) {
    const std::string reason = status == PCAP_ERROR ? pcap_geterr(pcap_.get()) : "unexpected libpcap status";
    if (pcapng_file_) {
      // libpcap stops on pcapng files it cannot represent (interfaces with different link types or snapshot
      // lengths: "an interface has a type N different from the type of the first interface"; a later section
      // in the other byte order, which it misreads as an impossible block size).
      // Read the file again with our own reader and skip the frames libpcap has already delivered: both
      // count every packet block in file order, so the numbering continues unchanged. When the file really is
      // damaged, our reader reports it, naming the frame and the block's byte offset.
      pcapng_ = std::make_unique<PcapngReader>(file_);
      pcap_.reset();
      for (std::uint64_t skipped = 0; skipped < frames_; ++skipped) {
        if (!pcapng_->next()) {
          throw CaptureError(file_.string() + ": frame " + std::to_string(skipped + 1) +
                                 ": libpcap and our pcapng reader disagree on the number of packets",
                             skipped + 1, -1);
        }
      }
      return pcapng_->next();
    }
    throw CaptureError(file_.string() + ": frame " + std::to_string(frames_ + 1) +
                           (offset >= 0 ? " (byte offset " + std::to_string(offset) + ")" : std::string()) +
                           ": " + reason,
                       frames_ + 1, offset);
  }
  // With nanosecond precision requested, tv_usec holds nanoseconds. A pcapng time stamp (64-bit units plus
  // the interface's if_tsoffset) can lie centuries away or before 1970; its nanoseconds would overflow.
  std::int64_t time_ns = 0;
  if (header->ts.tv_sec < 0 || header->ts.tv_usec < 0 || header->ts.tv_usec >= 1'000'000'000 ||
      __builtin_mul_overflow(static_cast<std::int64_t>(header->ts.tv_sec), std::int64_t{1'000'000'000}, &time_ns) ||
      __builtin_add_overflow(time_ns, static_cast<std::int64_t>(header->ts.tv_usec), &time_ns)) {
    throw CaptureError(file_.string() + ": frame " + std::to_string(frames_ + 1) +
                           (offset >= 0 ? " (byte offset " + std::to_string(offset) + ")" : std::string()) +
                           ": time stamp " + std::to_string(header->ts.tv_sec) +
                           " s since 1970 is out of range (frame times must lie between 1970 and 2262)",
                       frames_ + 1, offset);
  }
  ++frames_;
  if (record_offset_ >= 0) record_offset_ += 16 + static_cast<std::int64_t>(header->caplen);
  Frame frame;
  frame.number = frames_;
  frame.time_unix_ns = time_ns;
  frame.link_type = pcap_datalink(pcap_.get());
  frame.data = std::span<const std::uint8_t>(data, header->caplen);
  frame.original_length = header->len;
  return frame;
}

}  // namespace mqtt::capture
