#include "model/message_identity.hpp"

#include <xxhash.h>

namespace mqtt::model {

MessageIdentity identify_message(std::string_view topic, const Bytes& payload) {
  static constexpr std::string_view token_prefix = "mh1 ";
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (text.size() > token_prefix.size() && text.substr(0, token_prefix.size()) == token_prefix) {
    // The token runs to the first blank. A plain loop: find_first_of calls memchr on the four blanks for every
    // character, and each copy of each message is identified (issue 16).
    std::size_t end = token_prefix.size();
    while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\r' && text[end] != '\n') {
      ++end;
    }
    // The key is "mh1 " and the token: the payload's own first bytes, copied once.
    if (end > token_prefix.size()) return MessageIdentity{std::string(text.substr(0, end)), true};
  }
  // Topic and payload, digested: the topic's 64-bit XXH3 seeds the payload's 128-bit XXH3. The key is a tag
  // byte and 14 bytes of that digest: 15 bytes stay inside std::string's own storage (no allocation, no copy
  // of the payload), and two different (topic, payload) pairs share a key with probability 2^-112.
  const XXH64_hash_t seed = XXH3_64bits(topic.data(), topic.size());
  const XXH128_hash_t digest = XXH3_128bits_withSeed(payload.data(), payload.size(), seed);
  std::string key(15, '\x01');
  for (int i = 0; i < 7; ++i) {
    key[1 + i] = static_cast<char>(digest.low64 >> (8 * i));
    key[8 + i] = static_cast<char>(digest.high64 >> (8 * i));
  }
  return MessageIdentity{std::move(key), false};
}

}  // namespace mqtt::model
