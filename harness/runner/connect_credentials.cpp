#include "runner/connect_credentials.hpp"

#include <cstdint>

namespace mqtt::runner {
namespace {

constexpr std::uint8_t username_flag = 0x80;
constexpr std::uint8_t password_flag = 0x40;
constexpr std::size_t largest_remaining_length = 268'435'455;  // four length bytes

struct FixedHeader {
  std::size_t header_size = 0;       // type byte plus length bytes
  std::size_t remaining_length = 0;
};

std::optional<FixedHeader> read_fixed_header(std::span<const std::uint8_t> bytes) {
  FixedHeader header;
  std::size_t multiplier = 1;
  for (std::size_t index = 1; index <= 4; ++index) {
    if (index >= bytes.size()) return std::nullopt;
    const std::uint8_t byte = bytes[index];
    header.remaining_length += (byte & 0x7fu) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80u) == 0) {
      header.header_size = index + 1;
      return header;
    }
  }
  return std::nullopt;  // a fifth length byte: not a length this function rewrites
}

void append_length(Bytes& out, std::size_t length) {
  do {
    std::uint8_t byte = length % 128;
    length /= 128;
    if (length > 0) byte |= 0x80;
    out.push_back(byte);
  } while (length > 0);
}

void append_field(Bytes& out, std::string_view field) {
  out.push_back(static_cast<std::uint8_t>(field.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(field.size() & 0xff));
  out.insert(out.end(), field.begin(), field.end());
}

}  // namespace

std::optional<CredentialInsertion> insert_credentials(std::span<const std::uint8_t> bytes, const std::string& username,
                                                      const std::optional<std::string>& password) {
  if (bytes.empty() || (bytes[0] >> 4) != 1) return std::nullopt;
  if (username.size() > 0xffff || (password && password->size() > 0xffff)) return std::nullopt;
  const auto header = read_fixed_header(bytes);
  if (!header || header->header_size + header->remaining_length > bytes.size()) return std::nullopt;
  const auto packet = bytes.subspan(header->header_size, header->remaining_length);
  // Variable header: protocol name (two length bytes and the name), protocol level, connect flags.
  if (packet.size() < 2) return std::nullopt;
  const std::size_t name_length = (std::size_t{packet[0]} << 8) | packet[1];
  const std::size_t flags_at = 2 + name_length + 1;
  if (flags_at >= packet.size()) return std::nullopt;
  const std::uint8_t flags = packet[flags_at];
  if ((flags & (username_flag | password_flag)) != 0) return std::nullopt;

  const std::size_t added = 2 + username.size() + (password ? 2 + password->size() : 0);
  const std::size_t remaining_length = header->remaining_length + added;
  if (remaining_length > largest_remaining_length) return std::nullopt;

  CredentialInsertion insertion;
  Bytes& out = insertion.bytes;
  out.reserve(bytes.size() + added + 3);
  out.push_back(bytes[0]);
  append_length(out, remaining_length);
  const std::size_t packet_start = out.size();
  out.insert(out.end(), packet.begin(), packet.end());
  out[packet_start + flags_at] = flags | username_flag | (password ? password_flag : 0);
  append_field(out, username);
  if (password) {
    append_field(out, *password);
    insertion.password_offset = out.size() - password->size();
    insertion.password_size = password->size();
  }
  const auto rest = bytes.subspan(header->header_size + header->remaining_length);
  out.insert(out.end(), rest.begin(), rest.end());
  return insertion;
}

}  // namespace mqtt::runner
