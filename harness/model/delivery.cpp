#include "model/delivery.hpp"

#include <algorithm>
#include <optional>

#include "model/copy_attribution.hpp"
#include "model/delivery_duties.hpp"
#include "model/ordering.hpp"
#include "model/requests.hpp"
#include "model/retained.hpp"
#include "model/subscriptions.hpp"
#include "model/v5_rejections.hpp"
#include "model/v5_shared.hpp"
#include "model/v5_subscription_options.hpp"
#include "model/will.hpp"

namespace mqtt::model::detail {
namespace {

// When the only subscription that could carry `index` replaced an identical filter granted at another QoS:
// the QoS a copy through the replaced subscription would have had (the lower of it and the published QoS), if
// it differs from the new subscription's.
std::optional<int> replaced_subscription_qos(const ModelState& model,
                                             const RecordList& possible, std::size_t index) {
  if (possible.size() != 1) return std::nullopt;
  const auto& record = model.records[possible.front()];
  if (!record.replaced_granted) return std::nullopt;
  const int published = level_of(model.messages[index].qos);
  const int old_qos = std::min<int>(*record.replaced_granted, published);
  if (old_qos == std::min<int>(record.granted, published)) return std::nullopt;
  return old_qos;
}

// A copy with DUP=1 re-sends an earlier attempt; DUP=1 where there can have been none is a flag the server did
// not own (often the publisher's, passed on) [MQTT-3.3.1-3]. An attempt the client never saw is possible on an
// earlier connection of the session (lost with it, or written while the server had not yet noticed the client
// leave), so only a message published after this connection's CONNACK, whose every attempt this connection shows,
// is judged.
void judge_dup(ModelState& model, const Connection& conn, const Publish& publish, std::size_t index,
               const Event& event) {
  if (!publish.packet_id) return;
  auto& ledger = model.ledgers[{index, conn.generation}];
  const auto& message = model.messages[index];
  if (conn.connack_seen && message.sent_time > conn.connack_time && model.generation_known(conn)) {
    model.exercise("MQTT-3.3.1-3");
    if (publish.dup && !ledger.sent_ids.contains(*publish.packet_id)) {
      model.violation("MQTT-3.3.1-3",
                      "the server sent the message on " + quoted(message.topic) + " to " + client_label(conn) +
                          " with DUP=1 although it had not sent it there before with packet id " +
                          std::to_string(*publish.packet_id),
                      {message.sequence, event.sequence});
    }
  }
  ledger.sent_ids.insert(*publish.packet_id);
}

// A message keeps its topic name: a tokened payload identifies it whatever topic it arrives on, so a different
// one is the server's rewrite. Dropping a U+FEFF breaks [MQTT-1.5.3-3]; any other change is a normalisation or
// substitution [MQTT-4.7.3-4].
void check_topic_kept(ModelState& model, const Connection& conn, const Publish& publish, std::size_t index,
                      const Event& event) {
  const auto& message = model.messages[index];
  if (!message.identity.tokened) return;  // otherwise the topic is part of the identity
  constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";
  const bool has_mark = message.topic.find(byte_order_mark) != std::string::npos;
  model.exercise("MQTT-4.7.3-4");
  if (has_mark) model.exercise("MQTT-1.5.3-3");
  if (publish.topic == message.topic) return;
  std::string without_mark = message.topic;
  for (auto at = without_mark.find(byte_order_mark); at != std::string::npos;
       at = without_mark.find(byte_order_mark)) {
    without_mark.erase(at, byte_order_mark.size());
  }
  const bool mark_dropped = has_mark && publish.topic == without_mark;
  model.violation(mark_dropped ? "MQTT-1.5.3-3" : "MQTT-4.7.3-4",
                  "the message published on " + quoted(message.topic) + " reached " + client_label(conn) + " on " +
                      quoted(publish.topic) +
                      (mark_dropped ? ", without its U+FEFF" : ", a topic name the server rewrote"),
                  {message.sequence, event.sequence});
}

void on_normal_copy(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                    const Event& event) {
  const auto& message = model.messages[index];
  const auto possible = normal_copy_records(model, conn, index, event.time_ns);
  if (possible.empty()) {
    if (!model.generation_known(conn)) return;
    // A retained message answering a new subscription must carry RETAIN=1.
    if (retained_answer_without_flag(model, conn, publish, index, event)) return;
    if (moved_shared_copy(model, conn, index, event)) return;
    judge_delivery_without_subscription(model, conn, index, event);
    return;
  }
  // generation_known implies accepted: of "neither known nor accepted" only the flag needs reading, not the session.
  if (!conn.accepted) return;
  // The topic was matched byte for byte [MQTT-4.7.3-4] against these filters [MQTT-3.3.2-3], wildcards included.
  model.exercise("MQTT-3.3.2-3");
  model.exercise("MQTT-4.7.3-4");
  for (const auto record_index : possible) exercise_wildcards(model, model.records[record_index].filter);
  int granted = -1;
  std::uint64_t suback_evidence = 0;
  for (auto i : possible) {
    if (model.records[i].granted > granted) {
      granted = model.records[i].granted;
      suback_evidence = model.records[i].suback_sequence ? model.records[i].suback_sequence
                                                         : model.records[i].subscribe_sequence;
    }
  }
  auto& ledger = model.ledgers[{index, conn.generation}];
  const int qos = level_of(publish.qos);
  const int bound = std::min(granted, level_of(message.qos));
  const auto replaced_qos = replaced_subscription_qos(model, possible, index);
  const auto seen = [&](int level) { return (ledger.ordinary_qos_seen & (1u << level)) != 0; };
  const bool at_replaced_qos = replaced_qos && qos == *replaced_qos;
  if ((at_replaced_qos && (qos > bound || seen(bound))) ||
      (replaced_qos && qos == bound && seen(*replaced_qos))) {
    // A copy at the QoS of the subscription a new SUBSCRIBE replaced, beside or above the one the new
    // subscription grants: the old subscription still acts, which is the replacement's fault, not the
    // grant's.
    const auto& record = model.records[possible.front()];
    model.violation("MQTT-3.8.4-3",
                    "the message on " + quoted(message.topic) + " reached " + client_label(conn) +
                        " at QoS " + std::to_string(*replaced_qos) + " through the subscription to " +
                        quoted(record.filter) + " that a new SUBSCRIBE replaced with QoS " +
                        std::to_string(record.granted) +
                        (qos > bound ? "" : ", as well as at QoS " + std::to_string(bound)),
                    {record.suback_sequence, message.sequence, ledger.first_sequence, event.sequence});
  } else if (qos > bound && qos <= level_of(message.qos)) {
    // Above the published QoS is reported once, by on_delivery. Through a 5.0 shared subscription the
    // member's grant is its own statement.
    const bool shared = std::any_of(possible.begin(), possible.end(),
                                    [&](std::size_t i) { return !model.records[i].share_group.empty(); });
    model.violation(shared ? v5("MQTT-4.8.2-3") : std::string("MQTT-3.8.4-6"),
                    "the message on " + quoted(message.topic) + " (published at QoS " +
                        std::to_string(level_of(message.qos)) + ") reached " + client_label(conn) +
                        " at QoS " + std::to_string(qos) + ", above QoS " + std::to_string(granted) +
                        " granted to its subscription",
                    {suback_evidence, message.sequence, event.sequence});
  }
  if (qos <= bound || at_replaced_qos) ledger.ordinary_qos_seen |= 1u << qos;
  // Exactly once: new copies of a QoS 2 message are bounded by publications times matching subscriptions.
  if (publish.qos == QoS::exactly_once && publish.packet_id) {
    // A re-send of a copy this session already has (DUP=1, or the re-send owed on resume even with a wrong
    // DUP=0, which MQTT-3.3.1-1 reports) is not a new copy.
    const bool redelivery = ledger.packet_ids.contains(*publish.packet_id) &&
                            (publish.dup || repeats_owed_publish(model, conn, index, publish));
    if (!redelivery) {
      ledger.new_qos2_copies++;
      ledger.packet_ids.insert(*publish.packet_id);
      const int allowed = message.instances * static_cast<int>(possible.size());
      // A copy owed to the publisher's re-send before PUBREL: 5.0 names that duty on its own [MQTT-4.3.3-10].
      const std::string exactly_once = !message.retransmitted            ? std::string("MQTT-4.3.3-1")
                                       : conn.version == ProtocolVersion::v5 ? v5("MQTT-4.3.3-10")
                                                                             : std::string("MQTT-4.3.3-2");
      model.exercise(exactly_once);
      if (ledger.new_qos2_copies > allowed) {
        model.violation(exactly_once,
                        "the QoS 2 message on " + quoted(message.topic) + " was delivered " +
                            std::to_string(ledger.new_qos2_copies) + " times to " + client_label(conn) +
                            " (exactly once per matching subscription expected)",
                        {message.sequence, ledger.first_sequence, event.sequence});
      }
    }
  }
  if (ledger.first_sequence == 0) ledger.first_sequence = event.sequence;
  if (!publish.dup && !repeats_owed_publish(model, conn, index, publish)) ledger.ordinary_copies++;
  // 5.0 orders only non-shared subscriptions [MQTT-4.6.0-6].
  if (std::none_of(possible.begin(), possible.end(),
                   [&](std::size_t i) { return !model.records[i].share_group.empty(); })) {
    check_order(model, conn, publish, index, event);
  }
  if (conn.version == ProtocolVersion::v5) {
    check_copy_options(model, conn, publish, index, possible, event);
    check_shared_copy(model, conn, publish, index, possible, event);
    check_rejected_resend(model, conn, publish, index, event);
  }
  settle_duties(model, conn, index, publish, event, false, ledger);
}

}  // namespace

std::size_t on_delivery(ModelState& model, Connection& conn, const Publish& publish, const Event& event) {
  const auto index = attribute_copy(model, conn, publish, event);
  // The codec read the topic name as the UTF-8 string that opens the variable header [MQTT-3.3.2-1].
  model.exercise("MQTT-3.3.2-1");
  if (publish.qos != QoS::at_most_once && publish.packet_id) {
    const auto id = *publish.packet_id;
    auto existing = conn.server_flights.find(id);
    // A non-zero packet id (the codec refuses 0), not one still in flight [MQTT-2.3.1-1, MQTT-2.3.1-4]; for QoS 1
    // that and the DUP flag (judge_dup) are the sender's side of the flow [MQTT-4.3.2-1].
    model.exercise("MQTT-2.3.1-1");
    model.exercise("MQTT-2.3.1-4");
    if (publish.qos == QoS::at_least_once) model.exercise("MQTT-4.3.2-1");
    if (existing != conn.server_flights.end() && !(publish.dup && existing->second.message == index)) {
      model.violation("MQTT-2.3.1-4",
                      "the server reused packet id " + std::to_string(id) + " for a new PUBLISH to " +
                          client_label(conn) + " while the previous PUBLISH with that id was unacknowledged",
                      {existing->second.sequence, event.sequence});
    }
    ServerFlight flight;
    flight.message = index;
    flight.sequence = event.sequence;
    flight.qos = publish.qos;
    flight.retain = publish.retain;
    conn.server_flights[id] = flight;
  }
  if (conn.refused) {
    model.violation("MQTT-3.1.4-5",
                    "the server delivered a message on " + quoted(publish.topic) + " to " +
                        client_label(conn) + " after refusing its CONNECT",
                    {conn.connack_sequence, event.sequence});
    return index;
  }
  if (index == no_message) return index;
  auto& message = model.messages[index];
  model.mark_processed(index, event.time_ns, event.sequence);
  model.exercise("MQTT-3.3.5-1");
  if (message.from_refused_connection) {
    model.violation(
        "MQTT-3.1.4-5",
        "the server forwarded a message on " + quoted(message.topic) + " that a refused client sent",
        {message.sequence, event.sequence});
    return index;
  }
  judge_dup(model, conn, publish, index, event);
  check_topic_kept(model, conn, publish, index, event);
  if (publish.qos == QoS::at_most_once) {
    // The identified payload shows no packet id was put in [MQTT-2.3.1-5]; the codec refuses DUP=1 on QoS 0
    // [MQTT-3.3.1-2]: one plain QoS 0 PUBLISH [MQTT-4.3.1-1].
    model.exercise("MQTT-2.3.1-5");
    model.exercise("MQTT-3.3.1-2");
    model.exercise("MQTT-4.3.1-1");
  }
  if (message.is_will) check_will_delivery(model, conn, index, publish, event);
  if (level_of(publish.qos) > level_of(message.qos)) {
    model.violation("MQTT-3.8.4-6",
                    "the message on " + quoted(message.topic) + " published at QoS " +
                        std::to_string(level_of(message.qos)) + " reached " + client_label(conn) +
                        " at QoS " + std::to_string(level_of(publish.qos)),
                    {message.sequence, event.sequence});
  }
  if (publish.retain && repeats_owed_publish(model, conn, index, publish)) {
    // A retained copy to a new subscription, unacknowledged when the session went offline, re-sent as it was
    // (RETAIN=1) after the session resumed: neither a new retained copy nor a stale one [MQTT-4.4.0-1].
    settle_duties(model, conn, index, publish, event, false);
  } else if (publish.retain && !(conn.version == ProtocolVersion::v5 &&
                                   kept_retain_as_published(model, conn, index, event.time_ns))) {
    on_retained_copy(model, conn, publish, index, event);
  } else {
    on_normal_copy(model, conn, publish, index, event);
  }
  return index;
}

void on_client_ack(ModelState& model, Connection& conn, std::uint16_t packet_id, PacketType type,
                   const Event& event) {
  auto flight = conn.server_flights.find(packet_id);
  if (flight == conn.server_flights.end()) return;
  if (type == PacketType::puback || type == PacketType::pubrec) {
    flight->second.client_answered = true;
    flight->second.answer_sequence = event.sequence;
    flight->second.answer_time = event.time_ns;
    if (type == PacketType::puback)
      conn.server_flights.erase(flight);
    else
      model.exercise("MQTT-4.3.3-1");
  } else if (type == PacketType::pubcomp) {
    conn.server_flights.erase(flight);
  }
}

void on_server_pubrel(ModelState& model, Connection& conn, std::uint16_t packet_id, const Event& event) {
  model.exercise("MQTT-2.3.1-6");
  auto flight = conn.server_flights.find(packet_id);
  if (flight == conn.server_flights.end() || flight->second.qos != QoS::exactly_once ||
      !flight->second.client_answered) {
    if (!conn.connect_seen || flight == conn.server_flights.end()) {
      // A PUBREL re-sent after reconnect may answer a PUBREC sent on the previous connection.
      return;
    }
    model.violation("MQTT-2.3.1-6",
                    "the server sent PUBREL with packet id " + std::to_string(packet_id) + " to " +
                        client_label(conn) + " before the client had sent PUBREC for it",
                    {flight->second.sequence, event.sequence});
    return;
  }
  flight->second.released = true;
}

void outstanding_releases(const Connection& conn, std::vector<Expectation>& result) {
  for (const auto& [packet_id, flight] : conn.server_flights) {
    if (flight.qos == QoS::exactly_once && flight.client_answered && !flight.released) {
      result.push_back({"MQTT-4.3.3-1",
                        "PUBREL for packet id " + std::to_string(packet_id) + " to " + client_label(conn),
                        conn.id});
    }
  }
}

void finish_releases(ModelState& model, const Connection& conn, std::int64_t end_time) {
  for (const auto& [packet_id, flight] : conn.server_flights) {
    if (flight.qos == QoS::exactly_once && flight.client_answered && !flight.released &&
        requests_owed(conn)) {
      model.unmet("MQTT-4.3.3-1",
                  "the server never sent PUBREL for packet id " + std::to_string(packet_id) + " to " +
                      client_label(conn),
                  {flight.sequence, flight.answer_sequence},
                  flight.answer_time + model.options.close_grace_ns, end_time, false, "");
    }
  }
}

}  // namespace mqtt::model::detail
