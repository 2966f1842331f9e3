// Reassembles fragmented IP datagrams (IPv4 fragments, IPv6 Fragment headers) before TCP sees them. Keyed by
// source, destination, protocol and identification. Fragments may arrive in any order; exact and agreeing
// copies are duplicates; fragments that overlap with different bytes spoil the datagram (which copy the host
// kept cannot be known; RFC 5722 and Linux discard such datagrams), and it is discarded and reported. A
// datagram with a missing fragment is never guessed: it is reported when it times out (30 s of capture time,
// Linux's default), when the limits force it out, or at the end of the capture. Memory is bounded by the
// number of datagrams held and their bytes. Pure: time arrives with each fragment.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "capture/link_layer.hpp"

namespace mqtt::capture {

struct FragmentKey {
  IpAddress source;
  IpAddress destination;
  std::uint32_t identification = 0;  // 16 bits for IPv4, 32 for IPv6
  std::uint8_t protocol = 0;         // IPv4 protocol, or the Fragment header's next header
  friend auto operator<=>(const FragmentKey&, const FragmentKey&) = default;
};

struct IpFragment {
  FragmentKey key;
  std::uint32_t offset = 0;       // byte offset in the datagram's fragmentable part
  std::uint32_t wire_length = 0;  // this fragment's bytes on the wire
  bool more = false;              // more fragments follow (MF / M flag)
  std::span<const std::uint8_t>
      captured;  // the captured bytes (shorter than wire_length after a snaplen cut)
  std::uint64_t frame = 0;
  std::int64_t time_ns = 0;
};

class IpReassembler {
 public:
  struct Limits {
    std::size_t max_datagrams = 1024;   // incomplete datagrams held at once
    std::size_t max_bytes = 32u << 20;  // their captured bytes
    std::size_t max_fragments_per_datagram = 1024;
    std::int64_t timeout_ns = 30'000'000'000;  // since the datagram's first fragment
    std::size_t max_notes = 100;               // detailed notes; the rest are counted
  };

  enum class Outcome { held, completed, duplicate, discarded };
  struct Result {
    Outcome outcome = Outcome::held;
    // When completed: the datagram's fragmentable part as captured (it stops at the first byte a snaplen
    // cut), valid until the next call, and its length on the wire.
    std::span<const std::uint8_t> captured;
    std::uint32_t wire_length = 0;
  };

  IpReassembler();
  explicit IpReassembler(Limits limits);

  Result add(const IpFragment& fragment);

  // Reports what is still incomplete and a count of what was reassembled; call once, at the end.
  std::vector<std::string> finish();

  std::uint64_t reassembled() const { return reassembled_; }

 private:
  struct Piece {
    std::uint32_t offset = 0;
    std::uint32_t wire_length = 0;
    std::vector<std::uint8_t> captured;
    std::uint64_t frame = 0;
  };
  struct Datagram {
    std::vector<Piece> pieces;           // sorted by offset
    std::optional<std::uint32_t> total;  // known once the last fragment is seen
    std::uint64_t first_frame = 0;
    std::int64_t first_time_ns = 0;
    std::size_t held_bytes = 0;
    bool completed = false;
    std::vector<std::uint8_t> assembled;  // once completed
  };
  using Table = std::map<FragmentKey, Datagram>;

  void expire(std::int64_t now_ns);
  void drop(Table::iterator found, const std::string& why);  // reports it when incomplete
  void note(std::uint64_t frame, std::string text);
  bool agrees(const Datagram& datagram, const IpFragment& fragment, bool& exact_copy) const;
  bool complete(Datagram& datagram);

  Limits limits_;
  Table datagrams_;
  std::size_t held_bytes_ = 0;
  std::int64_t earliest_time_ns_ = 0;  // no datagram can expire before earliest + timeout
  std::uint64_t reassembled_ = 0;
  std::uint64_t fragments_used_ = 0;
  std::uint64_t unreported_ = 0;
  std::vector<std::pair<std::uint64_t, std::string>> notes_;  // (frame, text)
};

}  // namespace mqtt::capture
