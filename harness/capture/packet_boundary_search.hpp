// Where does an MQTT packet start in a stream picked up mid-way (no SYN, or after a capture gap)? The first
// offset from which a chain of packets decodes with the strict codec: two complete packets, or one that ends
// exactly where a finished stream ends; up to eight are checked when the bytes are there. Without a version
// from a CONNECT, MQTT 3.1.1 and 5.0 are each tried on their own; when both decode the same chain, the one
// whose reading differs is 5.0's (a PUBLISH's property block, which 3.1.1 would take for payload), and 5.0 is
// chosen; when the packets read the same in both, the other direction's choice (the hint) or 3.1.1 is taken.
//
// Linear: the search keeps its place between calls. Offsets below the current candidate are known not to be
// boundaries and are never looked at again; the candidate is examined again only once the bytes it waits
// for have arrived, so each offset is examined at most 13 times, in practice once: once, then once per wait
// (a chain needs two packets; the first one's remaining length can wait for up to 4 bytes and the second's
// header for up to 5, one byte at a time, and each body once), then once more at the stream's end. Each
// offset's packet is decoded at most once per version, and a candidate PUBLISH without its payload. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "codec/decoder.hpp"

namespace mqtt::capture {

class PacketBoundarySearch {
 public:
  struct Found {
    enum class Basis : std::uint8_t {
      known_version,   // the version came from a CONNECT
      only_version,    // only this version decodes the chain
      stricter_reading,  // both decode; 5.0 reads a property block that 3.1.1 would take for payload
      same_reading,    // both decode it to the same packets; the hint (or 3.1.1) decided
    };
    std::size_t offset = 0;  // in the searched bytes
    ProtocolVersion version = ProtocolVersion::v3_1_1;
    Basis basis = Basis::known_version;
  };

  // `version`: the direction's version when a CONNECT gave it; otherwise 3.1.1 and 5.0 are both tried.
  PacketBoundarySearch(Sender sender, std::optional<ProtocolVersion> version);

  // `bytes`: every byte held since the search began (each call sees the previous bytes plus new ones);
  // `final`: no more bytes will come (packets cut off at the end then count against an offset).
  // `hint`: the other direction's version, used only when the packets read the same in both versions.
  std::optional<Found> search(std::span<const std::uint8_t> bytes, bool final,
                              std::optional<ProtocolVersion> hint = std::nullopt);

  // The work done, for tests that hold the bound: candidate offsets examined (one chain walk each) and
  // packets decoded.
  std::uint64_t offsets_examined() const { return offsets_examined_; }
  std::uint64_t packets_decoded() const { return packets_decoded_; }

 private:
  enum class Outcome : std::uint8_t { accept, reject, undecided };
  struct PacketCheck {
    std::size_t length = 0;     // fixed header + remaining length
    std::uint8_t decodes = 0;   // bit i: decodes under versions_[i]
  };
  struct ChainResult {
    Outcome outcome = Outcome::undecided;
    std::uint8_t decodes = 0;   // versions under which every complete packet of the chain decodes
    std::size_t packets = 0;
    std::size_t wait_until = 0;  // undecided: the byte count to wait for
  };

  ChainResult walk_chain(std::span<const std::uint8_t> bytes, std::size_t at, bool final);
  std::span<const std::uint8_t> without_payload(std::span<const std::uint8_t> packet, ProtocolVersion version);
  const PacketCheck* check_packet(std::span<const std::uint8_t> bytes, std::size_t at, std::size_t length);
  Found choose(std::span<const std::uint8_t> bytes, std::size_t at, std::size_t packets, std::uint8_t decodes,
               std::optional<ProtocolVersion> hint);

  Sender sender_;
  bool version_known_ = false;
  std::vector<ProtocolVersion> versions_;
  std::size_t candidate_ = 0;   // every offset below is known not to be a boundary
  std::size_t wait_until_ = 0;  // the candidate is undecided until this many bytes are held
  std::unordered_map<std::size_t, PacketCheck> checks_;  // decoded packets at or after the candidate
  std::vector<std::uint8_t> scratch_;  // a candidate PUBLISH without its payload
  std::uint64_t offsets_examined_ = 0;
  std::uint64_t packets_decoded_ = 0;
};

}  // namespace mqtt::capture
