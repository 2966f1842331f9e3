#include "broker/variation.hpp"

#include <array>
#include <utility>

#include "broker/switch_catalog.hpp"

namespace mqtt::broker {
namespace {

constexpr std::array catalog{
    VariationInfo{Variation::publish_before_suback, "publish-before-suback", "3.1.1", "3.8.4",
                  "the server may start sending PUBLISH packets that match a new subscription before its SUBACK",
                  "writes a new subscription's retained messages, and live messages arriving meanwhile, before "
                  "the SUBACK, which it holds back 50 ms"},
    VariationInfo{Variation::grant_max_qos_1, "grant-max-qos-1", "3.1.1", "3.8.4",
                  "the server may grant a lower maximum QoS than the one requested",
                  "grants at most QoS 1 (a QoS 2 request is granted 1) and delivers at min(published, granted)"},
    VariationInfo{Variation::grant_max_qos_0, "grant-max-qos-0", "3.1.1", "3.8.4",
                  "the server may grant a lower maximum QoS than the one requested",
                  "grants QoS 0 to every subscription and delivers everything at QoS 0"},
    VariationInfo{Variation::late_unsuback, "late-unsuback", "3.1.1", "3.10.4",
                  "an UNSUBSCRIBE must be answered with UNSUBACK and must stop new deliveries on the deleted "
                  "filters; no rule says how soon the UNSUBACK comes",
                  "deletes the subscriptions when UNSUBSCRIBE arrives but writes the UNSUBACK 50 ms later"},
    VariationInfo{Variation::overlap_one_copy_per_subscription, "overlap-one-copy-per-subscription", "3.1.1", "3.3.5",
                  "a message matching several of one client's subscriptions must reach it at the highest of "
                  "their QoS; the server may also send one more copy per further matching subscription",
                  "delivers such a message once per matching subscription, each at min(published QoS, that "
                  "subscription's grant)"},
    VariationInfo{Variation::duplicate_downgraded_qos0, "duplicate-downgraded-qos0", "3.1.1", "3.8.4",
                  "a message published at QoS 1 and sent at QoS 0 because the grant is 0 may reach the "
                  "subscriber more than once",
                  "sends every QoS 1 publication twice to a subscription granted QoS 0"},
    VariationInfo{Variation::puback_before_deliver, "puback-before-deliver", "3.1.1", "4.3.2, 4.3.3",
                  "the receiver of a PUBLISH need not finish onward delivery before it answers PUBACK or PUBREC",
                  "answers PUBACK/PUBREC at once and forwards the message 50 ms later, to the subscribers that "
                  "matched on arrival, in arrival order (default: forwards first, then answers)"},
    VariationInfo{Variation::qos2_deliver_on_pubrel, "qos2-deliver-on-pubrel", "3.1.1", "4.3.3",
                  "a QoS 2 receiver may keep the message and start onward delivery only when PUBREL arrives "
                  "(method A) instead of on first receipt (method B)",
                  "keeps an incoming QoS 2 message until its PUBREL and only then forwards it"},
    VariationInfo{Variation::queue_qos0_offline, "queue-qos0-offline", "3.1.1", "3.1.2.4",
                  "while the client of a persistent session is offline the server may also store QoS 0 messages "
                  "for it",
                  "queues QoS 0 messages for an offline persistent session and sends them on reconnect "
                  "(default: drops them)"},
    VariationInfo{Variation::resend_publish_before_pubrel, "resend-publish-before-pubrel", "3.1.1", "4.4, 4.6",
                  "on reconnect every unacknowledged PUBLISH and PUBREL must be re-sent, PUBLISHes in their "
                  "order and PUBRELs in theirs; nothing orders one kind against the other",
                  "re-sends every unacknowledged PUBLISH first, then every PUBREL (default: their original "
                  "interleaving)"},
    VariationInfo{Variation::takeover_connack_first, "takeover-connack-first", "3.1.1", "3.1.4",
                  "on a takeover the server must disconnect the older connection; its close and the new CONNACK "
                  "travel on different connections, so no client can see an order between them",
                  "writes the new connection's CONNACK first and closes the older connection 50 ms later, "
                  "serving nothing on it meanwhile (default: closes the older one first)"},
    VariationInfo{Variation::retained_qos0_discarded, "retained-qos0-discarded", "3.1.1", "3.3.1.3",
                  "a retained QoS 0 PUBLISH must replace the topic's retained message; keeping it is only "
                  "recommended, and the server may discard it at any time",
                  "a retained QoS 0 PUBLISH deletes the topic's retained message and is not kept itself"},
    VariationInfo{Variation::keepalive_whole_seconds, "keepalive-whole-seconds", "3.1.1", "3.1.2.10",
                  "a connection silent for 1.5 x keep alive must be closed; like brokers with a periodic sweep, "
                  "the close may come up to one timer period later (the harness's stated grace)",
                  "checks keep-alives once a second, on whole seconds of its clock, so a silent connection "
                  "closes up to 1 s after 1.5 x keep alive"},
    // ---- MQTT 5.0: sections of the 5.0 specification, acting on 5.0 connections only ----
    VariationInfo{Variation::assign_topic_aliases, "assign-topic-aliases", "5.0", "3.3.2.3.4",
                  "the sender decides whether to use a Topic Alias; the server may send its own aliases up to the "
                  "client's Topic Alias Maximum",
                  "gives each new topic an alias while the client's Topic Alias Maximum allows and then sends "
                  "that topic with an empty name (default: never sends aliases)"},
    VariationInfo{Variation::server_keep_alive, "server-keep-alive", "5.0", "3.2.2.3.14",
                  "the server may answer with a Server Keep Alive that the client must use instead of its own",
                  "declares a Server Keep Alive of half the client's keep alive (rounded up) and closes after 1.5 "
                  "times that"},
    VariationInfo{Variation::long_assigned_client_identifiers, "long-assigned-client-identifiers", "5.0",
                  "3.2.2.3.7",
                  "the format of an Assigned Client Identifier is the server's; it only has to be new",
                  "assigns 36-character identifiers in UUID form instead of mqtt-harness-N"},
    VariationInfo{Variation::smaller_receive_maximum, "smaller-receive-maximum", "5.0", "3.2.2.3.3",
                  "the server may declare a Receive Maximum below 65535 and limit a client to it",
                  "declares Receive Maximum 2 and answers a third unacknowledged QoS 2 PUBLISH with DISCONNECT "
                  "0x93"},
    VariationInfo{Variation::declare_maximum_qos_1, "declare-maximum-qos-1", "5.0", "3.2.2.3.4",
                  "a server that does not support QoS 2 declares Maximum QoS 1 and still accepts QoS 2 "
                  "subscriptions, granting less",
                  "declares Maximum QoS 1, grants at most QoS 1 and answers a QoS 2 PUBLISH with DISCONNECT 0x9B"},
    VariationInfo{Variation::shared_sticky, "shared-sticky", "5.0", "4.8.2",
                  "the server chooses, message by message and by any criteria, which member of a shared "
                  "subscription gets a message",
                  "sends every message of a shared subscription to its earliest member that is online (default: "
                  "round robin over the online members)"},
    VariationInfo{Variation::shared_random, "shared-random", "5.0", "4.8.2",
                  "the server chooses, message by message and by any criteria, which member of a shared "
                  "subscription gets a message",
                  "picks an online member at random (seeded: BrokerOptions::seed, broker --seed)"},
    VariationInfo{Variation::shared_redispatch_on_session_end, "shared-redispatch-on-session-end", "5.0", "4.8.2",
                  "a QoS 1 message unacknowledged by a shared-subscription member that lost its connection may "
                  "wait for that member to reconnect; it goes to another member only if the session ends",
                  "keeps such messages for the member until its session ends (default: sends them to another "
                  "online member as soon as the connection is lost)"},
    VariationInfo{Variation::long_form_acknowledgements, "long-form-acknowledgements", "5.0", "3.4.2.1",
                  "a Success reason code and an empty property list may be omitted from PUBACK, PUBREC, PUBREL, "
                  "PUBCOMP and DISCONNECT, or written out",
                  "writes reason code 0x00 and property length 0 (default: the short form)"},
    VariationInfo{Variation::no_matching_subscribers_reason, "no-matching-subscribers-reason", "5.0", "3.4.2.1",
                  "a PUBACK or PUBREC may say 0x10 (No matching subscribers) when nobody subscribed",
                  "answers a publication no subscription matched with reason code 0x10 (default: 0x00)"},
    VariationInfo{Variation::bad_authentication_method_not_authorized, "bad-authentication-method-not-authorized",
                  "5.0", "4.12",
                  "a CONNECT with an Authentication Method the server does not support may be refused with 0x8C "
                  "(Bad authentication method) or 0x87 (Not authorized)",
                  "refuses it with 0x87 (default: 0x8C)"},
    VariationInfo{Variation::response_information, "response-information", "5.0", "3.2.2.3.15",
                  "when the client requests Response Information the server may return it or not",
                  "returns Response Information \"mh-response/{client id}/\" when requested (default: none)"},
    VariationInfo{Variation::session_expiry_capped, "session-expiry-capped", "5.0", "3.2.2.3.2",
                  "the server may use a Session Expiry Interval other than the client's and say so in CONNACK",
                  "cuts Session Expiry Intervals above 60 s to 60 s and declares that in the CONNACK"},
};

// Pairs that answer the same question differently.
constexpr std::array<std::pair<Variation, Variation>, 2> conflicts{
    std::pair{Variation::grant_max_qos_1, Variation::grant_max_qos_0},
    std::pair{Variation::shared_sticky, Variation::shared_random},
};

}  // namespace

std::span<const VariationInfo> variation_catalog() { return catalog; }

std::vector<VariationInfo> variations_for(std::string_view protocol) {
  return entries_of_protocol(variation_catalog(), protocol);
}

const VariationInfo& describe(Variation variation) {
  return entry_of(variation_catalog(), &VariationInfo::variation, variation);
}

std::string_view to_string(Variation variation) { return describe(variation).name; }

std::optional<Variation> parse_variation(std::string_view name) {
  return key_named(variation_catalog(), &VariationInfo::variation, name);
}

std::optional<std::string> conflict_in(const VariationSet& variations) {
  for (const auto& [first, second] : conflicts) {
    if (variations.contains(first) && variations.contains(second)) {
      return std::string(to_string(first)) + " and " + std::string(to_string(second)) +
             " choose different answers to the same question and cannot be combined";
    }
  }
  return std::nullopt;
}

VariationSet all_compatible_variations() {
  VariationSet variations;
  for (const auto& info : catalog) variations.insert(info.variation);
  for (const auto& [kept, dropped] : conflicts) variations.erase(dropped);
  return variations;
}

}  // namespace mqtt::broker
