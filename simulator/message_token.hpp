// The token at the start of every device message, "CLIENTID#N|" (the rest of the payload is padding): how the
// fleet numbers its messages (simulator/fleet.cpp writes it) and how the statistics tell them apart
// (fleet_stats.hpp).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "codec/packet.hpp"

namespace mqtt::simulator {

// The unique token at the start of every device message: "CLIENTID#N|".
std::string message_token(const std::string& client_id, std::uint64_t number);
// The token of a payload made by message_token, or "" when it has none.
std::string_view token_of(const Bytes& payload);
// "CLIENTID#N|" -> (CLIENTID, N); nullopt when the part after the last '#' is not a number.
std::optional<std::pair<std::string_view, std::uint64_t>> numbered_token(std::string_view token);

// A payload's token and, when it is numbered, its parts, read in one pass: the fleet statistics read every
// PUBLISH's, and token_of then numbered_token went over the payload three times.
struct MessageToken {
  std::string_view text;    // token_of(payload)
  std::string_view client;  // when numbered: numbered_token(text)->first
  std::uint64_t number = 0;
  bool numbered = false;  // numbered_token(text) has a value
};
MessageToken read_token(const Bytes& payload);

// A 64-bit hash of a token, by which the statistics hold messages and their copies (fleet_messages.cpp):
// eight bytes a step, so a device token costs a few multiplications instead of a call to std::hash. Its last
// step is a full 64-bit mix, so the low bits (a hash table's bucket) depend on every byte.
inline std::uint64_t token_hash(std::string_view token) {
  const char* at = token.data();
  std::size_t left = token.size();
  std::uint64_t hash = 0x9e3779b97f4a7c15ULL ^ token.size();
  const auto step = [&hash](std::uint64_t word) {
    hash = (hash ^ word) * 0xbf58476d1ce4e5b9ULL;
    hash ^= hash >> 31;
  };
  std::uint64_t word = 0;
  for (; left >= 8; at += 8, left -= 8) {
    std::memcpy(&word, at, 8);
    step(word);
  }
  if (left > 0) {
    word = 0;
    if (token.size() >= 8) {
      std::memcpy(&word, token.data() + token.size() - 8, 8);  // the last eight bytes, overlapping
    } else {
      for (std::size_t i = 0; i < left; ++i)
        word |= static_cast<std::uint64_t>(static_cast<unsigned char>(at[i])) << (8 * i);
    }
    step(word);
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  return hash ^ (hash >> 33);
}

}  // namespace mqtt::simulator
