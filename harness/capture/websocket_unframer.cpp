#include "capture/websocket_unframer.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace mqtt::capture {
namespace {

// Bytes from the capture, shown in a one-line message: at most 80 of them, anything but printable ASCII escaped.
std::string quoted_excerpt(std::string_view text) {
  constexpr std::size_t limit = 80;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7F && byte != '"' && byte != '\\') {
      out.push_back(static_cast<char>(byte));
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      out += escaped;
    }
  }
  out += text.size() > limit ? "\"..." : "\"";
  return out;
}

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

constexpr std::size_t max_head = 16 * 1024;

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// The Sec-WebSocket-Protocol value of an HTTP head; a header given on several lines is one list (RFC 7230 3.2.2).
std::string protocol_header(std::string_view head) {
  std::string value;
  std::size_t at = head.find('\n');
  while (at != std::string_view::npos) {
    const std::size_t next = head.find('\n', at + 1);
    const std::string_view line = head.substr(at + 1, next == std::string_view::npos ? next : next - at - 1);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && lower(trimmed(line.substr(0, colon))) == "sec-websocket-protocol") {
      const std::string_view item = trimmed(line.substr(colon + 1));
      if (!value.empty() && !item.empty()) value += ",";
      value += item;
    }
    at = next;
  }
  return value;
}

}  // namespace

std::optional<bool> is_websocket_upgrade(std::span<const std::uint8_t> bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), std::min(bytes.size(), max_head));
  if (text.size() < 4)
    return text == std::string_view("GET ").substr(0, text.size()) ? std::nullopt : std::optional(false);
  if (!text.starts_with("GET ")) return false;
  const auto end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) return text.size() >= max_head ? std::optional(false) : std::nullopt;
  const std::string head = lower(text.substr(0, end));
  return head.find("\nupgrade:") != std::string::npos && head.find("websocket") != std::string::npos;
}

std::optional<std::string> WebSocketUnframer::feed(std::span<const std::uint8_t> bytes,
                                                   std::vector<std::uint8_t>& mqtt) {
  if (failure_) return failure_;
  std::size_t at = 0;
  if (!head_done_) {
    const std::size_t before = head_.size();
    head_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const auto end = head_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (head_.size() > max_head) failure_ = "the HTTP head is longer than 16 KiB";
      return failure_;
    }
    subprotocols_ = protocol_header(std::string_view(head_).substr(0, end));
    if (!from_client_ && !head_.starts_with("HTTP/1.1 101")) {
      failure_ = "the server refused the WebSocket upgrade: " + quoted_excerpt(head_.substr(0, head_.find("\r\n")));
      return failure_;
    }
    head_done_ = true;
    at = end + 4 - before;
    head_.clear();
  }
  while (at < bytes.size() && !closed_) {
    if (payload_left_ > 0) {
      const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, bytes.size() - at));
      if (payload_is_data_) {
        data_offset_ += take;
        message_size_ += take;
        const std::size_t first = mqtt.size();
        mqtt.insert(mqtt.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at),
                    bytes.begin() + static_cast<std::ptrdiff_t>(at + take));
        if (masked_) {
          for (std::size_t i = first; i < mqtt.size(); ++i) mqtt[i] ^= mask_[mask_position_++ % 4];
        }
      }
      at += take;
      payload_left_ -= take;
      if (payload_left_ == 0 && payload_is_data_ && message_fin_) finish_message();
      continue;
    }
    // Collect a whole frame header (2 to 14 bytes) before interpreting it.
    header_.push_back(bytes[at++]);
    if (header_.size() < 2) continue;
    const bool mask = (header_[1] & 0x80) != 0;
    const std::uint8_t length7 = header_[1] & 0x7F;
    const std::size_t length_bytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
    const std::size_t needed = 2 + length_bytes + (mask ? 4 : 0);
    if (header_.size() < needed) continue;
    const std::uint8_t opcode = header_[0] & 0x0F;
    if ((header_[0] & 0x70) != 0) {
      failure_ = "a WebSocket frame sets reserved bits (no extension was negotiated)";
      return failure_;
    }
    if (mask != from_client_) {
      failure_ = from_client_ ? "a WebSocket frame from the client is not masked (RFC 6455 section 5.1)"
                              : "a WebSocket frame from the server is masked (RFC 6455 section 5.1)";
      return failure_;
    }
    std::uint64_t length = length7;
    if (length_bytes > 0) {
      length = 0;
      for (std::size_t i = 0; i < length_bytes; ++i) length = length << 8 | header_[2 + i];
    }
    if (mask)
      std::copy(header_.begin() + 2 + static_cast<std::ptrdiff_t>(length_bytes), header_.end(),
                mask_.begin());
    masked_ = mask;
    mask_position_ = 0;
    payload_left_ = length;
    switch (opcode) {
      case 0x0:
      case 0x1:
      case 0x2:
        if ((opcode == 0x0) != in_message_) {
          failure_ = in_message_ ? "a WebSocket data message begins before the previous one ended (RFC 6455 section 5.4)"
                                 : "a WebSocket continuation frame continues no message (RFC 6455 section 5.4)";
          return failure_;
        }
        if (opcode != 0x0) {
          in_message_ = true;
          message_text_ = opcode == 0x1;  // MQTT in a text message breaks MQTT-6.0.0-1: reported, still unframed
          message_size_ = 0;
        }
        payload_is_data_ = true;
        message_fin_ = (header_[0] & 0x80) != 0;
        frames_.push_back(WebSocketDataFrame{data_offset_, data_offset_ + length, message_text_});
        if (length == 0 && message_fin_) finish_message();
        break;
      case 0x8:
        closed_ = true;
        payload_is_data_ = false;
        break;
      case 0x9:
      case 0xA:
        payload_is_data_ = false;
        break;
      default:
        failure_ = "a WebSocket frame has the reserved opcode " + std::to_string(opcode);
        return failure_;
    }
    header_.clear();
  }
  return std::nullopt;
}

std::optional<std::string> WebSocketUnframer::unfinished() const {
  if (failure_ || closed_) return std::nullopt;
  if (!head_done_) {
    if (head_.empty()) return std::nullopt;
    return "the bytes end inside the HTTP upgrade head (" + std::to_string(head_.size()) + " bytes of it)";
  }
  if (!header_.empty()) return "the bytes end inside a WebSocket frame header";
  if (payload_left_ > 0) {
    return "the bytes end inside a WebSocket frame: the last " + std::to_string(payload_left_) +
           " bytes of its payload are missing";
  }
  return std::nullopt;
}

void WebSocketUnframer::finish_message() {
  messages_.push_back(WebSocketMessage{message_text_, message_size_, data_offset_});
  in_message_ = false;
  message_size_ = 0;
}

std::vector<WebSocketMessage> WebSocketUnframer::take_messages() {
  std::vector<WebSocketMessage> taken;
  taken.swap(messages_);
  return taken;
}

std::vector<WebSocketDataFrame> WebSocketUnframer::take_frames() {
  std::vector<WebSocketDataFrame> taken;
  taken.swap(frames_);
  return taken;
}

}  // namespace mqtt::capture
