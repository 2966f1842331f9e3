#include "codec/encoder.hpp"

#include <cstring>
#include <type_traits>
#include <variant>

#include "codec/property_table.hpp"

namespace mqtt {
namespace {

// Every packet is written twice through the same code: once into a CountingSink to learn the remaining length
// (and property lengths), then into a WritingSink over exactly-sized output. No intermediate buffers.
struct CountingSink {
  std::size_t size = 0;
  void byte(std::uint8_t) { ++size; }
  void bytes(const void*, std::size_t count) { size += count; }
};

struct WritingSink {
  std::uint8_t* cursor;
  void byte(std::uint8_t value) { *cursor++ = value; }
  void bytes(const void* data, std::size_t count) {
    if (count != 0) std::memcpy(cursor, data, count);
    cursor += count;
  }
};

struct AppendingSink {
  Bytes& out;
  void byte(std::uint8_t value) { out.push_back(value); }
  void bytes(const void* data, std::size_t count) {
    const auto* first = static_cast<const std::uint8_t*>(data);
    out.insert(out.end(), first, first + count);
  }
};

bool is_v5(ProtocolVersion version) { return version == ProtocolVersion::v5; }

template <typename Sink>
void put_u16(Sink& sink, std::uint16_t value) {
  sink.byte(static_cast<std::uint8_t>(value >> 8));
  sink.byte(static_cast<std::uint8_t>(value));
}

template <typename Sink>
void put_u32(Sink& sink, std::uint32_t value) {
  sink.byte(static_cast<std::uint8_t>(value >> 24));
  sink.byte(static_cast<std::uint8_t>(value >> 16));
  sink.byte(static_cast<std::uint8_t>(value >> 8));
  sink.byte(static_cast<std::uint8_t>(value));
}

template <typename Sink>
void put_variable_integer(Sink& sink, std::uint32_t value) {
  do {
    std::uint8_t byte = value & 0x7F;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    sink.byte(byte);
  } while (value != 0);
}

std::size_t variable_integer_size(std::uint32_t value) {
  std::size_t size = 1;
  while (value >= 0x80) value >>= 7, ++size;
  return size;
}

template <typename Sink>
void put_string(Sink& sink, std::string_view text) {
  put_u16(sink, static_cast<std::uint16_t>(text.size()));
  sink.bytes(text.data(), text.size());
}

template <typename Sink>
void put_binary(Sink& sink, const Bytes& data) {
  put_u16(sink, static_cast<std::uint16_t>(data.size()));
  sink.bytes(data.data(), data.size());
}

template <typename Sink>
void put_property(Sink& sink, const Property& property) {
  sink.byte(static_cast<std::uint8_t>(property.id));
  std::visit(
      [&](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::uint8_t>) {
          sink.byte(value);
        } else if constexpr (std::is_same_v<T, std::uint16_t>) {
          put_u16(sink, value);
        } else if constexpr (std::is_same_v<T, std::uint32_t>) {
          const auto wire = codec_detail::describe_property(static_cast<std::uint8_t>(property.id)).wire_type;
          if (wire == codec_detail::WireType::variable_byte_integer)
            put_variable_integer(sink, value);
          else
            put_u32(sink, value);
        } else if constexpr (std::is_same_v<T, std::string>) {
          put_string(sink, value);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          put_binary(sink, value);
        } else {
          put_string(sink, value.first);
          put_string(sink, value.second);
        }
      },
      property.value);
}

template <typename Sink>
void put_properties(Sink& sink, const Properties& properties) {
  CountingSink counter;
  for (const auto& property : properties) put_property(counter, property);
  put_variable_integer(sink, static_cast<std::uint32_t>(counter.size));
  if constexpr (!std::is_same_v<Sink, CountingSink>) {
    for (const auto& property : properties) put_property(sink, property);
  } else {
    sink.size += counter.size;
  }
}

std::uint8_t first_byte(const Packet& packet) {
  const auto type = static_cast<std::uint8_t>(packet_type(packet));
  if (const auto* publish = std::get_if<Publish>(&packet)) {
    return static_cast<std::uint8_t>(type << 4 | (publish->dup ? 0x8 : 0) |
                                     static_cast<std::uint8_t>(publish->qos) << 1 |
                                     (publish->retain ? 0x1 : 0));
  }
  const auto packet_kind = packet_type(packet);
  const bool flags_0010 = packet_kind == PacketType::pubrel || packet_kind == PacketType::subscribe ||
                          packet_kind == PacketType::unsubscribe;
  return static_cast<std::uint8_t>(type << 4 | (flags_0010 ? 0x2 : 0x0));
}

template <typename Sink>
void put_body(Sink& sink, const Connect& connect) {
  const bool v5 = is_v5(connect.version);
  if (connect.version == ProtocolVersion::v3_1) {
    put_string(sink, "MQIsdp");
  } else {
    put_string(sink, "MQTT");
  }
  sink.byte(static_cast<std::uint8_t>(connect.version));
  std::uint8_t flags = connect.clean_session ? 0x02 : 0x00;
  if (connect.will) {
    flags |= 0x04 | static_cast<std::uint8_t>(static_cast<std::uint8_t>(connect.will->qos) << 3);
    if (connect.will->retain) flags |= 0x20;
  }
  if (connect.password) flags |= 0x40;
  if (connect.username) flags |= 0x80;
  sink.byte(flags);
  put_u16(sink, connect.keep_alive);
  if (v5) put_properties(sink, connect.properties);
  put_string(sink, connect.client_id);
  if (connect.will) {
    if (v5) put_properties(sink, connect.will->properties);
    put_string(sink, connect.will->topic);
    put_binary(sink, connect.will->payload);
  }
  if (connect.username) put_string(sink, *connect.username);
  if (connect.password) put_binary(sink, *connect.password);
}

template <typename Sink>
void put_body(Sink& sink, const Connack& connack) {
  sink.byte(connack.session_present ? 0x01 : 0x00);
  sink.byte(connack.reason_code);
  if (is_v5(connack.version)) put_properties(sink, connack.properties);
}

template <typename Sink>
void put_body(Sink& sink, const Publish& publish) {
  put_string(sink, publish.topic);
  if (publish.qos != QoS::at_most_once) put_u16(sink, publish.packet_id.value_or(0));
  if (is_v5(publish.version)) put_properties(sink, publish.properties);
  sink.bytes(publish.payload.data(), publish.payload.size());
}

// 5.0 lets acknowledgements, DISCONNECT and AUTH drop a Success reason code and an empty property list;
// we write the shortest form the receiver must accept.
template <typename Sink>
void put_reason_and_properties(Sink& sink, std::uint8_t reason_code, const Properties& properties) {
  if (reason_code == 0 && properties.empty()) return;
  sink.byte(reason_code);
  if (!properties.empty()) put_properties(sink, properties);
}

template <typename Sink, PacketType Type>
void put_body(Sink& sink, const Acknowledgement<Type>& ack) {
  put_u16(sink, ack.packet_id);
  if (is_v5(ack.version)) put_reason_and_properties(sink, ack.reason_code, ack.properties);
}

template <typename Sink>
void put_body(Sink& sink, const Subscribe& subscribe) {
  const bool v5 = is_v5(subscribe.version);
  put_u16(sink, subscribe.packet_id);
  if (v5) put_properties(sink, subscribe.properties);
  for (const auto& subscription : subscribe.subscriptions) {
    put_string(sink, subscription.filter);
    auto options = static_cast<std::uint8_t>(subscription.qos);
    if (v5) {
      if (subscription.no_local) options |= 0x04;
      if (subscription.retain_as_published) options |= 0x08;
      options |= static_cast<std::uint8_t>((subscription.retain_handling & 0x3) << 4);
    }
    sink.byte(options);
  }
}

template <typename Sink>
void put_body(Sink& sink, const Suback& suback) {
  put_u16(sink, suback.packet_id);
  if (is_v5(suback.version)) put_properties(sink, suback.properties);
  sink.bytes(suback.reason_codes.data(), suback.reason_codes.size());
}

template <typename Sink>
void put_body(Sink& sink, const Unsubscribe& unsubscribe) {
  put_u16(sink, unsubscribe.packet_id);
  if (is_v5(unsubscribe.version)) put_properties(sink, unsubscribe.properties);
  for (const auto& filter : unsubscribe.filters) put_string(sink, filter);
}

template <typename Sink>
void put_body(Sink& sink, const Unsuback& unsuback) {
  put_u16(sink, unsuback.packet_id);
  if (is_v5(unsuback.version)) {
    put_properties(sink, unsuback.properties);
    sink.bytes(unsuback.reason_codes.data(), unsuback.reason_codes.size());
  }
}

template <typename Sink>
void put_body(Sink&, const Pingreq&) {}

template <typename Sink>
void put_body(Sink&, const Pingresp&) {}

template <typename Sink>
void put_body(Sink& sink, const Disconnect& disconnect) {
  if (is_v5(disconnect.version))
    put_reason_and_properties(sink, disconnect.reason_code, disconnect.properties);
}

template <typename Sink>
void put_body(Sink& sink, const Auth& auth) {
  if (auth.reason_code == 0 && auth.properties.empty()) return;
  sink.byte(auth.reason_code);
  put_properties(sink, auth.properties);
}

}  // namespace

void encode(const Packet& packet, Bytes& out) {
  std::visit(
      [&](const auto& value) {
        CountingSink counter;
        put_body(counter, value);
        const auto body_size = static_cast<std::uint32_t>(counter.size);
        const std::size_t start = out.size();
        out.resize(start + 1 + variable_integer_size(body_size) + body_size);
        WritingSink writer{out.data() + start};
        writer.byte(first_byte(packet));
        put_variable_integer(writer, body_size);
        put_body(writer, value);
      },
      packet);
}

Bytes encode(const Packet& packet) {
  Bytes out;
  encode(packet, out);
  return out;
}

Bytes RawPacket::encode() const {
  Bytes out;
  out.reserve(body.size() + 8 + remaining_length_padding);
  out.push_back(first_byte);
  std::uint32_t value = remaining_length.value_or(static_cast<std::uint32_t>(body.size()));
  // Groups of seven bits, low first; padding turns the last group into a continuation and appends
  // 0x80 ... 0x00, which adds nothing to the value but makes the encoding longer than necessary.
  while (true) {
    std::uint8_t group = value & 0x7F;
    value >>= 7;
    const bool last = value == 0;
    if (!last || remaining_length_padding > 0) group |= 0x80;
    out.push_back(group);
    if (last) break;
  }
  for (int extra = 1; extra < remaining_length_padding; ++extra) out.push_back(0x80);
  if (remaining_length_padding > 0) out.push_back(0x00);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

void append_u16(Bytes& out, std::uint16_t value) {
  AppendingSink sink{out};
  put_u16(sink, value);
}

void append_string(Bytes& out, std::string_view text) {
  AppendingSink sink{out};
  put_string(sink, text);
}

void append_variable_integer(Bytes& out, std::uint32_t value) {
  AppendingSink sink{out};
  put_variable_integer(sink, value);
}

}  // namespace mqtt
