#include "capture/mqtt_direction.hpp"

#include <algorithm>
#include <utility>

namespace mqtt::capture {
namespace {

constexpr std::size_t max_held_bytes = 1u << 20;
constexpr std::size_t max_error_raw = 64u << 10;

struct FixedHeader {
  enum class Status : std::uint8_t { complete, incomplete, invalid } status = Status::invalid;
  std::size_t total = 0;  // fixed header + remaining length
};

FixedHeader read_fixed_header(std::span<const std::uint8_t> bytes, std::size_t at) {
  if (at >= bytes.size()) return {FixedHeader::Status::incomplete};
  std::uint32_t remaining = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (at + 1 + i >= bytes.size()) return {FixedHeader::Status::incomplete};
    const std::uint8_t byte = bytes[at + 1 + i];
    remaining |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) return {FixedHeader::Status::complete, 2 + i + remaining};
  }
  return {FixedHeader::Status::invalid};
}

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

enum class Boundary : std::uint8_t { accept, reject, undecided };

// Would decoding from `at` work? Every complete packet from there on must decode; two packets (or, at the end
// of the stream, one packet ending exactly there) make the offset a boundary.
Boundary evaluate(std::span<const std::uint8_t> bytes, std::size_t at, Sender sender, ProtocolVersion version,
                  bool final) {
  int packets = 0;
  std::size_t position = at;
  for (;;) {
    if (packets >= 8) return Boundary::accept;
    if (position == bytes.size()) {
      return packets >= 2 || (final && packets >= 1) ? Boundary::accept : Boundary::undecided;
    }
    if (!plausible_type(bytes[position], sender)) return Boundary::reject;
    const auto header = read_fixed_header(bytes, position);
    if (header.status == FixedHeader::Status::invalid) return Boundary::reject;
    if (header.status == FixedHeader::Status::incomplete || position + header.total > bytes.size()) {
      if (packets >= 2) return Boundary::accept;
      return final ? Boundary::reject : Boundary::undecided;
    }
    const auto decoded = decode_packet(bytes.subspan(position, header.total), sender, version);
    if (std::holds_alternative<DecodeError>(decoded)) return Boundary::reject;
    position += header.total;
    ++packets;
  }
}

}  // namespace

MqttDirection::MqttDirection(Sender sender, bool websocket, bool resynchronise)
    : sender_(sender),
      state_(resynchronise              ? State::resynchronising
             : sender == Sender::client ? State::decoding
                                        : State::waiting_for_version) {
  if (websocket) websocket_.emplace(sender == Sender::client);
  if (state_ == State::decoding) {
    DecoderOptions options;
    options.sender = sender_;
    decoder_.emplace(options);
  }
}

void MqttDirection::note(std::string text, std::uint64_t frame, std::int64_t time_ns) {
  DirectionEvent event;
  event.kind = DirectionEvent::Kind::note;
  event.text = std::move(text);
  event.frame = frame;
  event.time_ns = time_ns;
  out_.push_back(std::move(event));
}

void MqttDirection::stop(std::string text, std::uint64_t frame, std::int64_t time_ns) {
  note(std::move(text), frame, time_ns);
  state_ = State::stopped;
  decoder_.reset();
  held_.clear();
}

void MqttDirection::set_version(ProtocolVersion version) {
  if (version_) return;
  version_ = version;
  if (state_ != State::waiting_for_version) return;
  start_decoder(version, held_base_);
  auto held = std::move(held_);
  held_.clear();
  decode(held);
}

void MqttDirection::resynchronise_without_version() {
  if (state_ != State::waiting_for_version) return;
  state_ = State::resynchronising;
  if (!held_.empty()) try_resynchronise(false);
}

void MqttDirection::start_decoder(ProtocolVersion version, std::uint64_t at) {
  DecoderOptions options;
  options.sender = sender_;
  options.version = version;
  decoder_.emplace(options);
  decoder_base_ = at;
  tail_.clear();
  state_ = State::decoding;
}

std::pair<std::uint64_t, std::int64_t> MqttDirection::frame_of(std::uint64_t end_offset) {
  while (chunks_.size() > 1 && chunks_.front().end < end_offset) chunks_.pop_front();
  if (chunks_.empty()) return {last_frame_, last_time_ns_};
  return {chunks_.front().frame, chunks_.front().time_ns};
}

void MqttDirection::data(std::span<const std::uint8_t> bytes, std::uint64_t frame, std::int64_t time_ns) {
  last_frame_ = frame;
  last_time_ns_ = time_ns;
  if (state_ == State::stopped) return;
  if (!websocket_) {
    mqtt_bytes(bytes, frame, time_ns);
    return;
  }
  scratch_.clear();
  const auto failure = websocket_->feed(bytes, scratch_);
  if (!scratch_.empty()) {
    const std::vector<std::uint8_t> unframed = std::move(scratch_);
    scratch_.clear();
    mqtt_bytes(unframed, frame, time_ns);
  }
  if (failure && state_ != State::stopped)
    stop("WebSocket: " + *failure + "; this direction is not decoded further", frame, time_ns);
}

void MqttDirection::mqtt_bytes(std::span<const std::uint8_t> bytes, std::uint64_t frame,
                               std::int64_t time_ns) {
  mqtt_offset_ += bytes.size();
  chunks_.push_back(Chunk{mqtt_offset_, frame, time_ns});
  switch (state_) {
    case State::waiting_for_version:
      held_.insert(held_.end(), bytes.begin(), bytes.end());
      if (held_.size() > max_held_bytes) {
        stop(
            "more than 1 MiB from the server before the client's CONNECT gave a protocol version; "
            "this direction is not decoded",
            frame, time_ns);
      }
      break;
    case State::resynchronising:
      held_.insert(held_.end(), bytes.begin(), bytes.end());
      try_resynchronise(false);
      break;
    case State::decoding:
      decode(bytes);
      break;
    case State::stopped:
      break;
  }
}

void MqttDirection::decode(std::span<const std::uint8_t> bytes) {
  decoder_->feed(bytes);
  for (;;) {
    auto next = decoder_->next();
    if (auto* decoded = std::get_if<DecodedPacket>(&next)) {
      const std::uint64_t end = decoder_base_ + decoded->offset + decoded->raw.size();
      const auto [frame, time_ns] = frame_of(end);
      DirectionEvent event;
      event.kind = DirectionEvent::Kind::packet;
      event.raw.assign(decoded->raw.begin(), decoded->raw.end());
      event.frame = frame;
      event.time_ns = time_ns;
      if (!version_) version_ = packet_version(decoded->packet);
      event.packet = std::move(decoded->packet);
      out_.push_back(std::move(event));
      continue;
    }
    if (std::holds_alternative<NeedMoreData>(next)) break;
    // A decode error: keep the failing packet's bytes (as far as its length says) for the history.
    auto error = std::get<DecodeError>(std::move(next));
    const std::uint64_t fed_end = decoder_->consumed() + decoder_->buffered();
    const std::uint64_t tail_start = fed_end - bytes.size() - tail_.size();
    std::vector<std::uint8_t> combined = tail_;
    combined.insert(combined.end(), bytes.begin(), bytes.end());
    const std::size_t start =
        static_cast<std::size_t>(std::min<std::uint64_t>(decoder_->consumed() - tail_start, combined.size()));
    std::size_t length = std::min(combined.size() - start, max_error_raw);
    const auto header = read_fixed_header(combined, start);
    if (header.status == FixedHeader::Status::complete) length = std::min(length, header.total);
    DirectionEvent event;
    event.kind = DirectionEvent::Kind::decode_error;
    event.raw.assign(combined.begin() + static_cast<std::ptrdiff_t>(start),
                     combined.begin() + static_cast<std::ptrdiff_t>(start + length));
    error.offset += decoder_base_;
    event.error = error;
    const auto [frame, time_ns] = frame_of(decoder_base_ + decoder_->consumed() + length);
    event.frame = frame;
    event.time_ns = time_ns;
    out_.push_back(std::move(event));
    stop("decoding of this direction stopped after the decode error", frame, time_ns);
    return;
  }
  // Keep the bytes the decoder still buffers, so a later error can show them.
  const std::size_t buffered = decoder_->buffered();
  if (buffered <= bytes.size()) {
    tail_.assign(bytes.end() - static_cast<std::ptrdiff_t>(buffered), bytes.end());
  } else {
    const std::size_t from_tail = buffered - bytes.size();
    tail_.erase(tail_.begin(), tail_.end() - static_cast<std::ptrdiff_t>(std::min(from_tail, tail_.size())));
    tail_.insert(tail_.end(), bytes.begin(), bytes.end());
  }
}

void MqttDirection::try_resynchronise(bool final) {
  const std::span<const std::uint8_t> bytes = held_;
  const bool forced = final || held_.size() > max_held_bytes;
  std::vector<ProtocolVersion> versions;
  if (version_) {
    versions.push_back(*version_);
  } else {
    versions = {ProtocolVersion::v3_1_1, ProtocolVersion::v5};
  }
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    bool undecided = false;
    for (const auto version : versions) {
      const auto verdict = evaluate(bytes, at, sender_, version, final);
      if (verdict == Boundary::accept) {
        const auto [frame, time_ns] = frame_of(held_base_ + at + 1);
        note("resynchronised at stream byte " + std::to_string(held_base_ + at) + " after skipping " +
                 std::to_string(at) + " bytes (no packet boundary was known); decoding as MQTT " +
                 std::string(to_string(version)) + (version_ ? "" : " (assumed: no CONNECT seen)"),
             frame, time_ns);
        if (!version_) version_ = version;
        start_decoder(version, held_base_ + at);
        std::vector<std::uint8_t> rest(held_.begin() + static_cast<std::ptrdiff_t>(at), held_.end());
        held_.clear();
        decode(rest);
        return;
      }
      if (verdict == Boundary::undecided) undecided = true;
    }
    if (undecided && !forced) return;  // an earlier offset may still prove to be the boundary
  }
  if (forced) {
    stop("no MQTT packet boundary found in " + std::to_string(held_.size()) +
             " bytes; this direction is not decoded",
         last_frame_, last_time_ns_);
  }
}

void MqttDirection::gap(std::uint64_t offset, std::uint64_t length, const std::string& reason,
                        std::uint64_t frame, std::int64_t time_ns) {
  last_frame_ = frame;
  last_time_ns_ = time_ns;
  if (state_ == State::stopped) return;
  note("capture gap: " + std::to_string(length) + " byte(s) missing at stream byte " +
           std::to_string(offset) + " (" + reason + ")",
       frame, time_ns);
  if (websocket_) {
    stop("WebSocket framing cannot be recovered after a gap; this direction is not decoded further", frame,
         time_ns);
    return;
  }
  decoder_.reset();
  held_.clear();
  mqtt_offset_ += length;
  held_base_ = mqtt_offset_;
  state_ = State::resynchronising;
}

void MqttDirection::finish(std::uint64_t frame, std::int64_t time_ns) {
  last_frame_ = std::max(last_frame_, frame);
  last_time_ns_ = std::max(last_time_ns_, time_ns);
  switch (state_) {
    case State::resynchronising:
      if (!held_.empty()) try_resynchronise(true);
      break;
    case State::waiting_for_version:
      if (!held_.empty()) {
        note(std::to_string(held_.size()) + " bytes were never decoded: no CONNECT gave the protocol version",
             frame, time_ns);
      }
      break;
    case State::decoding:
      if (decoder_->buffered() > 0) {
        note("the stream ended inside a packet: " + std::to_string(decoder_->buffered()) + " bytes undecoded",
             frame, time_ns);
      }
      break;
    case State::stopped:
      break;
  }
}

std::vector<DirectionEvent> MqttDirection::take() {
  std::vector<DirectionEvent> events;
  events.swap(out_);
  return events;
}

}  // namespace mqtt::capture
