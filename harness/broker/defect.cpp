#include "broker/defect.hpp"

#include <array>

namespace mqtt::broker {
namespace {

constexpr std::array catalog{
    DefectInfo{Defect::retain_flag_on_existing_subscription, "retain-flag-on-existing-subscription",
               "MQTT-3.3.1-9", "forwards a retained publication to existing subscribers with RETAIN=1"},
    DefectInfo{Defect::retain_not_deleted_by_empty, "retain-not-deleted-by-empty", "MQTT-3.3.1-10",
               "a retained PUBLISH with an empty payload leaves the old retained message in place"},
    DefectInfo{Defect::retain_ignored, "retain-ignored", "MQTT-3.3.1-6",
               "never stores retained messages, so new subscriptions get none"},
    DefectInfo{Defect::retained_qos0, "retained-qos0", "MQTT-3.8.4-6",
               "sends retained messages to new subscriptions at QoS 0, whatever they were published and granted at"},
    DefectInfo{Defect::no_puback, "no-puback", "MQTT-4.3.2-2", "never answers a QoS 1 PUBLISH with PUBACK"},
    DefectInfo{Defect::drop_qos1_delivery, "drop-qos1-delivery", "MQTT-4.5.0-1",
               "acknowledges QoS 1 publications but forwards them to nobody (a retained one is still stored)"},
    DefectInfo{Defect::no_redelivery, "no-redelivery", "MQTT-4.4.0-1",
               "forgets unacknowledged outgoing QoS 1/2 messages when the subscriber reconnects"},
    DefectInfo{Defect::redelivery_without_dup, "redelivery-without-dup", "MQTT-3.3.1-1",
               "re-sends unacknowledged PUBLISH packets on reconnect with DUP=0"},
    DefectInfo{Defect::dup_propagated, "dup-propagated", "MQTT-3.3.1-3",
               "copies the publisher's DUP flag onto the PUBLISH packets it forwards to subscribers"},
    DefectInfo{Defect::duplicate_qos2_delivery, "duplicate-qos2-delivery", "MQTT-4.3.3-2",
               "forwards a re-sent QoS 2 PUBLISH again although its PUBREL has not arrived"},
    DefectInfo{Defect::pubrec_wrong_id, "pubrec-wrong-id", "MQTT-2.3.1-6",
               "answers QoS 2 PUBLISH with a PUBREC carrying a different packet identifier"},
    DefectInfo{Defect::reorder_deliveries, "reorder-deliveries", "MQTT-4.6.0-6",
               "swaps every second delivery to a subscriber with the one before it (one with none after it goes "
               "out 50 ms late)"},
    DefectInfo{Defect::session_present_always_0, "session-present-always-0", "MQTT-3.2.2-2",
               "sets Session Present to 0 even when it resumes a stored session"},
    DefectInfo{Defect::keep_session_on_clean, "keep-session-on-clean", "MQTT-3.1.2-6",
               "keeps the old subscriptions when a client connects with CleanSession=1"},
    DefectInfo{Defect::no_offline_queue, "no-offline-queue", "MQTT-3.1.2-5",
               "drops QoS 1/2 messages for persistent sessions while their client is offline"},
    DefectInfo{Defect::no_will, "no-will", "MQTT-3.1.2-8", "never publishes will messages"},
    DefectInfo{Defect::will_after_disconnect, "will-after-disconnect", "MQTT-3.14.4-3",
               "publishes the will even after a clean DISCONNECT"},
    DefectInfo{Defect::will_retain_ignored, "will-retain-ignored", "MQTT-3.1.2-17",
               "publishes wills as non-retained even when Will Retain is 1"},
    DefectInfo{Defect::will_qos0, "will-qos0", "MQTT-3.8.4-6",
               "publishes wills at QoS 0 whatever Will QoS says, so subscribers get them at QoS 0"},
    DefectInfo{Defect::no_keepalive_timeout, "no-keepalive-timeout", "MQTT-3.1.2-24",
               "never closes a connection that stays silent past 1.5 times its keep alive"},
    DefectInfo{Defect::suback_wrong_count, "suback-wrong-count", "MQTT-3.8.4-5",
               "returns one SUBACK return code fewer than the SUBSCRIBE had filters (when it had more than one)"},
    DefectInfo{Defect::qos_not_downgraded, "qos-not-downgraded", "MQTT-3.8.4-6",
               "delivers at the publication's QoS even when the subscription was granted less"},
    DefectInfo{Defect::overlap_lowest_qos, "overlap-lowest-qos", "MQTT-3.3.5-1",
               "delivers a message matching several subscriptions once, at the lowest of their granted QoS"},
    DefectInfo{Defect::subscription_not_replaced, "subscription-not-replaced", "MQTT-3.8.4-3",
               "keeps the old QoS when a SUBSCRIBE repeats an existing filter"},
    DefectInfo{Defect::unsubscribe_ignored, "unsubscribe-ignored", "MQTT-3.10.4-2",
               "answers UNSUBSCRIBE with UNSUBACK but keeps delivering on the filter"},
    DefectInfo{Defect::no_unsuback_when_unmatched, "no-unsuback-when-unmatched", "MQTT-3.10.4-5",
               "sends no UNSUBACK when none of the filters was subscribed"},
    DefectInfo{Defect::dollar_matches_wildcard, "dollar-matches-wildcard", "MQTT-4.7.2-1",
               "lets filters starting with '+' or '#' match topics starting with '$'"},
    DefectInfo{Defect::plus_matches_multi_level, "plus-matches-multi-level", "MQTT-3.3.2-3",
               "lets '+' match several topic levels, delivering on topics the filter does not match"},
    DefectInfo{Defect::star_matches_level, "star-matches-level", "MQTT-3.3.2-3",
               "treats a filter level '*' as a wildcard for one level (as AMQP brokers do), not as a plain character"},
    DefectInfo{Defect::no_takeover, "no-takeover", "MQTT-3.1.4-2",
               "leaves the old connection open when a second client connects with the same client id"},
    DefectInfo{Defect::no_pingresp, "no-pingresp", "MQTT-3.12.4-1", "never answers PINGREQ"},
    DefectInfo{Defect::accept_qos3, "accept-qos3", "MQTT-3.3.1-4",
               "accepts a PUBLISH with both QoS bits set (treating it as QoS 1) instead of closing"},
    DefectInfo{Defect::accept_wildcard_publish, "accept-wildcard-publish", "MQTT-3.3.2-2",
               "accepts a PUBLISH whose topic name contains '+' or '#' instead of closing"},
    DefectInfo{Defect::no_close_on_second_connect, "no-close-on-second-connect", "MQTT-3.1.0-2",
               "ignores a second CONNECT on the same connection instead of closing"},
    DefectInfo{Defect::accept_qos0_dup, "accept-qos0-dup", "MQTT-3.3.1-2",
               "accepts a QoS 0 PUBLISH with DUP=1 (ignoring the flag) instead of closing"},
    DefectInfo{Defect::acknowledgement_flags_ignored, "acknowledgement-flags-ignored", "MQTT-2.2.2-2",
               "ignores reserved fixed-header flags on PUBACK, PUBREC, PUBCOMP and PINGREQ instead of closing"},
    DefectInfo{Defect::accept_connect_header_flags, "accept-connect-header-flags", "MQTT-2.2.2-2",
               "accepts a CONNECT whose fixed-header flags are not 0 instead of closing"},
    DefectInfo{Defect::accept_long_puback, "accept-long-puback", "MQTT-4.8.0-1",
               "reads a PUBACK whose remaining length is above 2 as if the extra bytes were not there"},
};

}  // namespace

std::span<const DefectInfo> defect_catalog() { return catalog; }

const DefectInfo& describe(Defect defect) {
  for (const auto& info : catalog) {
    if (info.defect == defect) return info;
  }
  return catalog.front();  // unreachable: every enumerator has an entry (checked by a test)
}

std::string_view to_string(Defect defect) { return describe(defect).name; }

std::optional<Defect> parse_defect(std::string_view name) {
  for (const auto& info : catalog) {
    if (info.name == name) return info.defect;
  }
  return std::nullopt;
}

}  // namespace mqtt::broker
