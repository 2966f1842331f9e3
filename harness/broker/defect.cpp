#include "broker/defect.hpp"

#include <array>

#include "broker/switch_catalog.hpp"

namespace mqtt::broker {
namespace {

constexpr std::array catalog{
    DefectInfo{Defect::retain_flag_on_existing_subscription, "retain-flag-on-existing-subscription", "3.1.1",
               "MQTT-3.3.1-9", "forwards a retained publication to existing subscribers with RETAIN=1"},
    DefectInfo{Defect::retain_not_deleted_by_empty, "retain-not-deleted-by-empty", "3.1.1", "MQTT-3.3.1-10",
               "a retained PUBLISH with an empty payload leaves the old retained message in place"},
    DefectInfo{Defect::retain_ignored, "retain-ignored", "3.1.1", "MQTT-3.3.1-6",
               "never stores retained messages, so new subscriptions get none"},
    DefectInfo{Defect::retained_qos0, "retained-qos0", "3.1.1", "MQTT-3.8.4-6",
               "sends retained messages to new subscriptions at QoS 0, whatever they were published and granted at"},
    DefectInfo{Defect::no_puback, "no-puback", "3.1.1", "MQTT-4.3.2-2", "never answers a QoS 1 PUBLISH with PUBACK"},
    DefectInfo{Defect::drop_qos1_delivery, "drop-qos1-delivery", "3.1.1", "MQTT-4.5.0-1",
               "acknowledges QoS 1 publications but forwards them to nobody (a retained one is still stored)"},
    DefectInfo{Defect::no_redelivery, "no-redelivery", "3.1.1", "MQTT-4.4.0-1",
               "forgets unacknowledged outgoing QoS 1/2 messages when the subscriber reconnects"},
    DefectInfo{Defect::redelivery_without_dup, "redelivery-without-dup", "3.1.1", "MQTT-3.3.1-1",
               "re-sends unacknowledged PUBLISH packets on reconnect with DUP=0"},
    DefectInfo{Defect::dup_propagated, "dup-propagated", "3.1.1", "MQTT-3.3.1-3",
               "copies the publisher's DUP flag onto the PUBLISH packets it forwards to subscribers"},
    DefectInfo{Defect::duplicate_qos2_delivery, "duplicate-qos2-delivery", "3.1.1", "MQTT-4.3.3-2",
               "forwards a re-sent QoS 2 PUBLISH again although its PUBREL has not arrived"},
    DefectInfo{Defect::pubrec_wrong_id, "pubrec-wrong-id", "3.1.1", "MQTT-2.3.1-6",
               "answers QoS 2 PUBLISH with a PUBREC carrying a different packet identifier"},
    DefectInfo{Defect::reorder_deliveries, "reorder-deliveries", "3.1.1", "MQTT-4.6.0-6",
               "swaps every second delivery to a subscriber with the one before it (one with none after it goes "
               "out 50 ms late)"},
    DefectInfo{Defect::session_present_always_0, "session-present-always-0", "3.1.1", "MQTT-3.2.2-2",
               "sets Session Present to 0 even when it resumes a stored session"},
    DefectInfo{Defect::keep_session_on_clean, "keep-session-on-clean", "3.1.1", "MQTT-3.1.2-6",
               "keeps the old subscriptions when a client connects with CleanSession=1"},
    DefectInfo{Defect::no_offline_queue, "no-offline-queue", "3.1.1", "MQTT-3.1.2-5",
               "drops QoS 1/2 messages for persistent sessions while their client is offline"},
    DefectInfo{Defect::no_will, "no-will", "3.1.1", "MQTT-3.1.2-8", "never publishes will messages"},
    DefectInfo{Defect::will_after_disconnect, "will-after-disconnect", "3.1.1", "MQTT-3.14.4-3",
               "publishes the will even after a clean DISCONNECT"},
    DefectInfo{Defect::will_retain_ignored, "will-retain-ignored", "3.1.1", "MQTT-3.1.2-17",
               "publishes wills as non-retained even when Will Retain is 1"},
    DefectInfo{Defect::will_qos0, "will-qos0", "3.1.1", "MQTT-3.8.4-6",
               "publishes wills at QoS 0 whatever Will QoS says, so subscribers get them at QoS 0"},
    DefectInfo{Defect::no_keepalive_timeout, "no-keepalive-timeout", "3.1.1", "MQTT-3.1.2-24",
               "never closes a connection that stays silent past 1.5 times its keep alive"},
    DefectInfo{Defect::suback_wrong_count, "suback-wrong-count", "3.1.1", "MQTT-3.8.4-5",
               "returns one SUBACK return code fewer than the SUBSCRIBE had filters (when it had more than one)"},
    DefectInfo{Defect::qos_not_downgraded, "qos-not-downgraded", "3.1.1", "MQTT-3.8.4-6",
               "delivers at the publication's QoS even when the subscription was granted less"},
    DefectInfo{Defect::overlap_lowest_qos, "overlap-lowest-qos", "3.1.1", "MQTT-3.3.5-1",
               "delivers a message matching several subscriptions once, at the lowest of their granted QoS"},
    DefectInfo{Defect::subscription_not_replaced, "subscription-not-replaced", "3.1.1", "MQTT-3.8.4-3",
               "keeps the old QoS when a SUBSCRIBE repeats an existing filter"},
    DefectInfo{Defect::unsubscribe_ignored, "unsubscribe-ignored", "3.1.1", "MQTT-3.10.4-2",
               "answers UNSUBSCRIBE with UNSUBACK but keeps delivering on the filter"},
    DefectInfo{Defect::no_unsuback_when_unmatched, "no-unsuback-when-unmatched", "3.1.1", "MQTT-3.10.4-5",
               "sends no UNSUBACK when none of the filters was subscribed"},
    DefectInfo{Defect::dollar_matches_wildcard, "dollar-matches-wildcard", "3.1.1", "MQTT-4.7.2-1",
               "lets filters starting with '+' or '#' match topics starting with '$'"},
    DefectInfo{Defect::plus_matches_multi_level, "plus-matches-multi-level", "3.1.1", "MQTT-3.3.2-3",
               "lets '+' match several topic levels, delivering on topics the filter does not match"},
    DefectInfo{Defect::star_matches_level, "star-matches-level", "3.1.1", "MQTT-3.3.2-3",
               "treats a filter level '*' as a wildcard for one level (as AMQP brokers do), not as a plain character"},
    DefectInfo{Defect::no_takeover, "no-takeover", "3.1.1", "MQTT-3.1.4-2",
               "leaves the old connection open when a second client connects with the same client id"},
    DefectInfo{Defect::no_pingresp, "no-pingresp", "3.1.1", "MQTT-3.12.4-1", "never answers PINGREQ"},
    DefectInfo{Defect::accept_qos3, "accept-qos3", "3.1.1", "MQTT-3.3.1-4",
               "accepts a PUBLISH with both QoS bits set (treating it as QoS 1) instead of closing"},
    DefectInfo{Defect::accept_wildcard_publish, "accept-wildcard-publish", "3.1.1", "MQTT-3.3.2-2",
               "accepts a PUBLISH whose topic name contains '+' or '#' instead of closing"},
    DefectInfo{Defect::no_close_on_second_connect, "no-close-on-second-connect", "3.1.1", "MQTT-3.1.0-2",
               "ignores a second CONNECT on the same connection instead of closing"},
    DefectInfo{Defect::accept_qos0_dup, "accept-qos0-dup", "3.1.1", "MQTT-3.3.1-2",
               "accepts a QoS 0 PUBLISH with DUP=1 (ignoring the flag) instead of closing"},
    DefectInfo{Defect::acknowledgement_flags_ignored, "acknowledgement-flags-ignored", "3.1.1", "MQTT-2.2.2-2",
               "ignores reserved fixed-header flags on PUBACK, PUBREC, PUBCOMP and PINGREQ instead of closing"},
    DefectInfo{Defect::accept_connect_header_flags, "accept-connect-header-flags", "3.1.1", "MQTT-2.2.2-2",
               "accepts a CONNECT whose fixed-header flags are not 0 instead of closing"},
    DefectInfo{Defect::accept_long_puback, "accept-long-puback", "3.1.1", "MQTT-4.8.0-1",
               "reads a PUBACK whose remaining length is above 2 as if the extra bytes were not there"},
    // ---- MQTT 5.0: statements of the 5.0 specification, acting on 5.0 connections only ----
    DefectInfo{Defect::ignore_receive_maximum, "ignore-receive-maximum", "5.0", "MQTT-3.3.4-9",
               "sends more unacknowledged QoS 1/2 PUBLISH packets than the client's Receive Maximum"},
    DefectInfo{Defect::oversized_packet_sent, "oversized-packet-sent", "5.0", "MQTT-3.1.2-25",
               "sends PUBLISH packets larger than the Maximum Packet Size the client declared instead of discarding them"},
    DefectInfo{Defect::message_expiry_not_forwarded, "message-expiry-not-forwarded", "5.0", "MQTT-3.3.2-6",
               "forwards messages without their Message Expiry Interval"},
    DefectInfo{Defect::expired_messages_delivered, "expired-messages-delivered", "5.0", "MQTT-3.3.2-5",
               "delivers queued and retained messages after their Message Expiry Interval has passed"},
    DefectInfo{Defect::will_without_delay, "will-without-delay", "5.0", "MQTT-3.1.3-9",
               "publishes the will as soon as the connection drops, ignoring its Will Delay Interval, even when the "
               "client reconnects within it"},
    DefectInfo{Defect::will_discarded_on_disconnect_with_will, "will-discarded-on-disconnect-with-will", "5.0",
               "MQTT-3.1.2-8", "discards the will on DISCONNECT with reason 0x04 (Disconnect with Will Message)"},
    DefectInfo{Defect::will_dropped_on_clean_start, "will-dropped-on-clean-start", "5.0", "MQTT-3.1.2-8",
               "drops a will still waiting for its Will Delay Interval when the client connects again with Clean "
               "Start 1, instead of publishing it as the old session ends (what mosquitto 2.0.11 does)"},
    DefectInfo{Defect::retain_handling_2_ignored, "retain-handling-2-ignored", "5.0", "MQTT-3.3.1-11",
               "sends retained messages to a new subscription with Retain Handling 2"},
    DefectInfo{Defect::retain_handling_1_resends, "retain-handling-1-resends", "5.0", "MQTT-3.3.1-10",
               "sends retained messages again when a SUBSCRIBE with Retain Handling 1 repeats an existing "
               "subscription"},
    DefectInfo{Defect::subscription_identifier_missing, "subscription-identifier-missing", "5.0", "MQTT-3.3.4-3",
               "leaves the Subscription Identifier out of the PUBLISH packets a subscription causes"},
    DefectInfo{Defect::no_local_ignored, "no-local-ignored", "5.0", "MQTT-3.8.3-3",
               "forwards a client's own publications to it through a subscription with No Local 1"},
    DefectInfo{Defect::retain_as_published_ignored, "retain-as-published-ignored", "5.0", "MQTT-3.3.1-13",
               "clears the RETAIN flag when forwarding through a subscription with Retain As Published 1"},
    DefectInfo{Defect::user_properties_reordered, "user-properties-reordered", "5.0", "MQTT-3.3.2-18",
               "forwards a message's User Properties in reverse order"},
    DefectInfo{Defect::content_type_dropped, "content-type-dropped", "5.0", "MQTT-3.3.2-20",
               "forwards messages without their Content Type"},
    DefectInfo{Defect::shared_grant_ignored, "shared-grant-ignored", "5.0", "MQTT-4.8.2-3",
               "sends shared-subscription messages at the published QoS, above the member's granted QoS"},
    DefectInfo{Defect::shared_qos2_sent_to_another_member, "shared-qos2-sent-to-another-member", "5.0",
               "MQTT-4.8.2-5",
               "when a shared-subscription member's session ends with a QoS 2 message unacknowledged, sends the "
               "message to another member"},
    DefectInfo{Defect::shared_qos2_copied_on_connection_loss, "shared-qos2-copied-on-connection-loss", "5.0",
               "MQTT-4.8.2-4",
               "when a shared-subscription member's connection drops with a QoS 2 message unacknowledged, also sends "
               "the message to another member while the session lives"},
    DefectInfo{Defect::rejected_shared_message_redistributed, "rejected-shared-message-redistributed", "5.0",
               "MQTT-4.8.2-6",
               "offers a shared-subscription message that a member refused (PUBACK or PUBREC 0x80 or above) to "
               "another member"},
    DefectInfo{Defect::rejected_message_resent, "rejected-message-resent", "5.0", "MQTT-4.4.0-2",
               "keeps a message whose PUBACK or PUBREC carried a reason code of 0x80 or above, and re-sends it when "
               "the session resumes"},
    DefectInfo{Defect::pubrel_unknown_id_unanswered, "pubrel-unknown-id-unanswered", "5.0", "MQTT-4.3.3-11",
               "does not answer a PUBREL whose packet identifier it has no QoS 2 exchange for (PUBCOMP 0x92 is owed)"},
    DefectInfo{Defect::session_kept_after_expiry, "session-kept-after-expiry", "5.0", "MQTT-4.1.0-2",
               "keeps a session after its Session Expiry Interval has passed (the client resumes it)"},
    DefectInfo{Defect::session_discarded_despite_expiry, "session-discarded-despite-expiry", "5.0",
               "MQTT-3.1.2-23",
               "discards a session when its connection closes although its Session Expiry Interval is above 0"},
    DefectInfo{Defect::topic_alias_not_honoured, "topic-alias-not-honoured", "5.0", "MQTT-3.3.2-12",
               "answers a PUBLISH that uses an established Topic Alias (empty topic) with DISCONNECT 0x82"},
    DefectInfo{Defect::unsolicited_topic_aliases, "unsolicited-topic-aliases", "5.0", "MQTT-3.1.2-27",
               "sends Topic Aliases to clients that declared no Topic Alias Maximum"},
    DefectInfo{Defect::session_present_with_error, "session-present-with-error", "5.0", "MQTT-3.2.2-6",
               "sets Session Present 1 in a CONNACK that refuses the connection"},
    DefectInfo{Defect::no_assigned_client_identifier, "no-assigned-client-identifier", "5.0", "MQTT-3.2.2-16",
               "accepts an empty client identifier without an Assigned Client Identifier in the CONNACK"},
    DefectInfo{Defect::response_information_unrequested, "response-information-unrequested", "5.0",
               "MQTT-3.1.2-28", "returns Response Information although the client did not request it"},
    DefectInfo{Defect::reason_string_unrequested, "reason-string-unrequested", "5.0", "MQTT-3.1.2-29",
               "adds a Reason String to SUBACK and UNSUBACK although the client set Request Problem Information "
               "to 0"},
    DefectInfo{Defect::session_expiry_on_server_disconnect, "session-expiry-on-server-disconnect", "5.0",
               "MQTT-3.14.2-2", "puts a Session Expiry Interval in the DISCONNECT packets it sends"},
    DefectInfo{Defect::will_qos_above_maximum_accepted, "will-qos-above-maximum-accepted", "5.0", "MQTT-3.2.2-12",
               "declares Maximum QoS 1, yet accepts a CONNECT whose will has QoS 2"},
    DefectInfo{Defect::will_retain_accepted_without_retain_available,
               "will-retain-accepted-without-retain-available", "5.0", "MQTT-3.2.2-13",
               "declares Retain Available 0, yet accepts a CONNECT whose will has Will Retain 1"},
    DefectInfo{Defect::suback_grants_above_request, "suback-grants-above-request", "5.0", "MQTT-3.8.4-7",
               "in a SUBSCRIBE of three filters or more, writes QoS 2 in the SUBACK for a filter that asked for QoS 1, granting QoS 1"},
    DefectInfo{Defect::unsuback_codes_reversed, "unsuback-codes-reversed", "5.0", "MQTT-3.11.3-1",
               "writes the UNSUBACK reason codes in the reverse order of the UNSUBSCRIBE's topic filters"},
    DefectInfo{Defect::answers_held_at_zero_quota, "answers-held-at-zero-quota", "5.0", "MQTT-3.3.4-10",
               "does not answer PINGREQ while the client's Receive Maximum of QoS 1/2 deliveries is unacknowledged"},
    DefectInfo{Defect::topic_empty_levels_collapsed, "topic-empty-levels-collapsed", "5.0", "MQTT-4.7.3-4",
               "normalises the topic names it forwards, collapsing empty levels ('a//b' becomes 'a/b')"},
    DefectInfo{Defect::redelivery_reordered, "redelivery-reordered", "5.0", "MQTT-4.6.0-1",
               "re-sends the unacknowledged PUBLISH packets of a resumed session newest first"},
    DefectInfo{Defect::reason_string_beyond_maximum_packet_size, "reason-string-beyond-maximum-packet-size", "5.0",
               "MQTT-3.9.2-1",
               "puts a Reason String on every CONNACK, acknowledgement and DISCONNECT and never leaves it out for the "
               "client's Maximum Packet Size"},
    DefectInfo{Defect::user_property_beyond_maximum_packet_size, "user-property-beyond-maximum-packet-size", "5.0",
               "MQTT-3.9.2-2",
               "puts a User Property on every CONNACK, acknowledgement and DISCONNECT and never leaves it out for the "
               "client's Maximum Packet Size"},
    DefectInfo{Defect::unsupported_authentication_method_accepted, "unsupported-authentication-method-accepted",
               "5.0", "MQTT-4.12.0-1",
               "accepts a CONNECT naming an Authentication Method it does not support, ignoring the method"},
    DefectInfo{Defect::authentication_method_changed, "authentication-method-changed", "5.0", "MQTT-4.12.0-5",
               "names another Authentication Method than the CONNECT's in its AUTH packets and CONNACK"},
    DefectInfo{Defect::authentication_continue_code_wrong, "authentication-continue-code-wrong", "5.0",
               "MQTT-4.12.0-2", "asks for more authentication data with AUTH 0x19 (Re-authenticate) instead of 0x18"},
    DefectInfo{Defect::authentication_reason_code_invalid, "authentication-reason-code-invalid", "5.0",
               "MQTT-3.15.2-1", "sends its authentication challenge in an AUTH with reason code 0x87, not an AUTH code"},
    DefectInfo{Defect::authentication_refusal_left_open, "authentication-refusal-left-open", "5.0",
               "MQTT-4.12.0-4", "refuses a failed enhanced authentication with CONNACK 0x87 but keeps the connection"},
    DefectInfo{Defect::second_connect_answered_with_connack, "second-connect-answered-with-connack", "5.0",
               "MQTT-3.2.0-2", "answers a second CONNECT on a connection with another CONNACK (0x82) before closing it"},
    DefectInfo{Defect::refused_publications_acted_on, "refused-publications-acted-on", "5.0", "MQTT-3.1.4-6",
               "routes the PUBLISH packets a client sent after the CONNECT it refused"},
    DefectInfo{Defect::will_published_again, "will-published-again", "5.0", "MQTT-3.1.2-10",
               "keeps a published will in the session and publishes it again when the session's next connection "
               "ends without DISCONNECT"},
    DefectInfo{Defect::reauthentication_failure_left_open, "reauthentication-failure-left-open", "5.0",
               "MQTT-4.12.1-2", "ends a failed re-authentication with DISCONNECT 0x87 but keeps the connection open"},
    DefectInfo{Defect::reused_qos1_id_dropped, "reused-qos1-id-dropped", "5.0", "MQTT-4.3.2-5",
               "takes a QoS 1 PUBLISH carrying the packet identifier it has just acknowledged with PUBACK for a "
               "repeat: answers PUBACK again but forwards it to nobody"},
    DefectInfo{Defect::reused_qos2_id_dropped, "reused-qos2-id-dropped", "5.0", "MQTT-4.3.3-12",
               "takes a QoS 2 PUBLISH carrying the packet identifier of the exchange it has just completed with "
               "PUBCOMP for a repeat: answers PUBREC and PUBCOMP but forwards it to nobody"},
    DefectInfo{Defect::publish_resent_after_pubrel, "publish-resent-after-pubrel", "5.0", "MQTT-4.3.3-6",
               "when a session resumes, re-sends the PUBLISH of a QoS 2 delivery whose PUBREL it had already sent, "
               "instead of the PUBREL"},
    DefectInfo{Defect::expired_in_flight_qos2_dropped, "expired-in-flight-qos2-dropped", "5.0", "MQTT-4.3.3-7",
               "when a session resumes, drops an unacknowledged QoS 2 delivery whose Message Expiry Interval has run "
               "out instead of sending it again"},
    DefectInfo{Defect::overlap_identifiers_incomplete, "overlap-identifiers-incomplete", "5.0", "MQTT-3.3.4-4",
               "sends one copy for overlapping subscriptions carrying only the first matching subscription's "
               "Subscription Identifier"},
    DefectInfo{Defect::per_subscription_copies_same_identifier, "per-subscription-copies-same-identifier", "5.0",
               "MQTT-3.3.4-5",
               "sends one copy per overlapping subscription, every copy carrying the first matching subscription's "
               "Subscription Identifier"},
    DefectInfo{Defect::retained_not_resent_on_replacement, "retained-not-resent-on-replacement", "5.0",
               "MQTT-3.8.4-4",
               "sends no retained messages when a SUBSCRIBE with Retain Handling 0 replaces an existing "
               "subscription"},
    DefectInfo{Defect::qos_2_subscription_refused, "qos-2-subscription-refused", "5.0", "MQTT-3.2.2-10",
               "declares Maximum QoS 1 and refuses (SUBACK 0x80) a subscription that requests QoS 2 instead of "
               "granting it QoS 1"},
    DefectInfo{Defect::maximum_qos_undeclared, "maximum-qos-undeclared", "5.0", "MQTT-3.2.2-9",
               "handles no QoS 2 PUBLISH (DISCONNECT 0x9B) yet declares no Maximum QoS in its CONNACK"},
    DefectInfo{Defect::response_topic_utf8_unchecked, "response-topic-utf8-unchecked", "5.0", "MQTT-3.3.2-13",
               "skips a PUBLISH whose Response Topic is not a valid UTF-8 string instead of treating it as "
               "malformed (no DISCONNECT 0x81, no close)"},
    DefectInfo{Defect::content_type_utf8_unchecked, "content-type-utf8-unchecked", "5.0", "MQTT-3.3.2-19",
               "skips a PUBLISH whose Content Type is not a valid UTF-8 string instead of treating it as "
               "malformed (no DISCONNECT 0x81, no close)"},
    DefectInfo{Defect::user_property_utf8_unchecked, "user-property-utf8-unchecked", "5.0", "MQTT-1.5.7-1",
               "skips a packet whose User Property name or value is not a valid UTF-8 string instead of treating "
               "it as malformed (no DISCONNECT 0x81, no close)"},
    DefectInfo{Defect::topic_byte_order_mark_stripped, "topic-byte-order-mark-stripped", "5.0", "MQTT-1.5.4-3",
               "strips the bytes EF BB BF (U+FEFF) from the topic names it forwards"},
    DefectInfo{Defect::authentication_reason_string_beyond_maximum_packet_size,
               "authentication-reason-string-beyond-maximum-packet-size", "5.0", "MQTT-3.15.2-2",
               "keeps the Reason String of its AUTH challenge although the AUTH then exceeds the client's Maximum "
               "Packet Size"},
    DefectInfo{Defect::authentication_user_property_beyond_maximum_packet_size,
               "authentication-user-property-beyond-maximum-packet-size", "5.0", "MQTT-3.15.2-3",
               "puts a long User Property on its AUTH challenge and keeps it although the AUTH then exceeds the "
               "client's Maximum Packet Size"},
    DefectInfo{Defect::websocket_text_frames, "websocket-text-frames", "5.0", "MQTT-6.0.0-1",
               "sends its first MQTT bytes to a WebSocket client (the CONNACK) in a text frame", "ws"},
    DefectInfo{Defect::websocket_split_packet_rejected, "websocket-split-packet-rejected", "5.0", "MQTT-6.0.0-2",
               "closes a WebSocket connection whose data message ends inside an MQTT packet", "ws"},
    DefectInfo{Defect::websocket_subprotocol_not_mqtt, "websocket-subprotocol-not-mqtt", "5.0", "MQTT-6.0.0-4",
               "answers a WebSocket upgrade offering \"mqtt\" with the sub-protocol \"mqttv3.1\"", "ws"},
};

}  // namespace

std::span<const DefectInfo> defect_catalog() { return catalog; }

std::vector<DefectInfo> defects_for(std::string_view protocol) {
  return entries_of_protocol(defect_catalog(), protocol);
}

const DefectInfo& describe(Defect defect) { return entry_of(defect_catalog(), &DefectInfo::defect, defect); }

std::string_view to_string(Defect defect) { return describe(defect).name; }

std::optional<Defect> parse_defect(std::string_view name) {
  return key_named(defect_catalog(), &DefectInfo::defect, name);
}

}  // namespace mqtt::broker
