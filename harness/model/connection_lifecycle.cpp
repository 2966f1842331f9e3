#include "model/connection_lifecycle.hpp"

#include "codec/reason_codes.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "model/delivery_duties.hpp"
#include "model/keepalive.hpp"
#include "model/policing.hpp"
#include "model/requests.hpp"
#include "model/v5_auth.hpp"
#include "model/v5_connect.hpp"
#include "model/v5_disconnect.hpp"
#include "model/v5_session_expiry.hpp"
#include "model/v5_will.hpp"
#include "model/will.hpp"

namespace mqtt::model::detail {
namespace {

// "5 (not authorized)": a CONNACK code and what it means for the connection's protocol version.
std::string connack_code_text(ProtocolVersion version, std::uint8_t code) {
  return std::to_string(code) + " (" + std::string(connack_code_meaning(version, code)) + ")";
}

std::string milliseconds_text(std::int64_t nanoseconds) {
  return std::to_string(nanoseconds / 1'000'000) + " ms";
}

// The client has been silent for 1.5 x its keep alive: a server close is what the spec asks for.
bool keepalive_expired(const Connection& conn, std::int64_t time) {
  const auto keep_alive = static_cast<std::int64_t>(conn.keep_alive);
  return keep_alive > 0 && time >= conn.last_client_time + keep_alive * 1'500'000'000LL;
}

// A client id every server must accept: 1 to 23 bytes of letters and digits [MQTT-3.1.3-5].
bool plain_client_id(const std::string& client_id) {
  return !client_id.empty() && client_id.size() <= 23 &&
         std::all_of(client_id.begin(), client_id.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

// Whether the history asked for this refusal: wrong credentials announced by the runner, or a CONNECT the
// server must answer with a given non-zero code (policing's close duty).
bool refusal_requested(const Connection& conn) {
  if (conn.auth_failure_expected) return true;
  return std::any_of(conn.close_duties.begin(), conn.close_duties.end(),
                     [](const CloseDuty& duty) { return duty.required_connack.has_value(); });
}

// A CONNACK with a non-zero return code: session present must be 0 and the server must close. A refusal
// nothing asked for leaves everything after the CONNECT untested.
void on_refusal(ModelState& model, Connection& conn, const Connack& connack, const Event& event) {
  const auto& connect = conn.connect;
  const std::vector<std::uint64_t> evidence{conn.connect_sequence, event.sequence};
  conn.refused = true;
  if (!refusal_requested(conn) && !will_refusal_invited(model, conn, connack.reason_code) &&
      !authentication_refusal_invited(conn)) {
    if (connack.reason_code == identifier_rejected_code(conn.version) && plain_client_id(connect.client_id)) {
      model.violation("MQTT-3.1.3-5",
                      "the server refused " + client_label(conn) + " with return code " +
                          connack_code_text(conn.version, connack.reason_code) +
                          " although 1 to 23 letters and digits are a client id every server must accept",
                      evidence);
    } else if (!conn.refusal_unresolved) {
      model.unresolved(UnresolvedKind::refused_connect, "",
                       "the server refused the CONNECT of " + client_label(conn) + " with return code " +
                           connack_code_text(conn.version, connack.reason_code),
                       evidence, connack.reason_code);
    }
  }
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
  // Refusing a client id: return code 2, then the close [MQTT-3.1.3-9].
  if (connack.reason_code == 2) judged_also(conn.close_duties.back(), {"MQTT-3.1.3-9"});
  if (conn.version == ProtocolVersion::v5) judge_authentication_refusal(model, conn, conn.close_duties.back());
  for (const auto message_index : indexed(model.messages_by_connection, conn.id)) {
    auto& message = model.messages[message_index];
    if (message.publisher_connection == conn.id) message.from_refused_connection = true;
  }
  if (conn.auth_failure_expected) {
    if (!credentials_refusal_code(conn.version, connack.reason_code)) {
      model.observe_behaviour("refuses-bad-credentials-with-code-" + std::to_string(connack.reason_code),
                              client_label(conn) + " with wrong credentials got CONNACK " +
                                  std::to_string(connack.reason_code) + " (4 or 5 expected)",
                              evidence);
    }
  }
  // Only return code 2 (identifier rejected) refuses the empty client id itself; 4 and 5 refuse the login.
  if (connect.client_id.empty() && connack.reason_code == identifier_rejected_code(conn.version)) {
    model.observe_behaviour("refuses-empty-client-id",
                            "an empty client id with clean session " +
                                std::string(connect.clean_session ? "1" : "0") +
                                " was refused with CONNACK 2 (identifier rejected)",
                            evidence);
  }
}

// The CONNECT of `conn` was never answered: the server closed (or the client gave up, or the history ended)
// before any CONNACK. Nothing after it was tested. A CONNECT the server had to close on without a CONNACK
// (a client violation) is policing's business, not this.
bool connack_never_came(ModelState& model, const Connection& conn, const Event* close, std::int64_t end_time) {
  if (!conn.connect_seen || conn.connack_seen || conn.client_violation) return false;
  if (std::any_of(conn.close_duties.begin(), conn.close_duties.end(),
                  [](const CloseDuty& duty) { return duty.required_connack.has_value(); })) {
    return false;  // judged by policing: the server owed a CONNACK with a given code
  }
  std::string reason;
  std::vector<std::uint64_t> evidence{conn.connect_sequence};
  if (close == nullptr) {
    reason = "the server never answered the CONNECT of " + client_label(conn) + " (" +
             milliseconds_text(end_time - conn.connect_time) + " of history after it)";
  } else {
    evidence.push_back(close->sequence);
    if (server_closed(close->close_reason.value_or(CloseReason::clean_eof))) {
      reason = "the server closed the connection of " + client_label(conn) + " without answering its CONNECT";
      if (!close->raw.empty()) {
        reason += ", in the middle of a packet (" + std::to_string(close->raw.size()) + " byte(s) of it arrived)";
      }
    } else {
      reason = "no CONNACK reached " + client_label(conn) + " in the " +
               milliseconds_text(close->time_ns - conn.connect_time) + " before it closed the connection";
    }
  }
  model.unresolved(UnresolvedKind::no_connack, "", reason, evidence);
  return true;
}

// The server closed while a packet it had started was incomplete: what it was saying cannot be judged.
void closed_inside_packet(ModelState& model, const Connection& conn, const Event& close) {
  if (close.raw.empty() || conn.faulted) return;
  const auto type = static_cast<PacketType>(close.raw.front() >> 4);
  model.unresolved(UnresolvedKind::server_closed, "",
                   "the server closed the connection of " + client_label(conn) + " in the middle of a packet (" +
                       std::to_string(close.raw.size()) + " byte(s) of a " + type_name(type) + " had arrived)",
                   {close.sequence});
}

// The server closed `conn` while it still owed answers or deliveries there, and nothing required or excused
// the close: those obligations can no longer be judged.
void owed_at_server_close(ModelState& model, Connection& conn, const Event& event) {
  if (!conn.accepted || conn.disconnect_sent || conn.client_violation || conn.refused || conn.taken_over ||
      conn.faulted || !conn.close_duties.empty() || keepalive_expired(conn, event.time_ns)) {
    return;
  }
  const auto why = "the server closed the connection of " + client_label(conn) + " while it still owed ";
  for (const auto& request : conn.requests) {
    if (request.invalid_filter) continue;  // the server may close instead of refusing the filter [MQTT-4.7.1-2]
    model.unresolved(UnresolvedKind::server_closed, request_statement(request),
                     why + request_description(request), {request.sequence, event.sequence});
  }
  for (const auto& [packet_id, flight] : conn.server_flights) {
    if (flight.qos == QoS::exactly_once && flight.client_answered && !flight.released) {
      model.unresolved(UnresolvedKind::server_closed, "MQTT-4.3.3-1",
                       why + "PUBREL for packet id " + std::to_string(packet_id),
                       {flight.answer_sequence, event.sequence});
    }
  }
  unresolve_duties_at_server_close(model, conn, event, why);
}

// The server closed a refused connection after the client had published on it: a subscriber whose subscription
// was in place throughout would have received those publications had the server acted on them [MQTT-3.1.4-5]
// (delivery.cpp reports any that arrive).
void judge_refused_publications(ModelState& model, const Connection& conn, const Event& close) {
  for (const auto message_index : indexed(model.messages_by_connection, conn.id)) {
    const auto& message = model.messages[message_index];
    if (message.publisher_connection != conn.id || !message.from_refused_connection || message.is_will) continue;
    for (const auto record_index : model.matching_records(message.topic)) {
      const auto& record = model.records[record_index];
      if (record.connection == conn.id || !record_definite(record, message.sent_time, close.time_ns)) continue;
      const auto subscriber = model.connections.find(record.connection);
      if (subscriber != model.connections.end() && !subscriber->second.closed) {
        model.exercise("MQTT-3.1.4-5");
        return;
      }
    }
  }
}

}  // namespace

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
      record.end_sequence = sequence;
    }
    if (record.end_ack == never) record.end_ack = time;  // also a record a doubted session left possible
  }
  for (const auto duty_index : indexed(model.duties_by_client, client_id)) {
    auto& duty = model.duties[duty_index];
    if (duty.client_id == client_id && duty.generation == session.generation && !duty.settled) {
      duty.cancelled = true;
    }
  }
  session.owed_redeliveries.clear();
}

// CONNACK said Session Present 0 although the history shows the persistent session was stored: that answer
// breaks MQTT-3.2.2-2, but it does not prove the broker discarded the session (a broker may resume it and
// still answer 0). Its subscriptions may or may not have survived, so they stay possible and stop being
// definite, nothing queued or in flight is owed any more, and what arrives through them is not an accusation.
void doubt_session(ModelState& model, Connection& conn, Session& session, const Event& event) {
  session.subscriptions_known = false;
  session.persistent = true;
  for (const auto record_index : indexed(model.records_by_generation, session.generation)) {
    auto& record = model.records[record_index];
    if (record.generation != session.generation || record.client_id != conn.client_id) continue;
    if (record.end_sent == never) {
      record.end_sent = event.time_ns;
      record.end_sequence = event.sequence;
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

void on_connect(ModelState& model, Connection& conn, const Connect& connect, const Event& event) {
  conn.connect_seen = true;
  conn.connect = connect;
  conn.version = connect.version;
  conn.keep_alive = connect.keep_alive;
  model.judged = connect.version;
  conn.connect_sequence = event.sequence;
  conn.connect_time = event.time_ns;
  model.exercise("MQTT-3.1.4-4");
  if (model.auth_failure_actors.erase(conn.actor) > 0) conn.auth_failure_expected = true;
  if (connect.version == ProtocolVersion::v5) read_v5_connect(conn, connect);
  // 5.0 lets an empty client id come with Clean Start 0; 3.1.1 requires its refusal.
  if (connect.client_id.empty() && !connect.clean_session && connect.version != ProtocolVersion::v5) {
    auto& duty = client_violation(model, conn, event, "MQTT-3.1.3-8", "");
    // The client broke MQTT-3.1.3-7; refusing the id takes return code 2 and a close [MQTT-3.1.3-9].
    judged_also(duty, {"MQTT-3.1.3-7", "MQTT-3.1.3-9"});
    duty.required_connack = 0x02;
    duty.answer = PacketType::connack;
    duty.finding.message =
        "the server did not answer CONNACK 0x02 and close for a CONNECT with an empty "
        "client id and clean session 0";
    conn.client_violation = false;  // the CONNECT itself is well formed; the CONNACK decides
    return;
  }
  if (plain_client_id(connect.client_id)) model.exercise("MQTT-3.1.3-5");
  if (connect.will) model.exercise("MQTT-3.1.2-8");
}

void on_connack(ModelState& model, Connection& conn, const Connack& connack, const Event& event) {
  if (!conn.connect_seen || conn.connack_seen) return;
  // The server carried a whole CONNACK to the client over the stream the harness opened [MQTT-7.1.1-1].
  model.exercise("MQTT-7.1.1-1");
  conn.connack_seen = true;
  conn.connack_sequence = event.sequence;
  conn.connack_time = event.time_ns;
  const auto& connect = conn.connect;
  const std::vector<std::uint64_t> evidence{conn.connect_sequence, event.sequence};
  if (connack.reason_code != 0) {
    on_refusal(model, conn, connack, event);
    return;
  }
  // A refusal expected for a CONNECT naming an Authentication Method is the method's: v5_auth.cpp judges the
  // acceptance (MQTT-4.12.0-1 or -5), not as wrong credentials.
  if (conn.auth_failure_expected && !authentication_refusal_invited(conn)) {
    model.violation("MQTT-3.1.4-1",
                    "the server accepted " + client_label(conn) + " whose CONNECT carried wrong credentials",
                    {conn.auth_note_sequence, conn.connect_sequence, event.sequence});
  }
  conn.accepted = true;
  if (conn.version == ProtocolVersion::v5) {
    conn.client_id = on_v5_connack(model, conn, connack, event);
    if (connect.client_id.empty()) {
      model.observe_behaviour("accepts-empty-client-id",
                              "an empty client id with Clean Start " +
                                  std::string(connect.clean_session ? "1" : "0") + " was accepted",
                              evidence);
    }
  } else if (connect.client_id.empty()) {
    conn.client_id = "\x01generated:" + std::to_string(conn.id);
    model.exercise("MQTT-3.1.3-6");
    // With clean session 0 the acceptance is also a violation [MQTT-3.1.3-8], reported by the CONNACK
    // policing.
    model.observe_behaviour("accepts-empty-client-id",
                            "an empty client id with clean session " +
                                std::string(connect.clean_session ? "1" : "0") + " was accepted",
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
  // Validated and accepted: the clean-session rules judged below apply [MQTT-3.1.4-3].
  model.exercise("MQTT-3.1.4-3");
  if (conn.version == ProtocolVersion::v5) {
    v5_session_at_connack(model, conn, session, connack, event);
    cancel_delayed_will(model, conn, session, event);
  } else if (connect.clean_session) {
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
    bool doubted = false;
    if (session.existence == Existence::present) {
      // Session present says whether the server still holds the state it keeps for the session's whole life
      // [MQTT-4.1.0-1], found by client id on a new connection [MQTT-3.1.3-2].
      model.exercise("MQTT-3.2.2-2");
      model.exercise("MQTT-4.1.0-1");
      model.exercise("MQTT-3.1.3-2");
      if (!connack.session_present) {
        model.violation("MQTT-3.2.2-2",
                        "CONNACK for client " + quoted(conn.client_id) +
                            " has session present 0 although its persistent session was stored",
                        {session.existence_sequence, conn.connect_sequence, event.sequence});
        doubted = session.generation_alive;
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
    } else if (doubted) {
      doubt_session(model, conn, session, event);
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
  if (by_server) check_keepalive_close(model, conn, event);
  if (!connack_never_came(model, conn, &event, event.time_ns) && by_server) closed_inside_packet(model, conn, event);
  if (by_server) owed_at_server_close(model, conn, event);
  if (by_server && conn.refused) judge_refused_publications(model, conn, event);
  settle_close_duties_at_close(model, conn, event, by_server);
  if (conn.version == ProtocolVersion::v5) on_v5_close(model, conn, event, by_server);
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
  note_unconfirmed_will(model, conn);
  publish_will_at_close(model, conn, event);
  // Session bookkeeping.
  auto session_it = model.sessions.find(conn.client_id);
  if (conn.accepted && session_it != model.sessions.end() && session_it->second.connection == conn.id) {
    auto& session = session_it->second;
    session.connection = 0;
    session.offline_since = event.time_ns;
    if (conn.version == ProtocolVersion::v5) v5_session_at_close(conn, session, event);
    if (session.persistent) {
      remember_redeliveries(conn, session);
    } else {
      end_generation(model, conn.client_id, event.time_ns, event.sequence);
    }
  }
}

void finish_connection(ModelState& model, const Connection& conn, std::int64_t end_time) {
  if (!conn.closed) connack_never_came(model, conn, nullptr, end_time);
}

void on_fault(ModelState& model, const Event& event) {
  if (event.connection == 0) {
    const bool restart = event.fault == broker_restart_fault;
    for (auto& [id, conn] : model.connections) {
      if (conn.closed) continue;
      conn.faulted = true;
      if (restart) conn.cut_by_restart = event.sequence;
    }
    if (restart) model.last_broker_restart = event.sequence;
  } else {
    model.connection(event).faulted = true;
  }
  model.observe_behaviour("fault-" + event.fault, event.detail, {event.sequence});
}

// The runner announces a CONNECT whose credentials are wrong (for a connection, or for the actor's next one).
void on_note(ModelState& model, const Event& event) {
  // A restart recorded and then skipped (the previous one was still running) ended no connection: the wills of
  // the connections it marked are owed again when they end.
  if (event.connection == 0 && event.detail.starts_with(broker_restart_skipped_note)) {
    for (auto& [id, conn] : model.connections) {
      if (model.last_broker_restart != 0 && conn.cut_by_restart == model.last_broker_restart) conn.cut_by_restart = 0;
    }
    return;
  }
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
