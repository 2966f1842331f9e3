#include "model/requests.hpp"

#include <algorithm>

#include "model/delivery_duties.hpp"
#include "model/publications.hpp"
#include "model/subscriptions.hpp"

namespace mqtt::model::detail {

std::vector<Request>::iterator find_request(Connection& conn, PacketType answer, std::uint16_t packet_id) {
  return std::find_if(conn.requests.begin(), conn.requests.end(), [&](const Request& request) {
    return request.answer == answer && (answer == PacketType::pingresp || request.packet_id == packet_id);
  });
}

void add_publish_request(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                         const Event& event) {
  if (publish.qos == QoS::at_most_once || !publish.packet_id) return;
  Request request;
  request.answer = publish.qos == QoS::at_least_once ? PacketType::puback : PacketType::pubrec;
  request.packet_id = *publish.packet_id;
  request.sequence = event.sequence;
  request.time = event.time_ns;
  request.message = index;
  // A re-send replaces the earlier request for the same packet id.
  conn.requests.erase(std::remove_if(conn.requests.begin(), conn.requests.end(),
                                     [&](const Request& r) {
                                       return r.answer == request.answer && r.packet_id == request.packet_id;
                                     }),
                      conn.requests.end());
  conn.requests.push_back(std::move(request));
  model.exercise("MQTT-3.3.4-1");
  model.exercise("MQTT-2.3.1-6");
}

void on_client_pubrel(ModelState& model, Connection& conn, std::uint16_t packet_id, const Event& event) {
  conn.requests.push_back(simple_request(PacketType::pubcomp, packet_id, event));
  conn.requests.back().version = conn.version;
  model.exercise("MQTT-4.3.3-2");
  // 5.0 names the PUBCOMP owed on its own (request_statement).
  if (conn.version == ProtocolVersion::v5) model.exercise(v5("MQTT-4.3.3-11"));
}

void on_client_pingreq(ModelState& model, Connection& conn, const Event& event) {
  conn.requests.push_back(simple_request(PacketType::pingresp, 0, event));
  model.exercise("MQTT-3.12.4-1");
}

namespace {

// A PUBLISH acknowledgement that answers no waiting request as sent may still be the answer to one, broken in
// a single way: the other acknowledgement type with the right packet id (PUBACK to a QoS 2 PUBLISH breaks the
// QoS 2 flow, PUBREC to a QoS 1 PUBLISH the QoS 1 flow), or the right type with another packet id (the oldest
// PUBLISH still waiting for that type). It is reported once, under the statement it breaks, and settles the
// request: the server did answer, so "never sent PUBREC" would repeat the same defect.
std::vector<Request>::iterator misanswered_publish(ModelState& model, Connection& conn,
                                                   std::uint16_t packet_id, PacketType type,
                                                   const Event& event) {
  if (type != PacketType::puback && type != PacketType::pubrec) return conn.requests.end();
  const auto other = type == PacketType::puback ? PacketType::pubrec : PacketType::puback;
  auto request = find_request(conn, other, packet_id);
  if (request != conn.requests.end()) {
    const bool qos2 = other == PacketType::pubrec;
    model.violation(qos2 ? "MQTT-4.3.3-2" : "MQTT-4.3.2-2",
                    "the server answered the QoS " + std::string(qos2 ? "2" : "1") +
                        " PUBLISH with packet id " + std::to_string(packet_id) + " from " +
                        client_label(conn) + " with " + type_name(type) + " instead of " + type_name(other),
                    {request->sequence, event.sequence});
    return request;
  }
  request = std::find_if(conn.requests.begin(), conn.requests.end(),
                         [&](const Request& waiting) { return waiting.answer == type; });
  if (request != conn.requests.end()) {
    model.violation("MQTT-2.3.1-6",
                    "the server answered the PUBLISH with packet id " + std::to_string(request->packet_id) +
                        " from " + client_label(conn) + " with " + type_name(type) + " carrying packet id " +
                        std::to_string(packet_id),
                    {request->sequence, event.sequence});
  }
  return request;
}

}  // namespace

void on_server_ack(ModelState& model, Connection& conn, std::uint16_t packet_id, PacketType type,
                   const Event& event, bool accepted) {
  auto request = find_request(conn, type, packet_id);
  if (request == conn.requests.end()) {
    // A mid-life capture, an unsolicited PINGRESP, or an answer to a forbidden packet (judged by its close
    // duty).
    if (!conn.connect_seen || type == PacketType::pingresp || conn.client_violation) return;
    request = misanswered_publish(model, conn, packet_id, type, event);
  }
  if (request == conn.requests.end()) {
    const auto statement = type == PacketType::unsuback ? "MQTT-3.10.4-4" : "MQTT-2.3.1-6";
    model.violation(statement,
                    "the server sent " + type_name(type) + " with packet id " + std::to_string(packet_id) +
                        " to " + client_label(conn) + " but no request with that id was waiting for it",
                    {event.sequence});
    return;
  }
  const auto answered = request->answer;
  confirm_qos0_before(model, conn, request->sequence, event);
  if (type == PacketType::puback) model.exercise("MQTT-4.3.2-2");  // the receiver's PUBACK, with the packet id
  if (type == PacketType::unsuback) {
    // The model ended exactly the subscriptions whose filter equals one listed [MQTT-3.10.4-1], each filter as if
    // alone, under one UNSUBACK [MQTT-3.10.4-6]; what arrives later is judged against that.
    model.exercise("MQTT-3.10.4-1");
    if (request->filters.size() > 1) model.exercise("MQTT-3.10.4-6");
    end_unsubscribed_records(model, conn, request->sequence, event);
  }
  if ((answered == PacketType::puback || answered == PacketType::pubrec) && request->message != no_message &&
      accepted) {
    model.mark_processed(request->message, event.time_ns, event.sequence);
    create_delivery_duties(model, request->message, event.time_ns, {event.sequence});
  }
  conn.requests.erase(request);
}

std::string request_statement(const Request& request) {
  // An answer held back because the send quota was at zero breaks the flow-control rule, not the answer's own.
  if (request.at_zero_send_quota) return v5("MQTT-3.3.4-10");
  if (request.answer == PacketType::unsuback && request.removes_nothing) return "MQTT-3.10.4-5";
  switch (request.answer) {
    // The QoS flow's own receiver rule is more telling than the general "answer by QoS" [MQTT-3.3.4-1].
    case PacketType::puback:
      return "MQTT-4.3.2-2";
    case PacketType::pubrec:
      return "MQTT-4.3.3-2";
    case PacketType::pubcomp:
      return request.version == ProtocolVersion::v5 ? v5("MQTT-4.3.3-11") : std::string("MQTT-4.3.3-2");
    case PacketType::suback:
      return "MQTT-3.8.4-1";
    case PacketType::unsuback:
      return "MQTT-3.10.4-4";
    case PacketType::pingresp:
      return "MQTT-3.12.4-1";
    default:
      return "MQTT-4.8.0-1";
  }
}

std::string request_description(const Request& request) {
  auto text = type_name(request.answer);
  if (request.answer != PacketType::pingresp) text += " for packet id " + std::to_string(request.packet_id);
  return text;
}

bool requests_owed(const Connection& conn) {
  return conn.accepted && !conn.client_violation && !conn.refused && !conn.faulted && !conn.taken_over;
}

void judge_requests_at_client_close(ModelState& model, const Connection& conn, std::int64_t ended_at,
                                    std::uint64_t ended_by) {
  if (!requests_owed(conn)) return;
  for (const auto& request : conn.requests) {
    if (request.sequence < ended_by && ended_at > request.time + model.options.close_grace_ns) {
      model.violation(request_statement(request),
                      "the server never sent " + request_description(request) + " to " + client_label(conn),
                      {request.sequence, ended_by});
    }
  }
}

void outstanding_requests(const Connection& conn, std::vector<Expectation>& result) {
  if (!requests_owed(conn)) return;
  for (const auto& request : conn.requests) {
    result.push_back(
        {request_statement(request), request_description(request) + " to " + client_label(conn), conn.id});
  }
}

void finish_requests(ModelState& model, const Connection& conn, std::int64_t end_time) {
  if (!requests_owed(conn)) return;
  for (const auto& request : conn.requests) {
    model.unmet(request_statement(request),
                "the server never sent " + request_description(request) + " to " + client_label(conn),
                {request.sequence}, request.time + model.options.close_grace_ns, end_time, false, "");
  }
}

}  // namespace mqtt::model::detail
