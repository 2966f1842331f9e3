// Names that keep concurrent and repeated case runs apart: a topic prefix, client ids and message tokens,
// all derived from the run seed and the case id, so the same seed gives the same names.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <span>
#include <string>
#include <string_view>

namespace mqtt::runner {

struct CaseIdentity {
  std::uint64_t nonce = 0;                        // per case run: from the seed and the case id
  std::string prefix;                             // "mh/5f2c19a0"
  std::map<std::string, std::string> client_ids;  // name -> id of at most 23 characters from [0-9a-zA-Z]
  std::string wrong_password;
};

// `client_names` are the case's clients; ids are at most 23 characters from [0-9a-zA-Z] (what every
// MQTT 3.1.1 server must accept) and distinct for distinct names.
CaseIdentity derive_identity(std::uint64_t seed, std::string_view case_id, std::span<const std::string> client_names);

// The client id of a client the runner adds itself (e.g. "cleanup" for clearing retained messages).
std::string derive_client_id(std::uint64_t nonce, std::string_view name);

// Unique payload tokens ("mh1 <16 hex digits>") from a seeded generator; see model/message_identity.hpp.
class TokenGenerator {
 public:
  explicit TokenGenerator(std::uint64_t seed) : generator_(seed) {}
  std::string next();

 private:
  std::mt19937_64 generator_;
};

}  // namespace mqtt::runner
