#include "history/event_log.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "codec/decoder.hpp"

namespace mqtt::history {

namespace {

// Big enough that an idle fleet's few events per device waste little, small enough that the last, partly
// filled chunk does not matter.
constexpr std::size_t chunk_size = 64 * 1024;

enum class Form : std::uint8_t {
  packet,    // data = raw bytes; packet = decode_packet(raw, sender of kind, version)
  raw_only,  // data = raw bytes; no packet
  plain,     // data = u32 fault length, u32 detail length, fault, detail, raw; optional close reason
  whole,     // data = u32 index into whole_
};

// Written and read with memcpy: records sit at any byte offset of a chunk.
struct Header {
  std::int64_t time_ns;
  std::uint32_t connection;
  std::uint32_t actor;
  std::uint32_t data_size;
  EventKind kind;
  Form form;
  std::uint8_t version;       // ProtocolVersion for Form::packet
  std::uint8_t close_reason;  // 0 = none, else CloseReason + 1 (Form::plain)
};
static_assert(sizeof(Header) == 24);

std::uint32_t read_u32(const std::uint8_t* at) {
  std::uint32_t value;
  std::memcpy(&value, at, sizeof value);
  return value;
}

void write_u32(std::uint8_t* at, std::uint32_t value) { std::memcpy(at, &value, sizeof value); }

}  // namespace

EventLog::EventLog() = default;
EventLog::EventLog(EventLog&&) noexcept = default;
EventLog& EventLog::operator=(EventLog&&) noexcept = default;
EventLog::~EventLog() = default;

std::uint32_t EventLog::intern_actor(std::string_view actor) {
  const auto found = actor_index_.find(actor);
  if (found != actor_index_.end()) return found->second;
  const auto index = static_cast<std::uint32_t>(actors_.size());
  actors_.emplace_back(actor);
  actor_index_.emplace(actors_.back(), index);
  return index;
}

std::uint8_t* EventLog::reserve(std::size_t bytes) {
  if (chunks_.empty() || chunks_.back().capacity - chunks_.back().used < bytes) {
    Chunk chunk;
    chunk.capacity = std::max(chunk_size, bytes);
    chunk.bytes = std::make_unique_for_overwrite<std::uint8_t[]>(chunk.capacity);
    chunks_.push_back(std::move(chunk));
  }
  Chunk& chunk = chunks_.back();
  std::uint8_t* at = chunk.bytes.get() + chunk.used;
  chunk.used += bytes;
  return at;
}

void EventLog::count(EventKind kind, std::span<const std::uint8_t> raw) {
  if (raw.empty()) return;
  ++tally_[static_cast<std::size_t>(kind) & 7][raw[0] >> 4];
}

void EventLog::append_packet(std::int64_t time_ns, std::uint32_t connection, std::uint32_t actor,
                             EventKind kind, ProtocolVersion version, bool decodes,
                             std::span<const std::uint8_t> raw) {
  const Header header{time_ns,
                      connection,
                      actor,
                      static_cast<std::uint32_t>(raw.size()),
                      kind,
                      decodes ? Form::packet : Form::raw_only,
                      static_cast<std::uint8_t>(version),
                      0};
  std::uint8_t* at = reserve(sizeof header + raw.size());
  std::memcpy(at, &header, sizeof header);
  if (!raw.empty()) std::memcpy(at + sizeof header, raw.data(), raw.size());
  if (decodes) count(kind, raw);
  ++size_;
}

void EventLog::append(const Event& event) {
  const std::uint32_t actor = intern_actor(event.actor);
  if (event.packet || event.error || event.frame || event.websocket || event.looked_ns) {
    const Header header{event.time_ns, event.connection, actor, 4, event.kind, Form::whole, 0, 0};
    std::uint8_t* at = reserve(sizeof header + 4);
    std::memcpy(at, &header, sizeof header);
    write_u32(at + sizeof header, static_cast<std::uint32_t>(whole_.size()));
    whole_.push_back(event);
    if (event.packet) {
      ++tally_[static_cast<std::size_t>(event.kind) & 7]
              [static_cast<std::size_t>(packet_type(*event.packet)) & 15];
    }
    ++size_;
    return;
  }
  const std::size_t data_size = 8 + event.fault.size() + event.detail.size() + event.raw.size();
  const Header header{
      event.time_ns,
      event.connection,
      actor,
      static_cast<std::uint32_t>(data_size),
      event.kind,
      Form::plain,
      0,
      static_cast<std::uint8_t>(event.close_reason ? static_cast<int>(*event.close_reason) + 1 : 0)};
  std::uint8_t* at = reserve(sizeof header + data_size);
  std::memcpy(at, &header, sizeof header);
  at += sizeof header;
  write_u32(at, static_cast<std::uint32_t>(event.fault.size()));
  write_u32(at + 4, static_cast<std::uint32_t>(event.detail.size()));
  at += 8;
  std::memcpy(at, event.fault.data(), event.fault.size());
  at += event.fault.size();
  std::memcpy(at, event.detail.data(), event.detail.size());
  at += event.detail.size();
  if (!event.raw.empty()) std::memcpy(at, event.raw.data(), event.raw.size());
  ++size_;
}

std::size_t EventLog::memory_bytes() const {
  std::size_t bytes = whole_.size() * sizeof(Event);
  for (const auto& chunk : chunks_) bytes += chunk.capacity;
  for (const auto& actor : actors_) bytes += sizeof actor + actor.capacity();
  return bytes;
}

void EventLog::materialize_chunk(const Chunk& chunk, History& history, std::uint64_t& sequence) const {
  const std::uint8_t* at = chunk.bytes.get();
  const std::uint8_t* const end = at + chunk.used;
  while (at < end) {
    Header header;
    std::memcpy(&header, at, sizeof header);
    const std::uint8_t* data = at + sizeof header;
    at = data + header.data_size;
    if (header.form == Form::whole) {
      Event event = whole_[read_u32(data)];
      event.sequence = sequence++;
      history.events.push_back(std::move(event));
      continue;
    }
    Event event;
    event.sequence = sequence++;
    event.time_ns = header.time_ns;
    event.connection = header.connection;
    event.actor = actors_[header.actor];
    event.kind = header.kind;
    if (header.form == Form::plain) {
      const std::uint32_t fault_size = read_u32(data);
      const std::uint32_t detail_size = read_u32(data + 4);
      const auto* text = reinterpret_cast<const char*>(data + 8);
      event.fault.assign(text, fault_size);
      event.detail.assign(text + fault_size, detail_size);
      event.raw.assign(data + 8 + fault_size + detail_size, at);
      if (header.close_reason != 0) event.close_reason = static_cast<CloseReason>(header.close_reason - 1);
    } else {
      event.raw.assign(data, at);
      if (header.form == Form::packet) {
        const Sender sender = header.kind == EventKind::received ? Sender::server : Sender::client;
        auto decoded = decode_packet(event.raw, sender, static_cast<ProtocolVersion>(header.version));
        // By append_packet's contract this always decodes; a packet that did not would show as raw only.
        if (auto* packet = std::get_if<Packet>(&decoded)) event.packet = std::move(*packet);
      }
    }
    history.events.push_back(std::move(event));
  }
}

History EventLog::materialize() const {
  History history;
  history.events.reserve(size_);
  std::uint64_t sequence = taken_ + 1;
  for (const auto& chunk : chunks_) materialize_chunk(chunk, history, sequence);
  return history;
}

History EventLog::take() {
  History history;
  history.events.reserve(size_);
  std::uint64_t sequence = taken_ + 1;
  for (auto& chunk : chunks_) {
    materialize_chunk(chunk, history, sequence);
    chunk = Chunk{};
  }
  chunks_.clear();
  whole_.clear();
  taken_ += size_;
  size_ = 0;
  tally_ = {};
  return history;
}

}  // namespace mqtt::history
