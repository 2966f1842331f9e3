#include "model/delivery.hpp"

#include <algorithm>

#include "model/delivery_duties.hpp"
#include "model/ordering.hpp"
#include "model/requests.hpp"
#include "model/retained.hpp"
#include "model/subscriptions.hpp"
#include "model/will.hpp"

namespace mqtt::model::detail {
namespace {

// Picks the message a received PUBLISH carries, or no_message when the history never saw it published.
std::size_t identify_delivery(const ModelState& model, const Connection& conn, const Publish& publish) {
  const auto identity = identify_message(publish.topic, publish.payload);
  auto it = model.messages_by_key.find(identity.key);
  if (it == model.messages_by_key.end()) return no_message;
  const auto& candidates = it->second;
  if (candidates.size() == 1) return candidates.front();
  // Indistinguishable messages: prefer one still owed to this session, then one with a fitting QoS and flag.
  for (const auto duty_index : indexed(model.duties_by_client, conn.client_id)) {
    const auto& duty = model.duties[duty_index];
    if (duty.settled || duty.cancelled || duty.client_id != conn.client_id) continue;
    if (std::find(candidates.begin(), candidates.end(), duty.message) != candidates.end())
      return duty.message;
  }
  std::size_t best = no_message;
  for (auto index : candidates) {
    const auto& message = model.messages[index];
    if (level_of(message.qos) < level_of(publish.qos)) continue;
    if (publish.retain && !message.retain) continue;
    best = index;
    if (!model.ledgers.contains({index, conn.generation})) return index;
  }
  return best == no_message ? candidates.back() : best;
}

void on_normal_copy(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                    const Event& event) {
  const auto& message = model.messages[index];
  const auto possible = normal_copy_records(model, conn, index, event.time_ns);
  if (possible.empty()) {
    if (!model.generation_known(conn)) return;
    // A retained message answering a new subscription must carry RETAIN=1.
    if (retained_answer_without_flag(model, conn, publish, index, event)) return;
    judge_delivery_without_subscription(model, conn, index, event);
    return;
  }
  if (!model.generation_known(conn) && !conn.accepted) return;
  int granted = -1;
  std::uint64_t suback_evidence = 0;
  for (auto i : possible) {
    if (model.records[i].granted > granted) {
      granted = model.records[i].granted;
      suback_evidence = model.records[i].suback_sequence ? model.records[i].suback_sequence
                                                         : model.records[i].subscribe_sequence;
    }
  }
  if (level_of(publish.qos) > std::min(granted, level_of(message.qos))) {
    model.violation("MQTT-3.8.4-6",
                    "the message on " + quoted(message.topic) + " reached " + client_label(conn) +
                        " at QoS " + std::to_string(level_of(publish.qos)) + ", above the QoS " +
                        std::to_string(granted) + " granted to its subscription",
                    {suback_evidence, message.sequence, event.sequence});
  }
  // Exactly once: new copies of a QoS 2 message are bounded by publications times matching subscriptions.
  auto& ledger = model.ledgers[{index, conn.generation}];
  if (publish.qos == QoS::exactly_once && publish.packet_id) {
    const bool redelivery = publish.dup && ledger.packet_ids.contains(*publish.packet_id);
    if (!redelivery) {
      ledger.new_qos2_copies++;
      ledger.packet_ids.insert(*publish.packet_id);
      const int allowed = message.instances * static_cast<int>(possible.size());
      model.exercise(message.retransmitted ? "MQTT-4.3.3-2" : "MQTT-4.3.3-1");
      if (ledger.new_qos2_copies > allowed) {
        model.violation(message.retransmitted ? "MQTT-4.3.3-2" : "MQTT-4.3.3-1",
                        "the QoS 2 message on " + quoted(message.topic) + " was delivered " +
                            std::to_string(ledger.new_qos2_copies) + " times to " + client_label(conn) +
                            " (exactly once per matching subscription expected)",
                        {message.sequence, ledger.first_sequence, event.sequence});
      }
    }
  }
  if (ledger.first_sequence == 0) ledger.first_sequence = event.sequence;
  check_order(model, conn, publish, index, event);
  settle_duties(model, conn, index, publish, event, false);
}

}  // namespace

void on_delivery(ModelState& model, Connection& conn, const Publish& publish, const Event& event) {
  const auto index = identify_delivery(model, conn, publish);
  if (publish.qos != QoS::at_most_once && publish.packet_id) {
    const auto id = *publish.packet_id;
    auto existing = conn.server_flights.find(id);
    model.exercise("MQTT-2.3.1-4");
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
    conn.server_flights[id] = flight;
  }
  if (conn.refused) {
    model.violation("MQTT-3.1.4-5",
                    "the server delivered a message on " + quoted(publish.topic) + " to " +
                        client_label(conn) + " after refusing its CONNECT",
                    {conn.connack_sequence, event.sequence});
    return;
  }
  if (index == no_message) return;
  auto& message = model.messages[index];
  model.mark_processed(index, event.time_ns, event.sequence);
  model.exercise("MQTT-3.3.5-1");
  if (message.from_refused_connection) {
    model.violation(
        "MQTT-3.1.4-5",
        "the server forwarded a message on " + quoted(message.topic) + " that a refused client sent",
        {message.sequence, event.sequence});
    return;
  }
  if (message.is_will) check_will_delivery(model, conn, index, event);
  if (level_of(publish.qos) > level_of(message.qos)) {
    model.violation("MQTT-3.8.4-6",
                    "the message on " + quoted(message.topic) + " published at QoS " +
                        std::to_string(level_of(message.qos)) + " reached " + client_label(conn) +
                        " at QoS " + std::to_string(level_of(publish.qos)),
                    {message.sequence, event.sequence});
  }
  if (publish.retain) {
    on_retained_copy(model, conn, publish, index, event);
  } else {
    on_normal_copy(model, conn, publish, index, event);
  }
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
