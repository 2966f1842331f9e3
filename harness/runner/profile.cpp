#include "runner/profile.hpp"


#include <nlohmann/json.hpp>

#include "runner/data_document.hpp"

namespace mqtt::runner {

Profile parse_profile(const std::string& file, std::string_view text) {
  const DataDocument document(file, text);
  const ObjectReader reader(document, document.root(), "");
  reader.allow_only({"max_qos", "retain_available", "wildcards", "limits", "acl_denied_topic", "credentials",
                     "zero_length_client_id", "keepalive_grace_ms", "description"});
  Profile profile;
  if (auto max_qos = reader.optional_unsigned("max_qos", 0, 2)) {
    profile.max_qos = static_cast<int>(*max_qos);
  }
  profile.retain_available = reader.optional_boolean("retain_available");
  profile.wildcards = reader.optional_boolean("wildcards");
  if (reader.has("limits")) {
    const ObjectReader limits = reader.object("limits");
    limits.allow_only({"max_packet_size", "max_topic_length", "max_client_id_length", "max_queue_depth"});
    auto read = [&](std::string_view key, std::uint64_t maximum) -> std::optional<std::uint32_t> {
      if (auto value = limits.optional_unsigned(key, 1, maximum)) {
        return static_cast<std::uint32_t>(*value);
      }
      return std::nullopt;
    };
    profile.limits.max_packet_size = read("max_packet_size", 268'435'460);
    profile.limits.max_topic_length = read("max_topic_length", 65535);
    profile.limits.max_client_id_length = read("max_client_id_length", 65535);
    profile.limits.max_queue_depth = read("max_queue_depth", UINT32_MAX);
  }
  if (reader.has("acl_denied_topic")) {
    profile.acl_denied_topic = reader.string("acl_denied_topic");
    if (profile.acl_denied_topic->empty()) {
      reader.fail("acl_denied_topic", "must not be empty");
    }
  }
  if (reader.has("credentials")) {
    const ObjectReader credentials = reader.object("credentials");
    credentials.allow_only({"username", "password"});
    profile.credentials = Credentials{credentials.string("username"), credentials.string("password")};
  }
  if (auto grace = reader.optional_unsigned("keepalive_grace_ms", 0, 600'000)) {
    profile.keepalive_grace_ms = static_cast<std::uint32_t>(*grace);
  }
  if (reader.has("zero_length_client_id")) {
    const auto value = reader.string("zero_length_client_id");
    if (value == "accept") {
      profile.zero_length_client_id = ZeroLengthClientId::accept;
    } else if (value == "reject") {
      profile.zero_length_client_id = ZeroLengthClientId::reject;
    } else {
      reader.fail("zero_length_client_id", "must be \"accept\" or \"reject\"");
    }
  }
  return profile;
}

Profile load_profile(const std::string& path) {
  return parse_profile(path, read_data_file(path, "a target profile"));
}

std::optional<std::string> unmet_requirement(const Profile& profile, std::string_view requirement,
                                             bool url_has_credentials) {
  auto missing = [&](std::string_view what) {
    return std::optional<std::string>("requires " + std::string(what));
  };
  if (requirement == "credentials") {
    if (url_has_credentials || profile.credentials) {
      return std::nullopt;
    }
    return missing("credentials (user and password in the target URL or the profile)");
  }
  if (requirement == "acl_denied_topic") {
    return profile.acl_denied_topic ? std::nullopt : missing("acl_denied_topic in the profile");
  }
  if (requirement == "max_qos") {
    return profile.max_qos ? std::nullopt : missing("max_qos in the profile");
  }
  if (requirement == "zero_length_client_id") {
    return profile.zero_length_client_id ? std::nullopt : missing("zero_length_client_id in the profile");
  }
  if (requirement == "max_packet_size") {
    return profile.limits.max_packet_size ? std::nullopt : missing("limits.max_packet_size in the profile");
  }
  if (requirement == "max_topic_length") {
    return profile.limits.max_topic_length ? std::nullopt : missing("limits.max_topic_length in the profile");
  }
  if (requirement == "max_client_id_length") {
    return profile.limits.max_client_id_length ? std::nullopt : missing("limits.max_client_id_length in the profile");
  }
  if (requirement == "max_queue_depth") {
    return profile.limits.max_queue_depth ? std::nullopt : missing("limits.max_queue_depth in the profile");
  }
  if (requirement == "retain_available") {
    return profile.retain_available.value_or(true) ? std::nullopt
                                                   : missing("retained messages (profile declares retain_available false)");
  }
  if (requirement == "wildcards") {
    return profile.wildcards.value_or(true) ? std::nullopt
                                            : missing("wildcard subscriptions (profile declares wildcards false)");
  }
  return missing("\"" + std::string(requirement) + "\", which the harness does not know");
}

}  // namespace mqtt::runner
