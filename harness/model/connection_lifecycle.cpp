#include "model/connection_lifecycle.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "model/delivery_duties.hpp"
#include "model/keepalive.hpp"
#include "model/policing.hpp"
#include "model/requests.hpp"
#include "model/will.hpp"

namespace mqtt::model::detail {
namespace {

void end_generation(ModelState& model, const std::string& client_id, std::int64_t time,
                    std::uint64_t sequence) {
  auto& session = model.sessions[client_id];
  if (!session.generation_alive) return;
  session.generation_alive = false;
  for (const auto record_index : indexed(model.records_by_generation, session.generation)) {
    auto& record = model.records[record_index];
    if (record.generation != session.generation || record.client_id != client_id) continue;
    if (record.end_sent == never) {
      record.end_sent = time;
      record.end_ack = time;
      record.end_sequence = sequence;
    }
  }
  for (const auto duty_index : indexed(model.duties_by_client, client_id)) {
    auto& duty = model.duties[duty_index];
    if (duty.client_id == client_id && duty.generation == session.generation && !duty.settled) {
      duty.cancelled = true;
    }
  }
  session.owed_redeliveries.clear();
}

void start_generation(ModelState& model, Session& session, bool persistent, bool subscriptions_known) {
  session.generation = model.next_generation++;
  session.generation_alive = true;
  session.persistent = persistent;
  session.subscriptions_known = subscriptions_known;
}

// A CONNACK with a non-zero return code: session present must be 0 and the server must close.
void on_refusal(ModelState& model, Connection& conn, const Connack& connack, const Event& event) {
  const auto& connect = conn.connect;
  const std::vector<std::uint64_t> evidence{conn.connect_sequence, event.sequence};
  conn.refused = true;
  model.exercise("MQTT-3.2.2-4");
  model.exercise("MQTT-3.2.2-5");
  if (connack.session_present) {
    model.violation("MQTT-3.2.2-4",
                    "CONNACK for " + client_label(conn) + " has return code " +
                        std::to_string(connack.reason_code) + " but session present 1",
                    evidence);
  }
  add_close_duty(model, conn, "MQTT-3.2.2-5",
                 "the server did not close the connection of " + client_label(conn) +
                     " after CONNACK return code " + std::to_string(connack.reason_code),
                 evidence, event.time_ns);
  for (const auto message_index : indexed(model.messages_by_connection, conn.id)) {
    auto& message = model.messages[message_index];
    if (message.publisher_connection == conn.id) message.from_refused_connection = true;
  }
  if (conn.auth_failure_expected) {
    if (connack.reason_code != 4 && connack.reason_code != 5) {
      model.observe_behaviour("refuses-bad-credentials-with-code-" + std::to_string(connack.reason_code),
                              client_label(conn) + " with wrong credentials got CONNACK " +
                                  std::to_string(connack.reason_code) + " (4 or 5 expected)",
                              evidence);
    }
  }
  if (connect.client_id.empty()) {
    model.observe_behaviour("refuses-empty-client-id",
                            "empty client id refused with CONNACK " + std::to_string(connack.reason_code),
                            evidence);
  }
}

}  // namespace

void on_connect(ModelState& model, Connection& conn, const Connect& connect, const Event& event) {
  conn.connect_seen = true;
  conn.connect = connect;
  conn.version = connect.version;
  conn.connect_sequence = event.sequence;
  model.exercise("MQTT-3.2.0-1");
  model.exercise("MQTT-3.1.4-4");
  if (model.auth_failure_actors.erase(conn.actor) > 0) conn.auth_failure_expected = true;
  if (connect.client_id.empty() && !connect.clean_session) {
    auto& duty = client_violation(model, conn, event, "MQTT-3.1.3-8", "");
    duty.required_connack = 0x02;
    duty.answer = PacketType::connack;
    duty.finding.message =
        "the server did not answer CONNACK 0x02 and close for a CONNECT with an empty "
        "client id and clean session 0";
    conn.client_violation = false;  // the CONNECT itself is well formed; the CONNACK decides
    return;
  }
  if (!connect.client_id.empty() && connect.client_id.size() <= 23 &&
      std::all_of(connect.client_id.begin(), connect.client_id.end(),
                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
    model.exercise("MQTT-3.1.3-5");
  }
  if (connect.will) model.exercise("MQTT-3.1.2-8");
}

void on_connack(ModelState& model, Connection& conn, const Connack& connack, const Event& event) {
  if (!conn.connect_seen || conn.connack_seen) return;
  conn.connack_seen = true;
  conn.connack_sequence = event.sequence;
  conn.connack_time = event.time_ns;
  const auto& connect = conn.connect;
  const std::vector<std::uint64_t> evidence{conn.connect_sequence, event.sequence};
  if (connack.reason_code != 0) {
    on_refusal(model, conn, connack, event);
    return;
  }
  if (conn.auth_failure_expected) {
    model.violation("MQTT-3.1.4-1",
                    "the server accepted " + client_label(conn) + " whose CONNECT carried wrong credentials",
                    {conn.auth_note_sequence, conn.connect_sequence, event.sequence});
  }
  conn.accepted = true;
  if (connect.client_id.empty()) {
    conn.client_id = "\x01generated:" + std::to_string(conn.id);
    model.exercise("MQTT-3.1.3-6");
    model.observe_behaviour("accepts-empty-client-id", "an empty client id with clean session 1 was accepted",
                            evidence);
  } else {
    conn.client_id = connect.client_id;
  }
  auto& session = model.sessions[conn.client_id];
  // Takeover: the previous connection of this client id must be closed [MQTT-3.1.4-2].
  if (session.connection != 0 && session.connection != conn.id) {
    auto& previous = model.connections[session.connection];
    if (!previous.closed) {
      previous.taken_over = true;
      add_close_duty(model, previous, "MQTT-3.1.4-2",
                     "the server did not disconnect the existing connection " + std::to_string(previous.id) +
                         " of client " + quoted(conn.client_id) +
                         " when a second CONNECT with that id arrived",
                     {previous.connack_sequence, conn.connect_sequence, event.sequence}, event.time_ns);
      remember_redeliveries(previous, session);
    }
  }
  model.exercise("MQTT-3.1.4-2");
  if (connect.clean_session) {
    model.exercise("MQTT-3.2.2-1");
    model.exercise("MQTT-3.1.2-6");
    if (connack.session_present) {
      model.violation("MQTT-3.2.2-1",
                      "CONNACK for " + client_label(conn) + " with clean session 1 has session present 1",
                      evidence);
    }
    end_generation(model, conn.client_id, event.time_ns, event.sequence);
    start_generation(model, session, false, true);
    session.existence = Existence::absent;
    session.existence_sequence = event.sequence;
  } else {
    model.exercise("MQTT-3.1.2-4");
    bool resumed = false;
    if (session.existence == Existence::present) {
      model.exercise("MQTT-3.2.2-2");
      if (!connack.session_present) {
        model.violation("MQTT-3.2.2-2",
                        "CONNACK for client " + quoted(conn.client_id) +
                            " has session present 0 although its persistent session was stored",
                        {session.existence_sequence, conn.connect_sequence, event.sequence});
      } else {
        resumed = session.generation_alive;
      }
    } else if (session.existence == Existence::absent) {
      model.exercise("MQTT-3.2.2-3");
      if (connack.session_present) {
        model.violation("MQTT-3.2.2-3",
                        "CONNACK for client " + quoted(conn.client_id) +
                            " has session present 1 although no session was stored for it",
                        {session.existence_sequence, conn.connect_sequence, event.sequence});
      }
    }
    if (resumed) {
      resume_session_deliveries(model, conn, session, event);
    } else {
      end_generation(model, conn.client_id, event.time_ns, event.sequence);
      const bool known = !connack.session_present || session.existence == Existence::absent;
      start_generation(model, session, true, known);
    }
    session.existence = Existence::present;
    session.existence_sequence = event.sequence;
  }
  session.connection = conn.id;
  conn.generation = session.generation;
  // Clients may pipeline packets before CONNACK arrives; bind them to the session now that it is known.
  for (const auto record_index : indexed(model.records_by_connection, conn.id)) {
    const auto& record = model.records[record_index];
    if (record.connection == conn.id && record.generation == 0) {
      model.bind_record(record_index, conn.client_id, conn.generation);
    }
  }
  for (const auto message_index : indexed(model.messages_by_connection, conn.id)) {
    auto& message = model.messages[message_index];
    if (message.publisher_connection == conn.id && !message.is_will) message.publisher = conn.client_id;
  }
  register_will(model, conn, event);
}

void on_connection_closed(ModelState& model, const Event& event) {
  auto& conn = model.connection(event);
  if (conn.closed) return;
  conn.closed = true;
  conn.closed_time = event.time_ns;
  conn.closed_sequence = event.sequence;
  conn.close_reason = event.close_reason.value_or(CloseReason::clean_eof);
  const bool by_server = server_closed(conn.close_reason);
  if (by_server) check_late_keepalive_close(model, conn, event);
  settle_close_duties_at_close(model, conn, event, by_server);
  // The client ended the connection (closed it, or sent DISCONNECT and the server closed as it must): what
  // the server still owed by then, past its grace, was never sent.
  if (!by_server || conn.disconnect_sent) {
    if (!by_server) {
      check_close_duty_proof(model, conn, event);
      check_keepalive_proof(model, conn, event);
    }
    const auto ended_at =
        conn.disconnect_sent ? std::min(conn.disconnect_time, event.time_ns) : event.time_ns;
    const auto ended_by = conn.disconnect_sent ? conn.disconnect_sequence : event.sequence;
    judge_requests_at_client_close(model, conn, ended_at, ended_by);
    judge_duties_at_client_close(model, conn, event);
  }
  conn.requests.clear();
  publish_will_at_close(model, conn, event);
  // Session bookkeeping.
  auto session_it = model.sessions.find(conn.client_id);
  if (conn.accepted && session_it != model.sessions.end() && session_it->second.connection == conn.id) {
    auto& session = session_it->second;
    session.connection = 0;
    if (session.persistent) {
      remember_redeliveries(conn, session);
    } else {
      end_generation(model, conn.client_id, event.time_ns, event.sequence);
    }
  }
}

void on_fault(ModelState& model, const Event& event) {
  if (event.connection == 0) {
    for (auto& [id, conn] : model.connections) {
      if (!conn.closed) conn.faulted = true;
    }
  } else {
    model.connection(event).faulted = true;
  }
  model.observe_behaviour("fault-" + event.fault, event.detail, {event.sequence});
}

// The runner announces a CONNECT whose credentials are wrong (for a connection, or for the actor's next one).
void on_note(ModelState& model, const Event& event) {
  if (event.detail != "expect-auth-failure") return;
  model.exercise("MQTT-3.2.2-5");
  if (event.connection != 0) {
    auto& conn = model.connection(event);
    conn.auth_failure_expected = true;
    conn.auth_note_sequence = event.sequence;
  } else {
    model.auth_failure_actors.insert(event.actor);
  }
}

}  // namespace mqtt::model::detail
