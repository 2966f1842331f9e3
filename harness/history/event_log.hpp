// A compact, append-only store for a history while it is being recorded (fleets of thousands of devices).
// A full `Event` is about 500 bytes before its packet's own allocations; here a packet event is a 24-byte
// header plus its raw bytes in a chunked arena. The decoded packet is not kept: the codec is strict and
// deterministic, so decoding the raw bytes again under the same version gives the same packet. Actors are
// interned. Events of any other shape (decode errors, frames, packets that are not exactly their raw bytes)
// are kept whole on the side, so materialising always gives back exactly what was appended.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "codec/packet.hpp"
#include "history/event.hpp"

namespace mqtt::history {

class EventLog {
 public:
  EventLog();
  EventLog(EventLog&&) noexcept;
  EventLog& operator=(EventLog&&) noexcept;
  ~EventLog();

  // Actors are stored once; the index is what packet events carry.
  std::uint32_t intern_actor(std::string_view actor);
  const std::string& actor(std::uint32_t index) const { return actors_[index]; }

  // A `sent` or `received` packet event. When `decodes` is true, the event's packet is exactly what
  // decode_packet(raw, sender, version) returns (sender: client for sent, server for received); otherwise the
  // event has no packet. Events are numbered 1, 2, ... in append order
  // (after take(), numbering continues).
  void append_packet(std::int64_t time_ns, std::uint32_t connection, std::uint32_t actor, EventKind kind,
                     ProtocolVersion version, bool decodes, std::span<const std::uint8_t> raw);
  // Any event (its sequence is ignored and becomes its position). Packet events whose packet is the decoding
  // of their raw bytes should go through append_packet; here they are kept whole.
  void append(const Event& event);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // How many packet events of this kind and type were appended (sent/received publishes for progress lines).
  std::uint64_t packets(EventKind kind, PacketType type) const {
    return tally_[static_cast<std::size_t>(kind) & 7][static_cast<std::size_t>(type) & 15];
  }
  // Bytes held by the arena, the side events (not their own allocations) and the actor table.
  std::size_t memory_bytes() const;

  // Every event, in order, as full events (a copy; the log is unchanged).
  History materialize() const;
  // The same, but releases the log chunk by chunk as it goes, so the peak is the History plus one chunk.
  // The log is empty afterwards (actors stay interned; later events continue the numbering).
  History take();

 private:
  struct Chunk {
    std::unique_ptr<std::uint8_t[]> bytes;
    std::size_t capacity = 0;
    std::size_t used = 0;
  };
  std::uint8_t* reserve(std::size_t bytes);
  void materialize_chunk(const Chunk& chunk, History& history, std::uint64_t& sequence) const;
  void count(EventKind kind, std::span<const std::uint8_t> raw);

  std::vector<Chunk> chunks_;
  std::deque<Event> whole_;  // events kept as they are (see append)
  // A deque keeps each string where it is, so the index can point into it: every actor is stored once.
  std::deque<std::string> actors_;
  std::unordered_map<std::string_view, std::uint32_t> actor_index_;
  std::size_t size_ = 0;
  std::uint64_t taken_ = 0;  // events already moved out by take(); numbering continues after them
  std::array<std::array<std::uint64_t, 16>, 8> tally_{};
};

}  // namespace mqtt::history
