#include "simulator/message_token.hpp"

#include <cstring>

namespace mqtt::simulator {

std::string message_token(const std::string& client_id, std::uint64_t number) {
  return client_id + "#" + std::to_string(number) + "|";
}

std::string_view token_of(const Bytes& payload) {
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  const auto bar = text.find('|');
  if (bar == std::string_view::npos || text.find('#') == std::string_view::npos) return {};
  return text.substr(0, bar + 1);
}

std::optional<std::pair<std::string_view, std::uint64_t>> numbered_token(std::string_view token) {
  const auto hash = token.rfind('#');
  if (hash == std::string_view::npos || token.size() < hash + 3) return std::nullopt;
  std::uint64_t number = 0;
  for (const char digit : token.substr(hash + 1, token.size() - hash - 2)) {
    if (digit < '0' || digit > '9' || number > (UINT64_MAX - 9) / 10) return std::nullopt;
    number = number * 10 + static_cast<std::uint64_t>(digit - '0');
  }
  return std::pair{token.substr(0, hash), number};
}

MessageToken read_token(const Bytes& payload) {
  const auto* data = reinterpret_cast<const char*>(payload.data());
  const auto* bar_at =
      payload.empty() ? nullptr : static_cast<const char*>(std::memchr(data, '|', payload.size()));
  if (bar_at == nullptr) return {};
  const auto bar = static_cast<std::size_t>(bar_at - data);
  MessageToken token;
  // The digits right before the bar and the '#' before them: that '#' is then the token's last one.
  // Read backwards, up to 19 digits (which always fit) are summed on the way.
  std::size_t digits = bar;
  std::uint64_t number = 0, place = 1;
  while (digits > 0 && data[digits - 1] >= '0' && data[digits - 1] <= '9') {
    --digits;
    number += place * static_cast<std::uint64_t>(data[digits] - '0');
    place *= 10;
  }
  if (digits > 0 && digits < bar && data[digits - 1] == '#') {
    token.text = std::string_view(data, bar + 1);
    if (bar - digits > 19) {
      // A longer run, as numbered_token reads it: a token all the same when it is too long for a number.
      number = 0;
      for (std::size_t at = digits; at < bar; ++at) {
        if (number > (UINT64_MAX - 9) / 10) return token;
        number = number * 10 + static_cast<std::uint64_t>(data[at] - '0');
      }
    }
    token.client = std::string_view(data, digits - 1);
    token.number = number;
    token.numbered = true;
    return token;
  }
  // Not numbered: a token only when the payload has a '#' somewhere (token_of).
  if (std::memchr(data, '#', payload.size()) == nullptr) return {};
  token.text = std::string_view(data, bar + 1);
  return token;
}

}  // namespace mqtt::simulator
