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

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "history/event.hpp"

namespace mqtt::history {

namespace detail {
// The writer's buffer: bytes it fills right after taking them, so extend() hands out uninitialised room with no
// per-byte loop (std::vector::resize, even with a default-initialising allocator, was a call and a loop per record,
// about a tenth of the writer's cost per packet).
class RecordBuffer {
 public:
  void reserve(std::size_t capacity) {
    if (capacity <= capacity_) return;
    auto bytes = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
    if (size_ > 0) std::memcpy(bytes.get(), bytes_.get(), size_);
    bytes_ = std::move(bytes);
    capacity_ = capacity;
  }
  // `count` more bytes at the end, to be filled by the caller.
  std::uint8_t* extend(std::size_t count) {
    if (size_ + count > capacity_) reserve(std::max(2 * capacity_, size_ + count));
    std::uint8_t* at = bytes_.get() + size_;
    size_ += count;
    return at;
  }
  void append(const void* data, std::size_t count) {
    if (count > 0) std::memcpy(extend(count), data, count);
  }
  const std::uint8_t* data() const { return bytes_.get(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }

 private:
  std::unique_ptr<std::uint8_t[]> bytes_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
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
  detail::RecordBuffer buffer_;
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
