#include "capture/mqtt_direction.hpp"

#include <algorithm>
#include <utility>

#include "capture/fixed_header.hpp"

namespace mqtt::capture {
namespace {

constexpr std::size_t max_held_bytes = 1u << 20;
constexpr std::size_t max_error_raw = 64u << 10;

}  // namespace

MqttDirection::MqttDirection(Sender sender, bool websocket, bool resynchronise)
    : sender_(sender),
      state_(resynchronise              ? State::resynchronising
             : sender == Sender::client ? State::decoding
                                        : State::waiting_for_version) {
  if (websocket) websocket_.emplace(sender == Sender::client);
  if (state_ == State::resynchronising) begin_resynchronising();
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
  if (search_) offsets_examined_before_ += search_->offsets_examined();
  search_.reset();
}

void MqttDirection::begin_resynchronising() {
  state_ = State::resynchronising;
  if (search_) offsets_examined_before_ += search_->offsets_examined();
  // After a gap, a version assumed earlier stays: one connection is decoded under one version.
  search_.emplace(sender_, version_);
}

std::uint64_t MqttDirection::offsets_examined() const {
  return offsets_examined_before_ + (search_ ? search_->offsets_examined() : 0);
}

void MqttDirection::set_version(ProtocolVersion version) {
  if (version_) return;
  version_ = version;
  version_assumed_ = false;
  if (state_ == State::resynchronising) {  // search again, under the version now known
    begin_resynchronising();
    if (!held_.empty()) try_resynchronise(false);
    return;
  }
  if (state_ != State::waiting_for_version) return;
  start_decoder(version, held_base_);
  auto held = std::move(held_);
  held_.clear();
  decode(held);
}

void MqttDirection::resynchronise_without_version() {
  if (state_ != State::waiting_for_version) return;
  begin_resynchronising();
  if (!held_.empty()) try_resynchronise(false);
}

void MqttDirection::answer_refused_connect() {
  if (state_ != State::waiting_for_version || version_) return;
  answering_refused_connect_ = true;
  version_from_answer(false);
}

// A 3.1.1 CONNACK has exactly two bytes after its fixed header; a 5.0 one at least three (flags, reason code,
// property length). `final`: the stream ended, decode what is held as 3.1.1 so its end is reported.
void MqttDirection::version_from_answer(bool final) {
  if (held_.empty() && !final) return;
  const auto header = read_fixed_header(held_, 0);
  if (header.status == FixedHeader::Status::incomplete && !final) return;
  constexpr std::uint8_t connack_type = 0x20;
  const bool v5 = header.status == FixedHeader::Status::complete && (held_[0] & 0xF0) == connack_type &&
                  header.total - header.header_size >= 3;
  version_ = v5 ? ProtocolVersion::v5 : ProtocolVersion::v3_1_1;
  version_assumed_ = false;
  answering_refused_connect_ = false;
  const auto [frame, time_ns] = frame_of(held_base_ + 1);
  note("the client's CONNECT did not decode (protocol level or name); decoding the broker's answer as MQTT " +
           std::string(to_string(*version_)) +
           (v5 ? " (a CONNACK longer than two bytes)" : " (the form every client can read)"),
       frame, time_ns);
  start_decoder(*version_, held_base_);
  auto held = std::move(held_);
  held_.clear();
  if (!held.empty()) decode(held);
}

void MqttDirection::start_decoder(ProtocolVersion version, std::uint64_t at) {
  DecoderOptions options;
  options.sender = sender_;
  options.version = version;
  decoder_.emplace(options);
  decoder_base_ = at;
  tail_.clear();
  state_ = State::decoding;
  if (search_) offsets_examined_before_ += search_->offsets_examined();
  search_.reset();
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
  websocket_facts(frame, time_ns);
  const auto messages = websocket_->take_messages();
  if (!scratch_.empty()) {
    const std::vector<std::uint8_t> unframed = std::move(scratch_);
    scratch_.clear();
    mqtt_bytes(unframed, frame, time_ns);
  }
  // The server's data messages, for MQTT-6.0.0-1: every text one, and the first binary one (which is enough to
  // exercise the rule; recording them all would double a capture's history).
  for (const auto& message : messages) {
    if (sender_ == Sender::client || (!message.text && binary_message_reported_)) continue;
    binary_message_reported_ = binary_message_reported_ || !message.text;
    DirectionEvent event;
    event.kind = DirectionEvent::Kind::websocket_message;
    event.websocket.emplace();
    event.websocket->frame = message.text ? "text" : "binary";
    event.websocket->size = message.size;
    event.frame = frame;
    event.time_ns = time_ns;
    out_.push_back(std::move(event));
  }
  if (failure && state_ != State::stopped)
    stop("WebSocket: " + *failure + "; this direction is not decoded further", frame, time_ns);
}

// The upgrade's head (once), and the client's data frames for telling how its packets were framed.
void MqttDirection::websocket_facts(std::uint64_t frame, std::int64_t time_ns) {
  // A refused upgrade's head is complete too, but opens no WebSocket: there is no choice to judge.
  if (!head_reported_ && websocket_->subprotocols() && !websocket_->in_http_head()) {
    head_reported_ = true;
    DirectionEvent event;
    event.kind = DirectionEvent::Kind::websocket_head;
    event.websocket.emplace();
    event.websocket->subprotocol = *websocket_->subprotocols();
    event.frame = frame;
    event.time_ns = time_ns;
    out_.push_back(std::move(event));
  }
  auto frames = websocket_->take_frames();
  if (sender_ == Sender::client) client_frames_.insert(client_frames_.end(), frames.begin(), frames.end());
}

std::optional<history::WebSocketDetail> MqttDirection::client_framing(std::uint64_t start, std::uint64_t end) {
  while (!client_frames_.empty() && client_frames_.front().end <= start) client_frames_.pop_front();
  bool text = false;
  bool split = false;
  bool shared = false;
  for (const auto& data_frame : client_frames_) {
    if (data_frame.start >= end) break;
    if (data_frame.end == data_frame.start) continue;  // an empty frame carries no byte of the packet
    text = text || data_frame.text;
    if (data_frame.end < end) split = true;
    if (data_frame.end > end) shared = true;
  }
  if (!text && !split && !shared) return std::nullopt;
  history::WebSocketDetail detail;
  detail.frame = text ? "text" : split ? "split" : "shared";
  return detail;
}

void MqttDirection::mqtt_bytes(std::span<const std::uint8_t> bytes, std::uint64_t frame,
                               std::int64_t time_ns) {
  mqtt_offset_ += bytes.size();
  chunks_.push_back(Chunk{mqtt_offset_, frame, time_ns});
  switch (state_) {
    case State::waiting_for_version:
      held_.insert(held_.end(), bytes.begin(), bytes.end());
      if (answering_refused_connect_) {
        version_from_answer(false);
      } else if (held_.size() > max_held_bytes) {
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
      if (websocket_ && sender_ == Sender::client) event.websocket = client_framing(end - decoded->raw.size(), end);
      if (!version_) version_ = packet_version(decoded->packet);
      event.packet = std::move(decoded->packet);
      out_.push_back(std::move(event));
      continue;
    }
    if (std::holds_alternative<NeedMoreData>(next)) break;
    // A decode error: keep the failing packet's bytes (as far as its length says) for the history.
    auto error = std::get<DecodeError>(std::move(next));
    if (version_assumed_) {
      // Under a guessed version the bytes prove nothing about the broker: the guess may be what failed.
      const auto [frame, time_ns] = frame_of(decoder_base_ + decoder_->consumed() + 1);
      error.offset += decoder_base_;
      DirectionEvent event;
      event.kind = DirectionEvent::Kind::lost;
      event.text = "bytes do not decode as MQTT " + std::string(to_string(*version_)) +
                   " (assumed: no CONNECT seen): " + describe(error) + "; this direction is not decoded further";
      event.frame = frame;
      event.time_ns = time_ns;
      out_.push_back(std::move(event));
      state_ = State::stopped;
      decoder_.reset();
      held_.clear();
      return;
    }
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

namespace {

std::string basis_text(PacketBoundarySearch::Found::Basis basis, Sender sender) {
  using Basis = PacketBoundarySearch::Found::Basis;
  const std::string other = sender == Sender::client ? "broker's" : "client's";
  switch (basis) {
    case Basis::known_version: return "";
    case Basis::only_version: return " (assumed: no CONNECT seen; only this version decodes here)";
    case Basis::stricter_reading:
      return " (assumed: no CONNECT seen; 3.1.1 and 5.0 both decode here, and 5.0 reads a property block "
             "that 3.1.1 would take for payload)";
    case Basis::same_reading:
      return " (assumed: no CONNECT seen; these packets read the same in 3.1.1 and 5.0, so the " + other +
             " stream or the default decided)";
  }
  return "";
}

}  // namespace

void MqttDirection::try_resynchronise(bool final) {
  const bool forced = final || held_.size() > max_held_bytes;
  const auto found = search_->search(held_, forced, hint_);
  if (!found) {
    if (forced) {
      stop("no MQTT packet boundary found in " + std::to_string(held_.size()) +
               " bytes; this direction is not decoded",
           last_frame_, last_time_ns_);
    }
    return;
  }
  const std::size_t at = found->offset;
  const auto [frame, time_ns] = frame_of(held_base_ + at + 1);
  const bool assumed = found->basis != PacketBoundarySearch::Found::Basis::known_version;
  note("resynchronised at stream byte " + std::to_string(held_base_ + at) + " after skipping " +
           std::to_string(at) + " bytes (no packet boundary was known); decoding as MQTT " +
           std::string(to_string(found->version)) +
           (assumed ? basis_text(found->basis, sender_)
                    : version_assumed_ ? " (assumed earlier: no CONNECT seen)" : ""),
       frame, time_ns);
  if (assumed) {
    version_ = found->version;
    version_assumed_ = true;
  }
  start_decoder(found->version, held_base_ + at);
  std::vector<std::uint8_t> rest(held_.begin() + static_cast<std::ptrdiff_t>(at), held_.end());
  held_.clear();
  decode(rest);
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
  begin_resynchronising();
}

void MqttDirection::finish(std::uint64_t frame, std::int64_t time_ns) {
  last_frame_ = std::max(last_frame_, frame);
  last_time_ns_ = std::max(last_time_ns_, time_ns);
  switch (state_) {
    case State::resynchronising:
      if (!held_.empty()) try_resynchronise(true);
      break;
    case State::waiting_for_version:
      if (answering_refused_connect_ && !held_.empty()) {
        version_from_answer(true);
        if (state_ == State::decoding && decoder_->buffered() > 0) {
          note("the stream ended inside a packet: " + std::to_string(decoder_->buffered()) + " bytes undecoded",
               frame, time_ns);
        }
      } else if (!held_.empty()) {
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
