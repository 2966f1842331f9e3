#include "history/event_log_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "codec/decoder.hpp"
#include "history/json.hpp"

namespace mqtt::history {
namespace {

constexpr char magic[8] = {'M', 'Q', 'H', 'L', 'O', 'G', '1', '\n'};
constexpr std::uint8_t actor_record = 1;
constexpr std::uint8_t packet_record = 2;
constexpr std::uint8_t event_record = 3;
constexpr std::size_t packet_header = 8 + 4 + 4 + 1 + 1;

template <typename Value>
void put(std::uint8_t*& at, Value value) {
  std::memcpy(at, &value, sizeof value);
  at += sizeof value;
}

template <typename Value>
Value get(const std::uint8_t*& at) {
  Value value;
  std::memcpy(&value, at, sizeof value);
  at += sizeof value;
  return value;
}

}  // namespace

EventLogWriter::EventLogWriter(const std::filesystem::path& path, EventLogPolicy policy)
    : path_(path), policy_(policy), last_write_(std::chrono::steady_clock::now()) {
  descriptor_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (descriptor_ < 0) throw std::runtime_error(path.string() + ": cannot create: " + std::strerror(errno));
  buffer_.reserve(policy_.buffer_bytes + 4096);
  buffer_.append(magic, sizeof magic);
  write_buffer();  // a log that exists is readable, even before its first event
}

EventLogWriter::~EventLogWriter() {
  try {
    close();
  } catch (const std::exception&) {  // a destructor cannot report it; close() explicitly to see errors
  }
}

void EventLogWriter::write_buffer() {
  const std::uint8_t* at = buffer_.data();
  std::size_t left = buffer_.size();
  while (left > 0) {
    const auto written = ::write(descriptor_, at, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(path_.string() + ": write failed: " + std::strerror(errno));
    }
    at += written;
    left -= static_cast<std::size_t>(written);
  }
  bytes_written_ += buffer_.size();
  buffer_.clear();
  last_write_ = std::chrono::steady_clock::now();
}

void EventLogWriter::record(std::uint8_t type, std::size_t body_size) {
  const auto size = static_cast<std::uint32_t>(1 + body_size);
  std::uint8_t* at = buffer_.extend(4 + 1);
  std::memcpy(at, &size, 4);
  at[4] = type;
}

const std::pair<const std::string, std::uint32_t>& EventLogWriter::actor_entry(const std::string& actor) {
  const auto [found, inserted] = actors_.try_emplace(actor, static_cast<std::uint32_t>(actors_.size()));
  if (inserted) {
    record(actor_record, actor.size());
    buffer_.append(actor.data(), actor.size());
  }
  return *found;
}

EventLogWriter::ConnectionEntry& EventLogWriter::new_connection_entry(std::uint32_t connection) {
  if (connection >= flat_connection_limit) return other_connections_[connection];
  flat_connections_.resize(static_cast<std::size_t>(connection) + 1);
  return flat_connections_[connection];
}

void EventLogWriter::append(const Event& event) {
  if (descriptor_ < 0) throw std::runtime_error(path_.string() + ": the log is closed");
  auto& connection = connection_entry(event.connection);
  if (event.packet && event.kind == EventKind::sent) {
    if (const auto* connect = std::get_if<Connect>(&*event.packet)) connection.version = connect->version;
  }
  const bool compact = event.packet && !event.raw.empty() && !event.error && !event.frame && !event.websocket &&
                       !event.looked_ns &&
                       (event.kind == EventKind::sent || event.kind == EventKind::received) &&
                       connection.version && event.fault.empty() && event.detail.empty() && !event.close_reason;
  if (compact) {
    if (!connection.actor || connection.actor->first != event.actor) connection.actor = &actor_entry(event.actor);
    const std::uint32_t actor = connection.actor->second;
    // One extend for the whole record (size, type, header, raw bytes): this runs for nearly every event.
    const auto size = static_cast<std::uint32_t>(1 + packet_header + event.raw.size());
    std::uint8_t* at = buffer_.extend(4 + size);
    put(at, size);
    put(at, packet_record);
    put(at, event.time_ns);
    put(at, event.connection);
    put(at, actor);
    put(at, static_cast<std::uint8_t>(event.kind));
    put(at, static_cast<std::uint8_t>(*connection.version));
    std::memcpy(at, event.raw.data(), event.raw.size());
  } else {
    const std::string text = to_json_line(event);
    record(event_record, text.size());
    buffer_.append(text.data(), text.size());
  }
  ++events_;
  if (buffer_.size() >= policy_.buffer_bytes) {
    write_buffer();
  } else if (events_ % 64 == 0 || policy_.interval.count() == 0) {
    tick();
  }
}

void EventLogWriter::tick() {
  if (descriptor_ < 0 || buffer_.empty()) return;
  if (std::chrono::steady_clock::now() - last_write_ >= policy_.interval) write_buffer();
}

void EventLogWriter::close() {
  if (descriptor_ < 0) return;
  const int descriptor = descriptor_;
  try {
    if (!buffer_.empty()) write_buffer();
  } catch (...) {
    ::close(descriptor);
    descriptor_ = -1;
    throw;
  }
  descriptor_ = -1;
  const bool synced = ::fsync(descriptor) == 0;
  const int error = errno;
  const bool closed = ::close(descriptor) == 0;
  if (!synced || !closed) {
    throw std::runtime_error(path_.string() + ": " + (synced ? "close" : "fsync") + " failed: " +
                             std::strerror(synced ? errno : error));
  }
}

bool is_event_log(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char start[sizeof magic] = {};
  in.read(start, sizeof start);
  return in.gcount() == sizeof start && std::memcmp(start, magic, sizeof magic) == 0;
}

EventLogContents read_event_log(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path.string() + ": cannot open: " + std::strerror(errno));
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < sizeof magic || std::memcmp(bytes.data(), magic, sizeof magic) != 0) {
    throw FormatError(path.string() + ": not a history log (it does not start with MQHLOG1)");
  }
  EventLogContents contents;
  std::vector<std::string> actors;
  std::size_t offset = sizeof magic;
  while (offset < bytes.size()) {
    if (bytes.size() - offset < 5) {
      contents.cut_short = true;
      break;
    }
    const std::uint8_t* at = bytes.data() + offset;
    const auto size = get<std::uint32_t>(at);
    if (size == 0) throw FormatError(path.string() + ": record at byte " + std::to_string(offset) + ": empty");
    if (bytes.size() - offset - 4 < size) {
      contents.cut_short = true;
      break;
    }
    const std::uint8_t type = *at++;
    const std::uint8_t* const end = at + (size - 1);
    const auto where = [&] { return path.string() + ": record at byte " + std::to_string(offset); };
    if (type == actor_record) {
      actors.emplace_back(reinterpret_cast<const char*>(at), static_cast<std::size_t>(end - at));
    } else if (type == packet_record) {
      if (static_cast<std::size_t>(end - at) < packet_header) throw FormatError(where() + ": packet record too short");
      Event event;
      event.time_ns = get<std::int64_t>(at);
      event.connection = get<std::uint32_t>(at);
      const auto actor = get<std::uint32_t>(at);
      event.kind = static_cast<EventKind>(get<std::uint8_t>(at));
      const auto version = static_cast<ProtocolVersion>(get<std::uint8_t>(at));
      if (actor >= actors.size()) throw FormatError(where() + ": actor " + std::to_string(actor) + " not defined");
      if (event.kind != EventKind::sent && event.kind != EventKind::received) {
        throw FormatError(where() + ": a packet record that is neither sent nor received");
      }
      event.actor = actors[actor];
      event.raw.assign(at, end);
      const Sender sender = event.kind == EventKind::received ? Sender::server : Sender::client;
      auto decoded = decode_packet(event.raw, sender, version);
      if (auto* packet = std::get_if<Packet>(&decoded)) event.packet = std::move(*packet);
      event.sequence = contents.history.events.size() + 1;
      contents.history.events.push_back(std::move(event));
    } else if (type == event_record) {
      Event event;
      try {
        event = event_from_json(nlohmann::json::parse(at, end));
      } catch (const nlohmann::json::exception& error) {
        throw FormatError(where() + ": " + error.what());
      } catch (const FormatError& error) {
        throw FormatError(where() + ": " + error.what());
      }
      event.sequence = contents.history.events.size() + 1;
      contents.history.events.push_back(std::move(event));
    } else {
      throw FormatError(where() + ": unknown record type " + std::to_string(type));
    }
    offset += 4 + size;
  }
  return contents;
}

}  // namespace mqtt::history
