#include "runner/case_identity.hpp"

#include <cctype>
#include <cstdio>

namespace mqtt::runner {

namespace {

std::uint64_t mix(std::uint64_t value) {  // splitmix64 finaliser: well-spread bits from any input
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

std::uint64_t hash_text(std::string_view text) {  // FNV-1a: stable across runs and platforms
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char character : text) {
    hash = (hash ^ static_cast<unsigned char>(character)) * 0x100000001b3ULL;
  }
  return hash;
}

std::string hex(std::uint64_t value, int digits) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return std::string(buffer + 16 - digits, static_cast<std::size_t>(digits));
}

}  // namespace

std::string derive_client_id(std::uint64_t nonce, std::string_view name) {
  // "mh" + 8 hex of the nonce + 4 hex of the name + up to 9 alphanumerics of the name = at most 23.
  std::string id = "mh" + hex(nonce, 8) + hex(mix(hash_text(name)), 4);
  for (char character : name) {
    if (id.size() >= 23) {
      break;
    }
    if (std::isalnum(static_cast<unsigned char>(character)) != 0) {
      id += character;
    }
  }
  return id;
}

CaseIdentity derive_identity(std::uint64_t seed, std::string_view case_id, std::span<const std::string> client_names) {
  CaseIdentity identity;
  identity.nonce = mix(seed ^ mix(hash_text(case_id)));
  identity.prefix = "mh/" + hex(identity.nonce, 8);
  for (const auto& name : client_names) {
    identity.client_ids[name] = derive_client_id(identity.nonce, name);
  }
  identity.wrong_password = "mh-wrong-" + hex(mix(identity.nonce), 12);
  return identity;
}

std::string TokenGenerator::next() { return "mh1 " + hex(generator_(), 16); }

}  // namespace mqtt::runner
