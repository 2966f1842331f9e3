// Hand-made CONNECT bytes (a case's `send` step with `hex`) carry no user name: a broker that requires
// credentials would refuse them with CONNACK 4 or 5 and the case would judge the refusal instead of what it tests
// (a bad will QoS, an invalid client id, ...). This puts the target's credentials into such bytes. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "codec/packet.hpp"

namespace mqtt::runner {

struct CredentialInsertion {
  Bytes bytes;                     // the whole input with the CONNECT rewritten (bytes after it kept as they were)
  std::size_t password_offset = 0;  // where the inserted password's bytes start in `bytes` (for redaction)
  std::size_t password_size = 0;
};

// When `bytes` start with a CONNECT packet (type 1) whose fixed header, remaining length and flags byte are
// readable and whose user name and password flags are both clear, returns the bytes with the user name flag (and
// the password flag, when `password` is set) set and the fields appended at the end of the packet, the remaining
// length re-encoded. Everything else in the packet is left exactly as it was, so a CONNECT that is malformed for
// another reason (reserved flag, will QoS 3, invalid UTF-8, missing fields) stays malformed in the same way.
// Returns nullopt when the bytes are not such a CONNECT (another packet, a truncated header, a remaining length
// the packet does not hold, user name or password flag already set, a field longer than 65535 bytes).
std::optional<CredentialInsertion> insert_credentials(std::span<const std::uint8_t> bytes, const std::string& username,
                                                      const std::optional<std::string>& password);

}  // namespace mqtt::runner
