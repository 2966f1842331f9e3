#include "capture/packet_boundary_search.hpp"

#include <algorithm>

#include "capture/fixed_header.hpp"

namespace mqtt::capture {
namespace {

constexpr std::size_t chain_checked = 8;  // packets checked from a candidate when the bytes are there
constexpr std::size_t chain_needed = 2;   // packets that make a candidate a boundary

// Packet types this side may send at all; anything else cannot start a packet here.
bool plausible_type(std::uint8_t first, Sender sender) {
  switch (static_cast<PacketType>(first >> 4)) {
    case PacketType::publish:
    case PacketType::puback:
    case PacketType::pubrec:
    case PacketType::pubrel:
    case PacketType::pubcomp:
    case PacketType::disconnect:
    case PacketType::auth:
      return true;
    case PacketType::connect:
    case PacketType::subscribe:
    case PacketType::unsubscribe:
    case PacketType::pingreq:
      return sender == Sender::client;
    case PacketType::connack:
    case PacketType::suback:
    case PacketType::unsuback:
    case PacketType::pingresp:
      return sender == Sender::server;
  }
  return false;
}

// What every version's decoder demands of a packet, checked without decoding it (the decoder reports a
// failure by throwing, which is slow when most candidate offsets fail): the fixed-header flags, the lengths
// that are fixed or have a minimum, and a PUBLISH topic that fits. `bytes` may end before the packet does.
bool could_decode(std::span<const std::uint8_t> bytes, std::size_t at, const FixedHeader& header) {
  const std::uint8_t flags = bytes[at] & 0x0F;
  const std::size_t remaining = header.total - header.header_size;
  switch (static_cast<PacketType>(bytes[at] >> 4)) {
    case PacketType::publish: {
      const unsigned qos = (flags >> 1) & 0x3;
      if (qos == 3 || (qos == 0 && (flags & 0x8) != 0)) return false;
      const std::size_t packet_id = qos == 0 ? 0 : 2;
      if (remaining < 2 + packet_id) return false;
      const std::size_t body = at + header.header_size;
      if (bytes.size() < body + 2) return true;  // the topic length is not here yet
      const std::size_t topic = static_cast<std::size_t>(bytes[body]) << 8 | bytes[body + 1];
      return 2 + topic + packet_id <= remaining;
    }
    case PacketType::pubrel:
    case PacketType::subscribe:
    case PacketType::unsubscribe:
      return flags == 0x2 && remaining >= 2;
    case PacketType::puback:
    case PacketType::pubrec:
    case PacketType::pubcomp:
    case PacketType::connack:
    case PacketType::suback:
    case PacketType::unsuback:
      return flags == 0 && remaining >= 2;
    case PacketType::pingreq:
    case PacketType::pingresp:
      return flags == 0 && remaining == 0;
    default:
      return flags == 0;
  }
}

// The same packet read under two versions: equal once the version tag is set aside?
bool same_reading(Packet under_3_1_1, const Packet& under_5) {
  std::visit([](auto& packet) { packet.version = ProtocolVersion::v5; }, under_3_1_1);
  return under_3_1_1 == under_5;
}

}  // namespace

PacketBoundarySearch::PacketBoundarySearch(Sender sender, std::optional<ProtocolVersion> version)
    : sender_(sender), version_known_(version.has_value()) {
  if (version) {
    versions_.push_back(*version);
  } else {
    versions_ = {ProtocolVersion::v3_1_1, ProtocolVersion::v5};
  }
}

std::span<const std::uint8_t> PacketBoundarySearch::without_payload(std::span<const std::uint8_t> packet,
                                                                    ProtocolVersion version) {
  // A PUBLISH payload is never validated, only copied: a candidate PUBLISH claiming a large payload is checked
  // as the same packet with the payload cut off, so candidates cost their headers, not their payloads.
  if (static_cast<PacketType>(packet[0] >> 4) != PacketType::publish) return packet;
  const auto header = read_fixed_header(packet, 0);
  const std::size_t body = header.header_size;
  const std::size_t remaining = packet.size() - body;
  const std::size_t topic = static_cast<std::size_t>(packet[body]) << 8 | packet[body + 1];
  std::size_t variable_header = 2 + topic + (((packet[0] >> 1) & 0x3) != 0 ? 2 : 0);
  if (version == ProtocolVersion::v5) {
    // The property length follows; if it cannot be read or runs past the packet, the decoder says so cheaply.
    const auto properties = read_fixed_header(packet.subspan(body + variable_header - 1), 0);
    if (properties.status != FixedHeader::Status::complete) return packet;
    variable_header += properties.total - 1;
  }
  if (variable_header >= remaining) return packet;
  scratch_.assign(1, packet[0]);
  for (std::size_t length = variable_header;;) {  // the remaining length, re-encoded
    const auto digit = static_cast<std::uint8_t>(length & 0x7F);
    length >>= 7;
    scratch_.push_back(length > 0 ? digit | 0x80 : digit);
    if (length == 0) break;
  }
  scratch_.insert(scratch_.end(), packet.begin() + static_cast<std::ptrdiff_t>(body),
                  packet.begin() + static_cast<std::ptrdiff_t>(body + variable_header));
  return scratch_;
}

const PacketBoundarySearch::PacketCheck* PacketBoundarySearch::check_packet(std::span<const std::uint8_t> bytes,
                                                                            std::size_t at, std::size_t length) {
  const auto found = checks_.find(at);
  if (found != checks_.end()) return &found->second;
  PacketCheck check;
  check.length = length;
  for (std::size_t index = 0; index < versions_.size(); ++index) {
    ++packets_decoded_;
    const auto decoded = decode_packet(without_payload(bytes.subspan(at, length), versions_[index]), sender_,
                                       versions_[index]);
    if (std::holds_alternative<Packet>(decoded)) check.decodes |= static_cast<std::uint8_t>(1u << index);
  }
  return &checks_.emplace(at, check).first->second;
}

PacketBoundarySearch::ChainResult PacketBoundarySearch::walk_chain(std::span<const std::uint8_t> bytes,
                                                                   std::size_t at, bool final) {
  ChainResult result;
  result.decodes = static_cast<std::uint8_t>((1u << versions_.size()) - 1);
  const auto accept = [&] {
    result.outcome = Outcome::accept;
    return result;
  };
  const auto reject = [&] {
    result.outcome = Outcome::reject;
    return result;
  };
  // Not enough bytes yet: with two packets the candidate stands; otherwise wait, or at the end it fails.
  const auto short_of = [&](std::size_t needed) {
    if (result.packets >= chain_needed) return accept();
    if (final) return reject();
    result.outcome = Outcome::undecided;
    result.wait_until = needed;
    return result;
  };
  std::size_t position = at;
  for (;;) {
    if (result.packets >= chain_checked) return accept();
    if (position == bytes.size()) {
      if (final && result.packets >= 1) return accept();  // one packet ending exactly where the stream ends
      return short_of(position + 1);
    }
    if (!plausible_type(bytes[position], sender_)) return reject();
    const auto header = read_fixed_header(bytes, position);
    if (header.status == FixedHeader::Status::invalid) return reject();
    if (header.status == FixedHeader::Status::incomplete) return short_of(bytes.size() + 1);
    if (!could_decode(bytes, position, header)) return reject();
    if (header.total > bytes.size() - position) return short_of(position + header.total);
    const auto* check = check_packet(bytes, position, header.total);
    result.decodes &= check->decodes;
    if (result.decodes == 0) return reject();
    position += header.total;
    ++result.packets;
  }
}

PacketBoundarySearch::Found PacketBoundarySearch::choose(std::span<const std::uint8_t> bytes, std::size_t at,
                                                         std::size_t packets, std::uint8_t decodes,
                                                         std::optional<ProtocolVersion> hint) {
  Found found;
  found.offset = at;
  if (version_known_) {
    found.version = versions_.front();
    found.basis = Found::Basis::known_version;
    return found;
  }
  if (decodes != 3) {
    found.version = versions_[decodes == 1 ? 0 : 1];
    found.basis = Found::Basis::only_version;
    return found;
  }
  // Both versions decode the chain. A 3.1.1 reading accepts almost any PUBLISH body (the payload is opaque),
  // so a 5.0 reading that differs from it has passed the stricter test: a well-formed property block.
  std::size_t position = at;
  for (std::size_t packet = 0; packet < packets; ++packet) {
    const std::size_t length = checks_.at(position).length;
    const auto packet_bytes = bytes.subspan(position, length);
    auto as_3_1_1 = decode_packet(packet_bytes, sender_, ProtocolVersion::v3_1_1);
    auto as_5 = decode_packet(packet_bytes, sender_, ProtocolVersion::v5);
    if (!same_reading(std::get<Packet>(std::move(as_3_1_1)), std::get<Packet>(as_5))) {
      found.version = ProtocolVersion::v5;
      found.basis = Found::Basis::stricter_reading;
      return found;
    }
    position += length;
  }
  found.version = hint.value_or(ProtocolVersion::v3_1_1);
  found.basis = Found::Basis::same_reading;
  return found;
}

std::optional<PacketBoundarySearch::Found> PacketBoundarySearch::search(std::span<const std::uint8_t> bytes,
                                                                        bool final,
                                                                        std::optional<ProtocolVersion> hint) {
  if (!final && bytes.size() < wait_until_) return std::nullopt;  // what the candidate waits for is not here
  while (candidate_ < bytes.size()) {
    ++offsets_examined_;
    const auto chain = walk_chain(bytes, candidate_, final);
    switch (chain.outcome) {
      case Outcome::accept:
        return choose(bytes, candidate_, std::min(chain.packets, chain_checked), chain.decodes, hint);
      case Outcome::reject:
        checks_.erase(candidate_);  // a later candidate's chain never comes back to it
        ++candidate_;
        wait_until_ = 0;
        break;
      case Outcome::undecided:
        wait_until_ = chain.wait_until;
        return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace mqtt::capture
