// Internal to the decoder: reads one packet's body field by field (integers, binary data, UTF-8 strings),
// each read bounded by the body or the property list and failing with the byte offset and the statement it
// breaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "codec/decode_failure.hpp"
#include "codec/decoder.hpp"

namespace mqtt::codec_detail {

class Reader {
 public:
  Reader(std::span<const std::uint8_t> body, std::size_t base, PacketType type, ProtocolVersion version,
         Sender sender)
      : body_(body), limit_(body.size()), base_(base), type_(type), version_(version), sender_(sender) {}

  std::size_t offset() const { return base_ + position_; }
  std::size_t remaining() const { return limit_ - position_; }
  ProtocolVersion version() const { return version_; }
  void set_version(ProtocolVersion version) { version_ = version; }
  PacketType type() const { return type_; }
  Sender sender() const { return sender_; }
  const StatementIds& ids() const { return statements(version_); }

  [[noreturn]] void fail_at(std::size_t offset, std::string_view statement, std::string message) const {
    fail(offset, type_, statement, std::move(message));
  }

  std::span<const std::uint8_t> take(std::size_t size, std::string_view what) {
    if (size > remaining()) {
      fail_at(offset(), "",
              "packet ends inside the " + std::string(what) + " (needs " + std::to_string(size) + " bytes, " +
                  std::to_string(remaining()) + " left)");
    }
    auto result = body_.subspan(position_, size);
    position_ += size;
    return result;
  }

  std::uint8_t byte(std::string_view what) { return take(1, what)[0]; }
  std::uint16_t two_bytes(std::string_view what) {
    auto bytes = take(2, what);
    return static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]);
  }
  std::uint32_t four_bytes(std::string_view what) {
    auto bytes = take(4, what);
    return static_cast<std::uint32_t>(bytes[0]) << 24 | static_cast<std::uint32_t>(bytes[1]) << 16 |
           static_cast<std::uint32_t>(bytes[2]) << 8 | bytes[3];
  }
  std::uint32_t variable_integer(std::string_view what) {
    std::uint32_t value = 0;
    for (int index = 0; index < 4; ++index) {
      const std::size_t byte_offset = offset();
      const std::uint8_t byte = this->byte(what);
      value |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * index);
      if ((byte & 0x80) == 0) {
        if (index > 0 && byte == 0) {
          fail_at(byte_offset, "MQTT-1.5.5-1",
                  std::string(what) + " is not encoded in the minimum number of bytes");
        }
        return value;
      }
      if (index == 3) fail_at(byte_offset, "", std::string(what) + " continues past four bytes");
    }
    return value;
  }
  Bytes binary(std::string_view what) {
    const std::uint16_t size = two_bytes(what);
    auto bytes = take(size, what);
    return Bytes(bytes.begin(), bytes.end());
  }
  // A UTF-8 Encoded String: two-byte length, then well-formed UTF-8 without U+0000. A field whose own
  // statement says it is such a string (a PUBLISH's Response Topic, a User Property) passes it as
  // `statement`, which then replaces the general UTF-8 statements in the error.
  std::string utf8_string(std::string_view what, std::string_view statement = {}) {
    const std::uint16_t size = two_bytes(what);
    const std::size_t start = offset();
    auto bytes = take(size, what);
    check_utf8(bytes, start, what, statement);
    return std::string(bytes.begin(), bytes.end());
  }
  void expect_end() {
    if (remaining() != 0) {
      fail_at(offset(), "",
              std::to_string(remaining()) + " unexpected bytes after the end of the " +
                  std::string(to_string(type_)) + " packet");
    }
  }
  std::span<const std::uint8_t> rest() { return take(remaining(), "payload"); }

  // Limits reads to the next `size` bytes (a property list); returns the previous limit to restore.
  std::size_t narrow(std::size_t size) {
    const std::size_t previous = limit_;
    limit_ = position_ + size;
    return previous;
  }
  void widen(std::size_t previous) { limit_ = previous; }

 private:
  void check_utf8(std::span<const std::uint8_t> bytes, std::size_t start, std::string_view what,
                  std::string_view statement) const {
    const std::string_view ill_formed = statement.empty() ? ids().utf8_ill_formed : statement;
    const std::string_view null = statement.empty() ? ids().utf8_null : statement;
    std::size_t index = 0;
    while (index < bytes.size()) {
      const std::uint8_t lead = bytes[index];
      const std::size_t at = start + index;
      if (lead == 0) {
        fail_at(at, null, std::string(what) + " contains U+0000");
      }
      if (lead < 0x80) {
        ++index;
        continue;
      }
      std::size_t length = 0;
      std::uint32_t code_point = 0;
      if (lead >= 0xC2 && lead <= 0xDF)
        length = 2, code_point = lead & 0x1F;
      else if (lead >= 0xE0 && lead <= 0xEF)
        length = 3, code_point = lead & 0x0F;
      else if (lead >= 0xF0 && lead <= 0xF4)
        length = 4, code_point = lead & 0x07;
      else
        fail_at(at, ill_formed,
                std::string(what) + " is not well-formed UTF-8 (bad lead byte " + hex(lead) + ")");
      for (std::size_t continuation = 1; continuation < length; ++continuation) {
        if (index + continuation >= bytes.size() || (bytes[index + continuation] & 0xC0) != 0x80) {
          fail_at(at + continuation, ill_formed,
                  std::string(what) + " is not well-formed UTF-8 (truncated sequence)");
        }
        code_point = code_point << 6 | (bytes[index + continuation] & 0x3F);
      }
      const std::uint32_t minimum = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
      if (code_point < minimum) {
        fail_at(at, ill_formed, std::string(what) + " is not well-formed UTF-8 (overlong encoding)");
      }
      if (code_point >= 0xD800 && code_point <= 0xDFFF) {
        fail_at(at, ill_formed, std::string(what) + " encodes the surrogate " + hex(code_point));
      }
      if (code_point > 0x10FFFF) {
        fail_at(at, ill_formed, std::string(what) + " encodes a code point above U+10FFFF");
      }
      index += length;
    }
  }

  std::span<const std::uint8_t> body_;
  std::size_t position_ = 0;
  std::size_t limit_ = 0;
  std::size_t base_ = 0;
  PacketType type_;
  ProtocolVersion version_;
  Sender sender_;
};

}  // namespace mqtt::codec_detail
