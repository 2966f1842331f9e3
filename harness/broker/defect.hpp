// Deliberate mistakes the embedded broker can be told to make, one behaviour each, so a run against a
// defective broker proves the checker notices that exact mistake (and names the statement it breaks). Each defect
// belongs to one protocol version: a 3.1.1 defect names a 3.1.1 statement and bends code that 5.0 connections share
// (so it shows there too, under the 5.0 numbering); a 5.0 defect names a 5.0 statement and acts on 5.0 connections
// only, so the 3.1.1 behaviour of the broker never changes with it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <vector>

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
  // ---- MQTT 5.0 ----
  // flow control and packet size
  ignore_receive_maximum,
  oversized_packet_sent,
  // message expiry
  message_expiry_not_forwarded,
  expired_messages_delivered,
  // wills
  will_without_delay,
  will_discarded_on_disconnect_with_will,
  will_dropped_on_clean_start,
  // subscription options and identifiers
  retain_handling_2_ignored,
  retain_handling_1_resends,
  subscription_identifier_missing,
  no_local_ignored,
  retain_as_published_ignored,
  // properties passed on
  user_properties_reordered,
  content_type_dropped,
  // shared subscriptions
  shared_grant_ignored,
  shared_qos2_sent_to_another_member,
  shared_qos2_copied_on_connection_loss,
  rejected_shared_message_redistributed,
  // acknowledgements with a failure reason code, and PUBREL
  rejected_message_resent,
  pubrel_unknown_id_unanswered,
  // session expiry
  session_kept_after_expiry,
  session_discarded_despite_expiry,
  // topic aliases
  topic_alias_not_honoured,
  unsolicited_topic_aliases,
  // CONNACK and DISCONNECT
  session_present_with_error,
  no_assigned_client_identifier,
  response_information_unrequested,
  reason_string_unrequested,
  session_expiry_on_server_disconnect,
  // capabilities declared in CONNACK
  will_qos_above_maximum_accepted,
  will_retain_accepted_without_retain_available,
  // acknowledgements and flow control (branch v5flow)
  suback_grants_above_request,
  unsuback_codes_reversed,
  answers_held_at_zero_quota,
  topic_empty_levels_collapsed,
  redelivery_reordered,
  // Maximum Packet Size trimming
  reason_string_beyond_maximum_packet_size,
  user_property_beyond_maximum_packet_size,
  // enhanced authentication, the CONNECT exchange and what follows a refusal
  unsupported_authentication_method_accepted,
  authentication_method_changed,
  authentication_continue_code_wrong,
  authentication_reason_code_invalid,
  authentication_refusal_left_open,
  second_connect_answered_with_connack,
  refused_publications_acted_on,
  will_published_again,
  reauthentication_failure_left_open,
  // packet identifiers reused after their exchange, and the QoS 2 exchange after PUBREL (branch v5qos2)
  reused_qos1_id_dropped,
  reused_qos2_id_dropped,
  publish_resent_after_pubrel,
  expired_in_flight_qos2_dropped,
  overlap_identifiers_incomplete,
  per_subscription_copies_same_identifier,
  retained_not_resent_on_replacement,
  qos_2_subscription_refused,
  maximum_qos_undeclared,
  // string properties and the AUTH trimming (branch v5utf8)
  response_topic_utf8_unchecked,
  content_type_utf8_unchecked,
  user_property_utf8_unchecked,
  topic_byte_order_mark_stripped,
  authentication_reason_string_beyond_maximum_packet_size,
  authentication_user_property_beyond_maximum_packet_size,
  // MQTT over WebSocket (the ws and wss listeners only; transport "ws" below)
  websocket_text_frames,
  websocket_split_packet_rejected,
  websocket_subprotocol_not_mqtt,
};

struct DefectInfo {
  Defect defect;
  std::string_view name;         // "retain-ignored": the spelling used on the command line
  std::string_view protocol;     // "3.1.1" or "5.0": the version whose statement it breaks
  std::string_view statement;    // the statement it breaks, in that version's numbering, e.g. "MQTT-3.3.1-6"
  std::string_view description;  // one line: what the broker does wrong
  // "ws": the defect lives in the WebSocket listener, so only a run over ws:// (or wss://) shows it; "" otherwise.
  std::string_view transport = {};
};

// Every defect, in the order above.
std::span<const DefectInfo> defect_catalog();
// The defects of one protocol version ("3.1.1" or "5.0"), in catalog order.
std::vector<DefectInfo> defects_for(std::string_view protocol);
const DefectInfo& describe(Defect defect);
std::string_view to_string(Defect defect);
std::optional<Defect> parse_defect(std::string_view name);

using DefectSet = std::set<Defect>;

}  // namespace mqtt::broker
