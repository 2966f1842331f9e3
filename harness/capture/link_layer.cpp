#include "capture/link_layer.hpp"

#include <cstdio>

#include "capture/ip_reassembler.hpp"

namespace mqtt::capture {
namespace {

// Link-layer header types as libpcap reports them (DLT_*; LINKTYPE_* where they differ).
constexpr int link_null = 0;
constexpr int link_ethernet = 1;
constexpr int link_raw_linux = 12;    // DLT_RAW on most systems
constexpr int link_raw_openbsd = 14;  // DLT_RAW on OpenBSD
constexpr int link_raw = 101;         // LINKTYPE_RAW
constexpr int link_loop = 108;
constexpr int link_linux_sll = 113;
constexpr int link_ipv4 = 228;
constexpr int link_ipv6 = 229;
constexpr int link_linux_sll2 = 276;

constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_ipv6 = 0x86DD;
constexpr std::uint8_t ip_protocol_tcp = 6;

std::uint16_t read16(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint16_t>(bytes[at] << 8 | bytes[at + 1]);
}
std::uint32_t read32(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint32_t>(bytes[at]) << 24 | static_cast<std::uint32_t>(bytes[at + 1]) << 16 |
         static_cast<std::uint32_t>(bytes[at + 2]) << 8 | bytes[at + 3];
}

LinkOutcome skipped(std::string_view reason) { return LinkOutcome{std::nullopt, reason}; }

// What fragment handling needs besides the bytes: the frame (number, time) and the reassembler, if any.
struct Context {
  const Frame& frame;
  IpReassembler* reassembler;
};

LinkOutcome fragment_outcome(IpReassembler::Outcome outcome) {
  switch (outcome) {
    case IpReassembler::Outcome::held:
      return skipped("IP fragment, held for reassembly");
    case IpReassembler::Outcome::duplicate:
      return skipped("IP fragment, duplicate");
    case IpReassembler::Outcome::discarded:
    case IpReassembler::Outcome::completed:
      break;
  }
  return skipped("IP fragment, not reassembled (see the notes)");
}

// `wire_remaining` = bytes of the TCP header + payload on the wire, from the IP header's length fields.
LinkOutcome parse_tcp(std::span<const std::uint8_t> bytes, std::size_t wire_remaining, TcpSegment segment) {
  if (bytes.size() < 20) return skipped("headers cut by snaplen");
  const std::size_t header_length = static_cast<std::size_t>(bytes[12] >> 4) * 4;
  if (header_length < 20) return skipped("malformed TCP header");
  if (bytes.size() < header_length) return skipped("headers cut by snaplen");
  segment.source_port = read16(bytes, 0);
  segment.destination_port = read16(bytes, 2);
  segment.sequence = read32(bytes, 4);
  segment.acknowledgement = read32(bytes, 8);
  segment.flags = bytes[13];
  if (wire_remaining < header_length) return skipped("malformed IP length");
  segment.payload_length = static_cast<std::uint32_t>(wire_remaining - header_length);
  // Ethernet pads short frames: bytes past the IP length are not payload.
  const std::size_t captured = std::min(bytes.size() - header_length, std::size_t{segment.payload_length});
  segment.payload = bytes.subspan(header_length, captured);
  return LinkOutcome{segment, {}};
}

// A fragment of an IPv4 TCP datagram: to the reassembler; the fragment that completes it yields the segment.
// Out of line and cold, so the unfragmented path stays as small as it was.
[[gnu::cold, gnu::noinline]] LinkOutcome parse_ipv4_fragment(std::span<const std::uint8_t> bytes,
                                                             std::size_t header_length,
                                                             std::uint16_t fragment, const Context& context) {
  if (context.reassembler == nullptr) return skipped("IP fragment");
  const std::size_t total = read16(bytes, 2);
  if (total < header_length) return skipped("malformed IP length");
  IpFragment piece;
  std::copy(bytes.begin() + 12, bytes.begin() + 16, piece.key.source.bytes.begin());
  std::copy(bytes.begin() + 16, bytes.begin() + 20, piece.key.destination.bytes.begin());
  piece.key.identification = read16(bytes, 4);
  piece.key.protocol = ip_protocol_tcp;
  piece.offset = static_cast<std::uint32_t>(fragment & 0x1FFF) * 8;
  piece.more = (fragment & 0x2000) != 0;
  piece.wire_length = static_cast<std::uint32_t>(total - header_length);
  piece.captured =
      bytes.subspan(header_length, std::min(bytes.size() - header_length, std::size_t{piece.wire_length}));
  piece.frame = context.frame.number;
  piece.time_ns = context.frame.time_unix_ns;
  const auto result = context.reassembler->add(piece);
  if (result.outcome != IpReassembler::Outcome::completed) return fragment_outcome(result.outcome);
  TcpSegment segment;
  segment.source = piece.key.source;
  segment.destination = piece.key.destination;
  return parse_tcp(result.captured, result.wire_length, segment);
}

LinkOutcome parse_ipv4(std::span<const std::uint8_t> bytes, const Context& context) {
  if (bytes.size() < 20) return skipped("headers cut by snaplen");
  if ((bytes[0] >> 4) != 4) return skipped("not IP");
  const std::size_t header_length = static_cast<std::size_t>(bytes[0] & 0x0F) * 4;
  if (header_length < 20) return skipped("malformed IPv4 header");
  if (bytes.size() < header_length) return skipped("headers cut by snaplen");
  if (bytes[9] != ip_protocol_tcp) return skipped("not TCP");
  const std::uint16_t fragment = read16(bytes, 6);
  if ((fragment & 0x1FFF) != 0 || (fragment & 0x2000) != 0) {
    return parse_ipv4_fragment(bytes, header_length, fragment, context);
  }
  std::size_t total = read16(bytes, 2);
  // A zero total length appears in captures taken before TCP segmentation offload: use what was captured.
  if (total == 0) total = bytes.size();
  if (total < header_length) return skipped("malformed IP length");
  TcpSegment segment;
  std::copy(bytes.begin() + 12, bytes.begin() + 16, segment.source.bytes.begin());
  std::copy(bytes.begin() + 16, bytes.begin() + 20, segment.destination.bytes.begin());
  return parse_tcp(bytes.subspan(header_length), total - header_length, segment);
}

LinkOutcome walk_ipv6(std::span<const std::uint8_t> bytes, std::uint8_t next, std::size_t at,
                      std::size_t remaining, TcpSegment& segment, const Context& context, bool reassembled);

// The Fragment header at `at` (not an atomic fragment): to the reassembler; the fragment that completes the
// datagram has its fragmentable part walked from the Fragment header's next header.
[[gnu::cold, gnu::noinline]] LinkOutcome parse_ipv6_fragment(std::span<const std::uint8_t> bytes,
                                                             std::size_t at, std::size_t remaining,
                                                             TcpSegment& segment, const Context& context) {
  if (context.reassembler == nullptr) return skipped("IP fragment");
  const std::uint8_t inner = bytes[at];
  if (inner != ip_protocol_tcp && inner != 43 && inner != 60) return skipped("not TCP");
  const std::uint16_t field = read16(bytes, at + 2);
  IpFragment piece;
  piece.key.source = segment.source;
  piece.key.destination = segment.destination;
  piece.key.identification = read32(bytes, at + 4);
  piece.key.protocol = inner;
  piece.offset = field & 0xFFF8u;
  piece.more = (field & 1) != 0;
  piece.wire_length = static_cast<std::uint32_t>(remaining - 8);
  piece.captured = bytes.subspan(at + 8, std::min(bytes.size() - (at + 8), remaining - 8));
  piece.frame = context.frame.number;
  piece.time_ns = context.frame.time_unix_ns;
  const auto result = context.reassembler->add(piece);
  if (result.outcome != IpReassembler::Outcome::completed) return fragment_outcome(result.outcome);
  return walk_ipv6(result.captured, inner, 0, result.wire_length, segment, context, true);
}

// Walks IPv6 extension headers from `next` at `at` to TCP; `remaining` = bytes on the wire from `at`. A
// Fragment header goes to the reassembler (`context.reassembler` null: skipped), and the reassembled
// fragmentable part is walked again from the Fragment header's next header.
LinkOutcome walk_ipv6(std::span<const std::uint8_t> bytes, std::uint8_t next, std::size_t at,
                      std::size_t remaining, TcpSegment& segment, const Context& context, bool reassembled) {
  for (int hops = 0; hops < 8; ++hops) {
    if (next == ip_protocol_tcp) {
      return parse_tcp(bytes.subspan(at), remaining, segment);
    }
    if (next == 44) {
      if (reassembled) return skipped("malformed IPv6 fragment");
      if (bytes.size() < at + 8 || remaining < 8) return skipped("headers cut by snaplen");
      const std::uint8_t inner = bytes[at];
      const std::uint16_t field = read16(bytes, at + 2);
      const std::uint32_t offset = field & 0xFFF8u;
      const bool more = (field & 1) != 0;
      if (offset == 0 && !more) {  // an atomic fragment (RFC 6946): a whole datagram
        next = inner;
        at += 8;
        remaining -= 8;
        continue;
      }
      return parse_ipv6_fragment(bytes, at, remaining, segment, context);
    }
    if (next != 0 && next != 43 && next != 60) return skipped("not TCP");
    if (bytes.size() < at + 8) return skipped("headers cut by snaplen");
    const std::size_t length = (static_cast<std::size_t>(bytes[at + 1]) + 1) * 8;
    if (remaining < length || bytes.size() < at + length) return skipped("headers cut by snaplen");
    next = bytes[at];
    at += length;
    remaining -= length;
  }
  return skipped("not TCP");
}

LinkOutcome parse_ipv6(std::span<const std::uint8_t> bytes, const Context& context) {
  if (bytes.size() < 40) return skipped("headers cut by snaplen");
  if ((bytes[0] >> 4) != 6) return skipped("not IP");
  std::size_t remaining = read16(bytes, 4);           // payload length: everything after the fixed header
  if (remaining == 0) remaining = bytes.size() - 40;  // jumbogram or offload: use what was captured
  TcpSegment segment;
  segment.source.v6 = true;
  segment.destination.v6 = true;
  std::copy(bytes.begin() + 8, bytes.begin() + 24, segment.source.bytes.begin());
  std::copy(bytes.begin() + 24, bytes.begin() + 40, segment.destination.bytes.begin());
  return walk_ipv6(bytes, bytes[6], 40, remaining, segment, context, false);
}

LinkOutcome parse_ethertype(std::uint16_t ethertype, std::span<const std::uint8_t> bytes,
                            const Context& context) {
  if (ethertype == ethertype_ipv4) return parse_ipv4(bytes, context);
  if (ethertype == ethertype_ipv6) return parse_ipv6(bytes, context);
  return skipped("not IP");
}

LinkOutcome parse_by_version(std::span<const std::uint8_t> bytes, const Context& context) {
  if (bytes.empty()) return skipped("headers cut by snaplen");
  switch (bytes[0] >> 4) {
    case 4:
      return parse_ipv4(bytes, context);
    case 6:
      return parse_ipv6(bytes, context);
    default:
      return skipped("not IP");
  }
}

LinkOutcome parse_ethernet(std::span<const std::uint8_t> bytes, const Context& context) {
  if (bytes.size() < 14) return skipped("headers cut by snaplen");
  std::size_t at = 12;
  std::uint16_t ethertype = read16(bytes, at);
  // 802.1Q, 802.1ad and the older QinQ tag: skip each 4-byte tag.
  while (ethertype == 0x8100 || ethertype == 0x88A8 || ethertype == 0x9100) {
    at += 4;
    if (bytes.size() < at + 2) return skipped("headers cut by snaplen");
    ethertype = read16(bytes, at);
  }
  return parse_ethertype(ethertype, bytes.subspan(at + 2), context);
}

}  // namespace

std::string to_string(const IpAddress& address) {
  char text[64] = {};
  if (!address.v6) {
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", address.bytes[0], address.bytes[1], address.bytes[2],
                  address.bytes[3]);
    return text;
  }
  // Compact form: the longest run of zero groups becomes "::".
  std::array<std::uint16_t, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) {
    groups[i] = static_cast<std::uint16_t>(address.bytes[2 * i] << 8 | address.bytes[2 * i + 1]);
  }
  int best_start = -1;
  int best_length = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_length && j - i > 1) {
      best_start = i;
      best_length = j - i;
    }
    i = j;
  }
  std::string result;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      result += "::";
      i += best_length - 1;
      continue;
    }
    if (!result.empty() && result.back() != ':') result += ':';
    std::snprintf(text, sizeof text, "%x", groups[i]);
    result += text;
  }
  return result;
}

std::string endpoint_text(const IpAddress& address, std::uint16_t port) {
  std::string text = address.v6 ? "[" : "";
  text += to_string(address);
  text += address.v6 ? "]:" : ":";
  text += std::to_string(port);
  return text;
}

bool is_supported_link_type(int link_type) {
  switch (link_type) {
    case link_ethernet:
    case link_linux_sll:
    case link_linux_sll2:
    case link_null:
    case link_loop:
    case link_raw_linux:
    case link_raw_openbsd:
    case link_raw:
    case link_ipv4:
    case link_ipv6:
      return true;
    default:
      return false;
  }
}

LinkOutcome parse_frame(const Frame& frame, IpReassembler* reassembler) {
  const auto bytes = frame.data;
  const Context context{frame, reassembler};
  switch (frame.link_type) {
    case link_ethernet:
      return parse_ethernet(bytes, context);
    case link_linux_sll:
      if (bytes.size() < 16) return skipped("headers cut by snaplen");
      return parse_ethertype(read16(bytes, 14), bytes.subspan(16), context);
    case link_linux_sll2:
      if (bytes.size() < 20) return skipped("headers cut by snaplen");
      return parse_ethertype(read16(bytes, 0), bytes.subspan(20), context);
    case link_null: {
      if (bytes.size() < 4) return skipped("headers cut by snaplen");
      // The address family is in the capturing host's byte order and IPv6's value differs between systems
      // (10, 24, 28, 30), so the IP version nibble decides instead.
      return parse_by_version(bytes.subspan(4), context);
    }
    case link_loop:
      if (bytes.size() < 4) return skipped("headers cut by snaplen");
      return parse_by_version(bytes.subspan(4), context);
    case link_raw_linux:
    case link_raw_openbsd:
    case link_raw:
      return parse_by_version(bytes, context);
    case link_ipv4:
      return parse_ipv4(bytes, context);
    case link_ipv6:
      return parse_ipv6(bytes, context);
    default:
      return skipped("unsupported link type");
  }
}

}  // namespace mqtt::capture
