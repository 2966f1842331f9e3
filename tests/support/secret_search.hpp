// Test support: finds a secret in output in any of the forms a leak takes — as typed, as hex in lower or upper
// case (how JSON histories carry bytes), and as base64 at each of the three byte alignments (a password inside
// a longer base64 blob starts at any offset of a 3-byte group).
#pragma once

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mqtt::test_support {

inline std::string hex_of(std::string_view bytes, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char byte : bytes) {
    out += digits[byte >> 4];
    out += digits[byte & 15];
  }
  return out;
}

inline std::string base64_of(std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t index = 0;
  for (; index + 3 <= bytes.size(); index += 3) {
    const std::uint32_t group = static_cast<unsigned char>(bytes[index]) << 16 |
                                static_cast<unsigned char>(bytes[index + 1]) << 8 |
                                static_cast<unsigned char>(bytes[index + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(group >> shift) & 63];
  }
  return out;  // whole groups only: the tail depends on what follows the secret
}

struct SecretForm {
  std::string name;
  std::string text;
};

// Each form is long enough to be distinctive only for secrets of about 12 bytes or more.
inline std::vector<SecretForm> secret_forms(std::string_view secret) {
  std::vector<SecretForm> forms{{"plain", std::string(secret)},
                                {"hex", hex_of(secret, false)},
                                {"HEX", hex_of(secret, true)}};
  for (std::size_t offset = 0; offset < 3; ++offset) {
    // With `offset` unknown bytes before the secret, the groups that hold only secret bytes start at the first
    // multiple of 3 at or after `offset`.
    const std::size_t skip = (3 - offset) % 3;
    forms.push_back({"base64+" + std::to_string(offset), base64_of(secret.substr(skip))});
  }
  return forms;
}

// The name of the first form of `secret` found in `text`, or "" when none is.
inline std::string leaked_form(std::string_view text, std::string_view secret) {
  for (const auto& form : secret_forms(secret)) {
    if (!form.text.empty() && text.find(form.text) != std::string_view::npos) return form.name;
  }
  return "";
}

}  // namespace mqtt::test_support
