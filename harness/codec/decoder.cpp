// The public entry points (one packet, a stream); the parts they call live in the files named after them.
#include "codec/decoder.hpp"

#include <string>
#include <utility>

#include "codec/body_reader.hpp"
#include "codec/decode_failure.hpp"
#include "codec/fixed_header.hpp"
#include "codec/packet_decoders.hpp"

namespace mqtt {
namespace {

using codec_detail::check_first_byte;
using codec_detail::decode_body;
using codec_detail::fail;
using codec_detail::Malformed;
using codec_detail::parse_remaining_length;
using codec_detail::Reader;

Packet decode_or_throw(std::span<const std::uint8_t> bytes, Sender sender, ProtocolVersion version,
                       std::size_t base_offset) {
  if (bytes.empty()) fail(base_offset, std::nullopt, "", "packet is empty");
  const PacketType type = check_first_byte(bytes[0], base_offset, sender, version);
  const auto length = parse_remaining_length(bytes, base_offset, type, version);
  if (!length) fail(base_offset + bytes.size(), type, "", "packet ends inside the remaining length");
  const std::size_t total = length->header_size + length->value;
  if (bytes.size() < total) {
    fail(base_offset + bytes.size(), type, "",
         "packet is " + std::to_string(bytes.size()) + " bytes but its header announces " +
             std::to_string(total));
  }
  if (bytes.size() > total) {
    fail(base_offset + total, type, "",
         std::to_string(bytes.size() - total) + " bytes follow the packet's end");
  }
  Reader reader(bytes.subspan(length->header_size), base_offset + length->header_size, type, version, sender);
  return decode_body(reader, bytes[0] & 0x0F);
}

}  // namespace

std::variant<Packet, DecodeError> decode_packet(std::span<const std::uint8_t> bytes, Sender sender,
                                                ProtocolVersion version, std::size_t base_offset) {
  try {
    return decode_or_throw(bytes, sender, version, base_offset);
  } catch (Malformed& malformed) {
    return std::move(malformed.error);
  }
}

StreamDecoder::StreamDecoder(DecoderOptions options) : options_(options), version_(options.version) {}

void StreamDecoder::feed(std::span<const std::uint8_t> chunk) {
  // Drop consumed bytes once they are at least as many as the unread ones: each byte moves at most once
  // per doubling, so buffering stays amortised O(1) per byte however the stream is split.
  if (read_position_ > 0 && read_position_ >= buffer_.size() - read_position_) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_position_));
    read_position_ = 0;
  }
  buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
}

void StreamDecoder::release_unused_memory() {
  constexpr std::size_t kept_capacity = 64u << 10;  // what one socket read brings; reused, not reallocated
  if (read_position_ != buffer_.size() || buffer_.capacity() <= kept_capacity) return;
  std::vector<std::uint8_t>().swap(buffer_);
  read_position_ = 0;
}

std::variant<DecodedPacket, NeedMoreData, DecodeError> StreamDecoder::next() {
  if (failure_) return *failure_;
  const auto available = std::span<const std::uint8_t>(buffer_).subspan(read_position_);
  if (available.empty()) return NeedMoreData{};
  try {
    if (!version_) {
      if (options_.sender == Sender::server) {
        fail(stream_offset_, std::nullopt, "",
             "no protocol version is set for decoding the server's packets");
      }
      if ((available[0] >> 4) != static_cast<std::uint8_t>(PacketType::connect)) {
        const std::uint8_t type_number = available[0] >> 4;
        fail(
            stream_offset_,
            type_number == 0 ? std::nullopt : std::optional<PacketType>(static_cast<PacketType>(type_number)),
            "MQTT-3.1.0-1", "the first packet from a client is not CONNECT");
      }
    }
    const ProtocolVersion version = version_.value_or(ProtocolVersion::v3_1_1);
    const PacketType type = check_first_byte(available[0], stream_offset_, options_.sender, version);
    const auto length = parse_remaining_length(available, stream_offset_, type, version);
    if (!length) return NeedMoreData{};
    if (length->value > options_.maximum_remaining_length) {
      fail(stream_offset_ + 1, type, "",
           "remaining length " + std::to_string(length->value) + " exceeds the limit of " +
               std::to_string(options_.maximum_remaining_length));
    }
    const std::size_t total = length->header_size + length->value;
    if (available.size() < total) return NeedMoreData{};
    const auto raw = available.first(total);
    Packet packet = decode_or_throw(raw, options_.sender, version, stream_offset_);
    if (const auto* connect = std::get_if<Connect>(&packet)) version_ = connect->version;
    DecodedPacket decoded{std::move(packet), stream_offset_, raw};
    read_position_ += total;
    stream_offset_ += total;
    return decoded;
  } catch (Malformed& malformed) {
    failure_ = std::move(malformed.error);
    return *failure_;
  }
}

}  // namespace mqtt
