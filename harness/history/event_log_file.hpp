// The compact history on disk, written while a run records it: append-only, through a bounded buffer, so a
// run's history costs disk instead of memory and a run that is killed leaves what it had flushed.
//
// Format (host byte order; every machine we build for is little-endian): the 8 bytes "MQHLOG1\n", then records
// of u32 size (of what follows), u8 type, body:
//   1 actor   body = its name; actors are numbered 0, 1, ... in the order they are defined
//   2 packet  i64 time_ns, u32 connection, u32 actor, u8 kind (sent/received), u8 protocol version, raw bytes;
//             the event's packet is decode_packet(raw, sender of kind, version), as in EventLog
//   3 event   the event as one history JSON object (history/json.hpp): everything that is not a packet whose
//             decoding is its raw bytes (opens, closes, faults, notes, decode errors)
// Events are numbered 1, 2, ... in file order. A record cut short by a kill is the end of what can be read.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "history/event.hpp"

namespace mqtt::history {

namespace detail {
// An allocator that leaves the bytes a resize() adds uninitialised: the writer fills every byte right after, and
// clearing them first was a sixth of its cost per event.
template <typename Value>
struct UninitialisedAllocator : std::allocator<Value> {
  template <typename Other>
  struct rebind {
    using other = UninitialisedAllocator<Other>;
  };
  UninitialisedAllocator() = default;
  template <typename Other>
  UninitialisedAllocator(const UninitialisedAllocator<Other>&) noexcept {}
  template <typename Other>
  void construct(Other* at) noexcept(std::is_nothrow_default_constructible_v<Other>) {
    ::new (static_cast<void*>(at)) Other;  // default-initialised: for bytes, left as they are
  }
  template <typename Other, typename... Arguments>
  void construct(Other* at, Arguments&&... arguments) {
    ::new (static_cast<void*>(at)) Other(std::forward<Arguments>(arguments)...);
  }
};
}  // namespace detail

// Flush policy: the buffer goes to the file when it holds `buffer_bytes` or when a tick(), or every 64th append,
// comes `interval` after the last write (appends read the clock only that often, or each time at an interval of
// 0: a clock read per event was 1 % of a live fan-in's CPU); close() writes the rest and fsyncs.
struct EventLogPolicy {
  std::size_t buffer_bytes = 64 * 1024;
  std::chrono::milliseconds interval{1'000};
};

class EventLogWriter {
 public:
  // Creates (truncates) `path`; throws std::runtime_error naming it when it cannot.
  explicit EventLogWriter(const std::filesystem::path& path, EventLogPolicy policy = {});
  EventLogWriter(const EventLogWriter&) = delete;
  EventLogWriter& operator=(const EventLogWriter&) = delete;
  ~EventLogWriter();  // close(), errors ignored

  // Throws std::runtime_error naming the file when a write fails.
  void append(const Event& event);
  // Writes the buffer when the interval has passed since the last write (call it from a timer, so a quiet run
  // still reaches the disk within the interval).
  void tick();
  // Writes the rest, fsyncs and closes; later calls do nothing.
  void close();

  std::uint64_t events() const { return events_; }
  std::uint64_t bytes() const { return bytes_written_ + buffer_.size(); }

 private:
  void write_buffer();
  void record(std::uint8_t type, std::size_t body_size);
  const std::pair<const std::string, std::uint32_t>& actor_entry(const std::string& actor);

  std::filesystem::path path_;
  EventLogPolicy policy_;
  int descriptor_ = -1;
  std::vector<std::uint8_t, detail::UninitialisedAllocator<std::uint8_t>> buffer_;
  std::chrono::steady_clock::time_point last_write_;
  std::unordered_map<std::string, std::uint32_t> actors_;
  // Per connection: its CONNECT's version (once seen) and the actor its last packet record named, so that a
  // packet costs one lookup by number rather than a hash of its actor's name as well.
  struct ConnectionEntry {
    std::optional<ProtocolVersion> version;
    const std::pair<const std::string, std::uint32_t>* actor = nullptr;  // an entry of actors_ (nodes stay put)
  };
  ConnectionEntry& connection_entry(std::uint32_t connection) {
    if (connection < flat_connections_.size()) return flat_connections_[connection];
    return new_connection_entry(connection);
  }
  ConnectionEntry& new_connection_entry(std::uint32_t connection);  // a number not in the flat table yet
  // By connection number in a flat table (runs number their connections 1, 2, ...); a number past
  // flat_connection_limit (a capture, say) goes to the map instead.
  static constexpr std::uint32_t flat_connection_limit = 1u << 20;
  std::vector<ConnectionEntry> flat_connections_;
  std::unordered_map<std::uint32_t, ConnectionEntry> other_connections_;
  std::uint64_t events_ = 0;
  std::uint64_t bytes_written_ = 0;
};

struct EventLogContents {
  History history;
  bool cut_short = false;  // the file ends inside a record (a run killed between two writes of it)
};

// Reads a whole log; throws FormatError ("FILE: not a history log", "FILE: record at byte N: ...") when the file
// is not one or a complete record is malformed. An incomplete last record is dropped and reported as cut_short.
EventLogContents read_event_log(const std::filesystem::path& path);

// Whether the file starts like a history log (for commands that take several kinds of file).
bool is_event_log(const std::filesystem::path& path);

}  // namespace mqtt::history
