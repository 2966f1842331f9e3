// Deliberate mistakes the embedded broker can be told to make, one behaviour each, so a run against a
// defective broker proves the checker notices that exact mistake (and names the statement it breaks).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string_view>

namespace mqtt::broker {

enum class Defect : std::uint8_t {
  // retained messages
  retain_flag_on_existing_subscription,
  retain_not_deleted_by_empty,
  retain_ignored,
  retained_qos0,
  // QoS 1
  no_puback,
  drop_qos1_delivery,
  no_redelivery,
  redelivery_without_dup,
  dup_propagated,
  // QoS 2
  duplicate_qos2_delivery,
  pubrec_wrong_id,
  // ordering
  reorder_deliveries,
  // clean session and session present
  session_present_always_0,
  keep_session_on_clean,
  no_offline_queue,
  // wills
  no_will,
  will_after_disconnect,
  will_retain_ignored,
  will_qos0,
  // keep alive
  no_keepalive_timeout,
  // SUBSCRIBE / UNSUBSCRIBE
  suback_wrong_count,
  qos_not_downgraded,
  overlap_lowest_qos,
  subscription_not_replaced,
  unsubscribe_ignored,
  no_unsuback_when_unmatched,
  // topic matching
  dollar_matches_wildcard,
  plus_matches_multi_level,
  star_matches_level,
  // connections
  no_takeover,
  no_pingresp,
  // malformed and forbidden packets
  accept_qos3,
  accept_wildcard_publish,
  no_close_on_second_connect,
  accept_qos0_dup,
  acknowledgement_flags_ignored,
  accept_connect_header_flags,
  accept_long_puback,
};

struct DefectInfo {
  Defect defect;
  std::string_view name;         // "retain-ignored": the spelling used on the command line
  std::string_view statement;    // the MQTT 3.1.1 statement the defect breaks, e.g. "MQTT-3.3.1-6"
  std::string_view description;  // one line: what the broker does wrong
};

// Every defect, in the order above.
std::span<const DefectInfo> defect_catalog();
const DefectInfo& describe(Defect defect);
std::string_view to_string(Defect defect);
std::optional<Defect> parse_defect(std::string_view name);

using DefectSet = std::set<Defect>;

}  // namespace mqtt::broker
