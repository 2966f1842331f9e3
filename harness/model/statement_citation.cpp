#include "model/statement_citation.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace mqtt::model::detail {
namespace {

constexpr std::string_view mark = "5:";

// Every 3.1.1 id the shared rule units cite, and the 5.0 id of the same rule ("" when 5.0 has none). Kept in
// 3.1.1 id order; tests/model/statement_citation_test.cpp checks that every 5.0 id here is in the 5.0 catalog
// and that every 3.1.1 id the model cites is listed.
constexpr std::array<std::pair<std::string_view, std::string_view>, 71> counterparts{{
    {"MQTT-1.5.3-3", "MQTT-1.5.4-3"},    // a U+FEFF in a topic name is kept, not stripped
    {"MQTT-2.2.2-1", "MQTT-2.1.3-1"},    // reserved fixed-header flags
    {"MQTT-2.2.2-2", "MQTT-4.13.1-1"},   // close on a malformed packet
    {"MQTT-2.3.1-4", "MQTT-2.2.1-4"},    // server packet ids not in use
    {"MQTT-2.3.1-6", "MQTT-2.2.1-5"},    // acknowledgements carry the PUBLISH's id
    {"MQTT-2.3.1-7", "MQTT-2.2.1-6"},    // SUBACK and UNSUBACK carry the request's id
    {"MQTT-3.1.0-1", "MQTT-3.1.0-1"},    // CONNECT first
    {"MQTT-3.1.0-2", "MQTT-3.1.0-2"},    // a second CONNECT
    {"MQTT-3.1.2-10", "MQTT-3.1.2-10"},  // the will is not held after publication or DISCONNECT (5.0: 0x00)
    {"MQTT-3.1.2-16", "MQTT-3.1.2-14"},  // a will with Will Retain 0 is not retained
    {"MQTT-3.1.2-17", "MQTT-3.1.2-15"},  // a will with Will Retain 1 is retained
    {"MQTT-3.1.2-2", "MQTT-3.1.2-2"},    // unsupported protocol level
    {"MQTT-3.1.2-24", "MQTT-3.1.2-22"},  // keep alive: close after 1.5 x of silence
    {"MQTT-3.1.2-4", "MQTT-3.1.2-5"},    // clean session 0 / Clean Start 0 resumes the session
    {"MQTT-3.1.2-5", "MQTT-3.1.2-23"},   // the session (its queued messages) outlives the connection
    {"MQTT-3.1.2-6", "MQTT-3.1.2-4"},    // clean session 1 / Clean Start 1 drops the old session
    {"MQTT-3.1.2-8", "MQTT-3.1.2-8"},    // the will is published at a close
    {"MQTT-3.1.3-5", "MQTT-3.1.3-5"},    // 1 to 23 letters and digits accepted
    {"MQTT-3.1.3-6", "MQTT-3.1.3-6"},    // an empty client id accepted gets an id of the server's making
    {"MQTT-3.1.3-8", ""},                // 3.1.1 only: an empty client id with clean session 0 is refused
    {"MQTT-3.1.4-1", "MQTT-3.1.4-2"},    // the model cites 3.1.4-1 for accepting wrong credentials
    {"MQTT-3.1.4-2", "MQTT-3.1.4-3"},    // takeover closes the older connection
    {"MQTT-3.1.4-3", "MQTT-3.1.4-4"},    // after validation the clean-session / Clean Start rules apply
    {"MQTT-3.1.4-4", "MQTT-3.1.4-5"},    // CONNACK success after validation
    {"MQTT-3.1.4-5", "MQTT-3.1.4-6"},    // nothing acted on after a refusal
    {"MQTT-3.10.3-2", "MQTT-3.10.3-2"},  // UNSUBSCRIBE without a filter
    {"MQTT-3.10.4-1", "MQTT-3.10.4-1"},  // UNSUBSCRIBE filters compared literally
    {"MQTT-3.10.4-2", "MQTT-3.10.4-2"},  // nothing queued for a removed subscription
    {"MQTT-3.10.4-4", "MQTT-3.10.4-4"},  // every UNSUBSCRIBE answered
    {"MQTT-3.10.4-5", "MQTT-3.10.4-5"},  // UNSUBACK even when nothing was removed
    {"MQTT-3.10.4-6", "MQTT-3.10.4-6"},  // several filters: one UNSUBACK
    {"MQTT-3.12.4-1", "MQTT-3.12.4-1"},  // PINGRESP
    {"MQTT-3.14.4-3", "MQTT-3.14.4-3"},  // DISCONNECT (5.0: reason 0x00) drops the will
    {"MQTT-3.2.0-1", "MQTT-3.2.0-1"},    // CONNACK first
    {"MQTT-3.2.2-1", "MQTT-3.2.2-2"},    // clean start 1: session present 0
    {"MQTT-3.2.2-2", "MQTT-3.2.2-3"},    // stored session: session present 1
    {"MQTT-3.2.2-3", "MQTT-3.2.2-3"},    // no stored session: session present 0
    {"MQTT-3.2.2-4", "MQTT-3.2.2-6"},    // a refusal has session present 0
    {"MQTT-3.2.2-5", "MQTT-3.2.2-7"},    // close after a refusal
    {"MQTT-3.3.1-1", "MQTT-3.3.1-1"},    // DUP on a re-delivery
    {"MQTT-3.3.1-10", "MQTT-3.3.1-6"},   // an empty retained PUBLISH deletes
    {"MQTT-3.3.1-11", "MQTT-3.3.1-7"},   // an empty retained PUBLISH is not kept
    {"MQTT-3.3.1-12", "MQTT-3.3.1-8"},   // RETAIN 0 is not retained
    {"MQTT-3.3.1-2", "MQTT-3.3.1-2"},    // QoS 0 PUBLISH has DUP 0
    {"MQTT-3.3.1-3", "MQTT-3.3.1-3"},    // outgoing DUP reflects only a retransmission
    {"MQTT-3.3.1-5", "MQTT-3.3.1-5"},    // RETAIN 1 replaces the retained message
    {"MQTT-3.3.1-6", "MQTT-3.3.1-9"},    // a new subscription gets the retained message (Retain Handling 0)
    {"MQTT-3.3.1-7", "MQTT-3.3.1-5"},    // a retained QoS 0 PUBLISH replaces too
    {"MQTT-3.3.1-8", "MQTT-3.3.1-9"},    // retained copies for a new subscription carry RETAIN 1
    {"MQTT-3.3.1-9", "MQTT-3.3.1-12"},   // live copies carry RETAIN 0 (Retain As Published 0)
    {"MQTT-3.3.2-2", "MQTT-3.3.2-2"},    // no wildcard in a topic name
    {"MQTT-3.3.2-3", "MQTT-3.3.2-3"},    // deliveries match a subscription
    {"MQTT-3.3.4-1", "MQTT-3.3.4-1"},    // answer a PUBLISH by its QoS
    {"MQTT-3.3.5-1", "MQTT-3.3.4-2"},    // overlapping subscriptions: the highest QoS
    {"MQTT-3.8.3-3", "MQTT-3.8.3-2"},    // SUBSCRIBE without a filter
    {"MQTT-3.8.4-1", "MQTT-3.8.4-1"},    // every SUBSCRIBE answered
    {"MQTT-3.8.4-3", "MQTT-3.8.4-3"},    // an identical filter replaces the subscription
    {"MQTT-3.8.4-4", "MQTT-3.8.4-5"},    // several filters act as several SUBSCRIBEs
    {"MQTT-3.8.4-5", "MQTT-3.8.4-6"},    // one SUBACK code per filter
    {"MQTT-3.8.4-6", "MQTT-3.8.4-8"},    // delivered at the lower of published and granted QoS
    {"MQTT-3.9.3-1", "MQTT-3.9.3-1"},    // SUBACK codes in filter order
    {"MQTT-3.9.3-2", "MQTT-3.9.3-2"},    // SUBACK codes from the table
    {"MQTT-4.3.2-2", "MQTT-4.3.2-4"},    // QoS 1 receiver: PUBACK
    {"MQTT-4.3.3-1", "MQTT-4.3.3-4"},    // QoS 2 sender: PUBREL after PUBREC
    {"MQTT-4.3.3-2", "MQTT-4.3.3-8"},    // QoS 2 receiver: PUBREC
    {"MQTT-4.4.0-1", "MQTT-4.4.0-1"},    // re-send unacknowledged PUBLISH on resume
    {"MQTT-4.5.0-1", "MQTT-4.5.0-1"},    // a message joins every matching session
    {"MQTT-4.6.0-6", "MQTT-4.6.0-5"},    // order per publisher, topic and QoS
    {"MQTT-4.7.1-2", "MQTT-4.7.1-1"},    // '#' (3.1.1 numbering)
    {"MQTT-4.7.1-3", "MQTT-4.7.1-2"},    // '+' (3.1.1 numbering)
    {"MQTT-4.8.0-1", "MQTT-4.13.1-1"},   // close on a protocol error
}};

// Ids not listed above that mean the same rule in both specifications.
constexpr std::array<std::string_view, 5> same_in_both{"MQTT-4.7.2-1", "MQTT-4.7.3-1", "MQTT-4.7.3-2",
                                                       "MQTT-4.7.3-3", "MQTT-4.7.3-4"};

}  // namespace

std::string v5(std::string_view statement) {
  std::string marked(mark);
  marked += statement;
  return marked;
}

bool marked_v5(std::string_view statement) { return statement.starts_with(mark); }

std::string cited_statement(ProtocolVersion version, std::string_view statement) {
  if (marked_v5(statement)) return std::string(statement.substr(mark.size()));
  if (version != ProtocolVersion::v5) return std::string(statement);
  const auto entry = std::find_if(counterparts.begin(), counterparts.end(),
                                  [&](const auto& pair) { return pair.first == statement; });
  if (entry != counterparts.end()) return std::string(entry->second);
  if (std::find(same_in_both.begin(), same_in_both.end(), statement) != same_in_both.end())
    return std::string(statement);
  return "";  // a 3.1.1 rule 5.0 does not have: never cite it for a 5.0 session
}

std::string_view cited_spec(ProtocolVersion version, std::string_view statement) {
  return version == ProtocolVersion::v5 || marked_v5(statement) ? "5.0" : "3.1.1";
}

}  // namespace mqtt::model::detail
