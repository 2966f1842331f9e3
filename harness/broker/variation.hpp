// Legal variations: behaviours the MQTT specification leaves to the broker and real brokers choose differently.
// The embedded broker can be told to take the other path, one behaviour each, so a run against it proves the
// checker never calls a permitted choice a violation (the mirror image of defect.hpp). A 3.1.1 variation bends code
// that 5.0 connections share (it shows there too); a 5.0 variation acts on 5.0 connections only.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mqtt::broker {

enum class Variation : std::uint8_t {
  // SUBSCRIBE / UNSUBSCRIBE
  publish_before_suback,
  grant_max_qos_1,
  grant_max_qos_0,
  late_unsuback,
  // routing
  overlap_one_copy_per_subscription,
  duplicate_downgraded_qos0,
  puback_before_deliver,
  qos2_deliver_on_pubrel,
  // sessions
  queue_qos0_offline,
  resend_publish_before_pubrel,
  takeover_connack_first,
  // retained messages
  retained_qos0_discarded,
  // keep alive
  keepalive_whole_seconds,
  // ---- MQTT 5.0 ----
  assign_topic_aliases,
  server_keep_alive,
  long_assigned_client_identifiers,
  smaller_receive_maximum,
  declare_maximum_qos_1,
  shared_sticky,
  shared_random,
  shared_redispatch_on_session_end,
  long_form_acknowledgements,
  no_matching_subscribers_reason,
  bad_authentication_method_not_authorized,
  response_information,
  session_expiry_capped,
};

struct VariationInfo {
  Variation variation;
  std::string_view name;         // "publish-before-suback": the spelling used on the command line
  std::string_view protocol;     // "3.1.1" or "5.0": the version whose text permits it
  std::string_view section;      // the section of that version that permits it, e.g. "3.8.4"
  std::string_view permission;   // what that section allows, in our words
  std::string_view description;  // one line: what the broker does instead of its default
};

// Every variation, in the order above.
std::span<const VariationInfo> variation_catalog();
// The variations of one protocol version ("3.1.1" or "5.0"), in catalog order.
std::vector<VariationInfo> variations_for(std::string_view protocol);
const VariationInfo& describe(Variation variation);
std::string_view to_string(Variation variation);
std::optional<Variation> parse_variation(std::string_view name);

using VariationSet = std::set<Variation>;

// Two variations that choose different answers to the same question (grant at most QoS 1 and grant at most
// QoS 0; sticky and random shared-subscription members) cannot be combined: the sentence saying which pair clashes, or nullopt when the set is consistent.
std::optional<std::string> conflict_in(const VariationSet& variations);

// Every variation that can be switched on together with all the others (the guard's combined run).
VariationSet all_compatible_variations();

}  // namespace mqtt::broker
