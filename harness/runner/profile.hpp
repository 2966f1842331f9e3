// A target profile: what a broker legitimately chooses or is configured with (JSON, given with --profile).
// Cases whose `requires` the profile does not meet are skipped with the reason, never failed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqtt::runner {

struct Limits {
  std::optional<std::uint32_t> max_packet_size;
  std::optional<std::uint32_t> max_topic_length;
  std::optional<std::uint32_t> max_client_id_length;
  std::optional<std::uint32_t> max_queue_depth;
  friend bool operator==(const Limits&, const Limits&) = default;
};

struct Credentials {
  std::string username;
  std::string password;
  friend bool operator==(const Credentials&, const Credentials&) = default;
};

enum class ZeroLengthClientId : std::uint8_t { accept, reject };

struct Profile {
  std::optional<int> max_qos;               // 0, 1 or 2
  std::optional<bool> retain_available;
  std::optional<bool> wildcards;
  Limits limits;
  std::optional<std::string> acl_denied_topic;
  std::optional<Credentials> credentials;   // the target URL's user and password take precedence
  std::optional<ZeroLengthClientId> zero_length_client_id;
  std::optional<std::uint32_t> keepalive_grace_ms;  // allowed lateness past 1.5 x keep alive (default 1 s)
  friend bool operator==(const Profile&, const Profile&) = default;
};

// Throws DataFileError ("profile.json:4:3: key \"max_qos\": must be an integer from 0 to 2").
Profile parse_profile(const std::string& file, std::string_view text);
Profile load_profile(const std::string& path);

// Why a case needing `requirement` cannot run against this profile, or nullopt when it can.
// `url_has_credentials`: the target URL carries a user name and password.
// Boolean features (retain_available, wildcards) are met unless declared false: a stock broker has them.
std::optional<std::string> unmet_requirement(const Profile& profile, std::string_view requirement,
                                             bool url_has_credentials);

}  // namespace mqtt::runner
