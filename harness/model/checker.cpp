// The reference model of an MQTT 3.1.1 broker, replayed from the client side of a history.
//
// The checker cannot see inside the broker, so it reasons with time windows: a request sent at t1 and
// answered at t2 was processed somewhere in [t1, t2]. An obligation is "definite" only when every
// interleaving the windows allow makes it one; anything merely possible is allowed. Violations are raised
// only when the history proves them (a later event shows the deadline passed); the end of the history turns
// unmet obligations into violations only when the history ran long enough past their deadline, otherwise into
// observations.
//
// This file is the dispatcher: each event goes to the rule units (one concern per file, see
// docs/architecture.md, "Where each rule lives"), which share the state in model_state.hpp. The order of the
// calls below is part of the verdicts (violations and observations are reported in the order they are found).
#include "model/checker.hpp"

#include <algorithm>
#include <optional>

#include "codec/decoder.hpp"
#include "model/connection_lifecycle.hpp"
#include "model/delivery.hpp"
#include "model/delivery_duties.hpp"
#include "model/forgetting.hpp"
#include "model/keepalive.hpp"
#include "model/model_state.hpp"
#include "model/policing.hpp"
#include "model/v5_rejections.hpp"
#include "model/v5_shared.hpp"
#include "model/v5_subs_maximum_qos.hpp"
#include "model/v5_subscription_options.hpp"
#include "model/publications.hpp"
#include "model/requests.hpp"
#include "model/subscriptions.hpp"
#include "model/v5_auth.hpp"
#include "model/v5_connect_once.hpp"
#include "model/v5_disconnect.hpp"
#include "model/websocket.hpp"
#include "model/v5_flow.hpp"
#include "model/v5_flow_acknowledgements.hpp"
#include "model/v5_flow_quota.hpp"
#include "model/v5_message_properties.hpp"
#include "model/v5_qos2_expiry.hpp"
#include "model/v5_qos2_identifiers.hpp"
#include "model/v5_qos2_release.hpp"
#include "model/v5_will.hpp"

namespace mqtt::model {
namespace detail {
namespace {

// ---- events from the client -------------------------------------------------------------------------------

void on_sent(ModelState& model, const Event& event) {
  auto& conn = model.connection(event);
  // The silence that just ended may already prove the server kept the connection too long.
  if (!conn.closed) check_keepalive_proof(model, conn, event);
  note_client_activity(conn, event);
  if (conn.closed) return;
  if (event.websocket && on_websocket_send(model, conn, event)) return;
  const Packet* packet = event.packet ? &*event.packet : nullptr;  // no copy of the payload per packet
  std::optional<Packet> decoded_packet;
  if (!packet) {
    if (event.raw.empty()) return;
    const auto version = conn.connect_seen ? conn.version : ProtocolVersion::v3_1_1;
    auto decoded = decode_packet(event.raw, Sender::client, version);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
      // Decoded under 5.0, the error already names a 5.0 statement.
      if (version == ProtocolVersion::v5 && !error->statement.empty()) error->statement = v5(error->statement);
      on_client_malformed(model, conn, event, *error);
      return;
    }
    decoded_packet = std::get<Packet>(std::move(decoded));
    packet = &*decoded_packet;
  } else if (conn.connect_seen && conn.version == ProtocolVersion::v5 && !event.raw.empty() &&
             type_of(*packet) == PacketType::publish) {
    // A case may build a 5.0 PUBLISH the codec would refuse (topic alias 0, a client's Subscription Identifier, a
    // wildcard Response Topic): judged by its bytes, it is the malformed packet the server must close on.
    auto decoded = decode_packet(event.raw, Sender::client, ProtocolVersion::v5);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
      if (!error->statement.empty()) error->statement = v5(error->statement);
      on_client_malformed(model, conn, event, *error);
      return;
    }
  }
  if (conn.connect_seen && conn.version == ProtocolVersion::v5 && type_of(*packet) == PacketType::subscribe &&
      !conn.client_violation && no_local_on_shared(std::get<Subscribe>(*packet))) {
    auto& duty = protocol_violation(model, conn, event, v5("MQTT-3.8.3-4"),
                                    "it set No Local on a shared subscription", {});
    duty.answer = PacketType::suback;
    return;
  }
  await_answer(conn, *packet);
  const auto type = type_of(*packet);
  if (conn.version == ProtocolVersion::v5) note_client_packet_after_connack(model, conn, type);
  // After a CONNECT the server refuses (or must refuse), what the client sends must not be acted on [MQTT-3.1.4-5]:
  // its publications are remembered so that a delivery of one is caught.
  if (type == PacketType::publish && (conn.refused || (conn.client_violation && refusal_owed(conn)))) {
    on_publish_after_refusal(model, conn, std::get<Publish>(*packet), event);
    return;
  }
  if (conn.client_violation) return;  // the server owes a close; later packets are not judged
  if (!conn.connect_seen) {
    if (type == PacketType::connect) {
      on_connect(model, conn, std::get<Connect>(*packet), event);
      return;
    }
    if (conn.opened_seen) {
      first_packet_not_connect(model, conn, type, event);
      return;
    }
    // A capture that starts mid-connection: judge what follows without a session.
  } else if (type == PacketType::connect) {
    second_connect(model, conn, event);
    return;
  }
  if (conn.refused) return;  // nothing after a refused CONNECT is acted on
  const bool is_v5 = conn.version == ProtocolVersion::v5;
  if (is_v5 && (type == PacketType::puback || type == PacketType::pubrec || type == PacketType::pubcomp)) {
    judge_answers_held_at_zero_quota(model, conn, event);
  }
  switch (type) {
    case PacketType::publish:
      if (!is_v5) {
        on_client_publish(model, conn, std::get<Publish>(*packet), event);
      } else if (const auto admitted = admit_client_publish(model, conn, std::get<Publish>(*packet), event)) {
        exercise_no_local(model, conn, *admitted, event);
        note_client_id_reuse(conn, *admitted);
        on_client_publish(model, conn, *admitted, event);
        remember_reused_id_message(conn);
      }
      break;
    case PacketType::puback: {
      const auto& puback = std::get<Puback>(*packet);
      if (is_v5 && puback.reason_code >= 0x80) note_rejected_delivery(model, conn, puback.packet_id, event);
      on_client_ack(model, conn, puback.packet_id, PacketType::puback, event);
      break;
    }
    case PacketType::pubrec: {
      // A 5.0 PUBREC of 0x80 or above ends the QoS 2 flow as a PUBACK would: no PUBREL follows.
      const auto& pubrec = std::get<Pubrec>(*packet);
      const bool refused = is_v5 && pubrec.reason_code >= 0x80;
      if (refused) note_rejected_delivery(model, conn, pubrec.packet_id, event);
      on_client_ack(model, conn, pubrec.packet_id, refused ? PacketType::puback : PacketType::pubrec, event);
      break;
    }
    case PacketType::pubcomp:
      if (is_v5) note_client_completion(model, conn, std::get<Pubcomp>(*packet).packet_id);
      on_client_ack(model, conn, std::get<Pubcomp>(*packet).packet_id, PacketType::pubcomp, event);
      break;
    case PacketType::pubrel:
      on_client_pubrel(model, conn, std::get<Pubrel>(*packet).packet_id, event);
      break;
    case PacketType::subscribe:
      on_client_subscribe(model, conn, std::get<Subscribe>(*packet), event);
      break;
    case PacketType::unsubscribe:
      if (is_v5) note_v5_unsubscribe(model, conn, std::get<Unsubscribe>(*packet), event);
      on_client_unsubscribe(model, conn, std::get<Unsubscribe>(*packet), event);
      break;
    case PacketType::pingreq:
      on_client_pingreq(model, conn, event);
      break;
    case PacketType::disconnect:
      conn.disconnect_sent = true;
      conn.disconnect_time = event.time_ns;
      conn.disconnect_sequence = event.sequence;
      if (is_v5) {
        on_v5_client_disconnect(model, conn, std::get<Disconnect>(*packet), event);
      } else if (conn.connect.will) {
        // From here a publication of the will is judged [MQTT-3.14.4-3]: the server no longer holds it [MQTT-3.1.2-10].
        model.exercise("MQTT-3.14.4-3");
        model.exercise("MQTT-3.1.2-10");
      }
      break;
    case PacketType::auth:
      if (is_v5) {
        on_v5_client_auth(model, conn, event);
        note_client_auth(conn, std::get<Auth>(*packet), event);
      } else {
        server_only_packet(model, conn, type, event);
      }
      break;
    default:
      server_only_packet(model, conn, type, event);
      break;
  }
  if (is_v5) note_request_at_zero_quota(model, conn, event);
}

// ---- events from the server -------------------------------------------------------------------------------

void on_received(ModelState& model, const Event& event) {
  auto& conn = model.connection(event);
  if (!event.packet) return;
  const auto& packet = *event.packet;
  const auto type = type_of(packet);
  note_server_answer(conn, packet, event);
  on_websocket_server_packet(conn);
  check_keepalive_proof(model, conn, event);
  check_close_duty_proof(model, conn, event);
  const bool is_v5 = conn.version == ProtocolVersion::v5;
  if (is_v5) {
    check_v5_server_packet(model, conn, packet, event);
    exercise_decoded_server_packet(model, packet, event);
  }
  // 5.0: AUTH may come before CONNACK; a DISCONNECT before it breaks its own rule (v5_disconnect).
  const bool v5_exempt = is_v5 && (type == PacketType::auth || type == PacketType::disconnect);
  // The first packet after a CONNECT, decoded or one the server must refuse, is CONNACK [MQTT-3.2.0-1].
  if (!conn.any_received && (conn.connect_seen || refusal_owed(conn)) && !v5_exempt) {
    model.exercise("MQTT-3.2.0-1");
    if (type != PacketType::connack) {
      model.violation("MQTT-3.2.0-1",
                      "the first packet the server sent to " + client_label(conn) + " was " + type_name(type) +
                          ", not CONNACK",
                      {conn.connect_sequence, event.sequence});
    }
  }
  conn.any_received = true;
  check_forbidden_answers(model, conn, packet, event);
  switch (type) {
    case PacketType::connack:
      if (is_v5 && conn.connack_seen) judge_second_connack(model, conn, event);
      on_connack(model, conn, std::get<Connack>(packet), event);
      if (is_v5 && conn.accepted) {
        on_connack_released_exchanges(model, conn, std::get<Connack>(packet).session_present);
        if (std::get<Connack>(packet).session_present) cite_expired_in_flight(model, conn);
      }
      break;
    case PacketType::publish:
      if (!is_v5) {
        on_delivery(model, conn, std::get<Publish>(packet), event);
      } else if (const auto resolved = resolve_server_alias(model, conn, std::get<Publish>(packet), event)) {
        const auto index = on_delivery(model, conn, *resolved, event);
        check_publish_after_release(model, conn, *resolved, index, event);
        check_receive_maximum(model, conn, *resolved, event);
        if (index != no_message && !conn.refused) check_message_properties(model, conn, *resolved, index, event);
      }
      break;
    case PacketType::puback: {
      const auto& puback = std::get<Puback>(packet);
      if (is_v5) exercise_declared_maximum_qos(model, conn);
      on_server_ack(model, conn, puback.packet_id, PacketType::puback, event, !is_v5 || puback.reason_code < 0x80);
      if (is_v5) on_server_exchange_answer(model, conn, PacketType::puback, puback.packet_id, puback.reason_code);
      break;
    }
    case PacketType::pubrec: {
      const auto& pubrec = std::get<Pubrec>(packet);
      if (is_v5) exercise_declared_maximum_qos(model, conn);
      on_server_ack(model, conn, pubrec.packet_id, PacketType::pubrec, event, !is_v5 || pubrec.reason_code < 0x80);
      if (is_v5) on_server_exchange_answer(model, conn, PacketType::pubrec, pubrec.packet_id, pubrec.reason_code);
      break;
    }
    case PacketType::pubcomp: {
      const auto& pubcomp = std::get<Pubcomp>(packet);
      on_server_ack(model, conn, pubcomp.packet_id, PacketType::pubcomp, event);
      if (is_v5) on_server_exchange_answer(model, conn, PacketType::pubcomp, pubcomp.packet_id, pubcomp.reason_code);
      break;
    }
    case PacketType::pubrel:
      on_server_pubrel(model, conn, std::get<Pubrel>(packet).packet_id, event);
      if (is_v5) note_server_release(model, conn, std::get<Pubrel>(packet).packet_id);
      break;
    case PacketType::suback:
      if (is_v5) {
        exercise_v5_suback(model, conn, std::get<Suback>(packet));
        judge_subscription_above_maximum_qos(model, conn, std::get<Suback>(packet), event);
      }
      on_suback(model, conn, std::get<Suback>(packet), event);
      break;
    case PacketType::unsuback:
      if (is_v5) check_v5_unsuback(model, conn, std::get<Unsuback>(packet), event);
      on_server_ack(model, conn, std::get<Unsuback>(packet).packet_id, PacketType::unsuback, event);
      break;
    case PacketType::pingresp:
      on_server_ack(model, conn, 0, PacketType::pingresp, event);
      break;
    case PacketType::disconnect:
      if (is_v5) {
        on_v5_server_disconnect(model, conn, std::get<Disconnect>(packet), event);
        judge_undeclared_maximum_qos(model, conn, std::get<Disconnect>(packet), event);
        judge_reauthentication_disconnect(model, conn);
      }
      break;
    case PacketType::auth:
      if (is_v5) {
        on_v5_server_auth(model, conn, event);
        judge_server_auth(model, conn, std::get<Auth>(packet), event);
      }
      break;
    default:
      break;
  }
}

void observe(ModelState& model, const Event& event) {
  if (event.time_ns < model.now) model.time_went_back = true;
  model.now = std::max(model.now, event.time_ns);
  // A connection forgotten the window after it closed (forgetting.hpp): an event recorded on it this late is a
  // stray the model can no longer place, and is not judged.
  if (event.connection != 0 && model.forgotten_connections.contains(event.connection)) return;
  if (model.options.evidence_events) model.evidence_store.note(event);
  // Verdicts cite the specification of the connection the event belongs to (statement_citation.hpp).
  const auto* known = model.find_connection(event.connection);
  model.judged = known == nullptr ? ProtocolVersion::v3_1_1 : known->version;
  switch (event.kind) {
    case EventKind::open: {
      auto& conn = model.connection(event);
      conn.opened_seen = true;
      note_client_activity(conn, event);
      if (event.websocket) on_websocket_open(model, event);
      break;
    }
    case EventKind::open_failed:
      break;
    case EventKind::sent:
      on_sent(model, event);
      break;
    case EventKind::received:
      on_received(model, event);
      break;
    case EventKind::closed:
      if (const auto known = model.connections.find(event.connection); known != model.connections.end()) {
        on_websocket_close(model, known->second, event);
      }
      on_connection_closed(model, event);
      break;
    case EventKind::decode_error:
      on_server_decode_error(model, event);
      break;
    case EventKind::fault:
      on_fault(model, event);
      break;
    case EventKind::note:
      if (event.websocket) on_websocket_message(model, event);
      on_note(model, event);
      break;
  }
  forget_when_due(model);
}

// ---- what is owed -----------------------------------------------------------------------------------------

std::vector<Expectation> outstanding(const ModelState& model) {
  std::vector<Expectation> result;
  for (const auto& [id, conn] : model.connections) {
    if (conn.closed) continue;
    outstanding_closes(conn, result);
    outstanding_requests(conn, result);
    outstanding_releases(conn, result);
  }
  outstanding_deliveries(model, result);
  for (auto& expectation : result) {
    const auto conn = model.connections.find(expectation.connection);
    const auto version = conn == model.connections.end() ? ProtocolVersion::v3_1_1 : conn->second.version;
    expectation.spec = std::string(cited_spec(version, expectation.statement));
    expectation.statement = cited_statement(version, expectation.statement);
  }
  return result;
}

// ---- end of history ---------------------------------------------------------------------------------------

void finish(ModelState& model, std::int64_t end_time) {
  for (auto& [id, conn] : model.connections) {
    model.judged = conn.version;
    finish_close_duties(model, conn, end_time);
    finish_connection(model, conn, end_time);
    if (conn.closed) continue;
    finish_requests(model, conn, end_time);
    finish_releases(model, conn, end_time);
    finish_keepalive(model, conn, end_time);
  }
  finish_delivery_duties(model, end_time);
  finish_delayed_wills(model);
  finish_shared_deliveries(model);
  finish_rejected_deliveries(model);
}

}  // namespace
}  // namespace detail

struct Checker::State : detail::ModelState {
  using ModelState::ModelState;
};

Checker::Checker(CheckOptions options) : state_(std::make_unique<State>(options)) {}
Checker::~Checker() = default;
Checker::Checker(Checker&&) noexcept = default;
Checker& Checker::operator=(Checker&&) noexcept = default;

void Checker::observe(const history::Event& event) { detail::observe(*state_, event); }

std::vector<Expectation> Checker::outstanding() const { return detail::outstanding(*state_); }

std::size_t Checker::violations_so_far() const { return state_->verdicts.violations.size(); }

StateSize Checker::state_size(StateDetail depth) const { return detail::state_size(*state_, depth); }

Verdicts Checker::finish(std::int64_t end_time_ns) {
  detail::finish(*state_, end_time_ns);
  auto verdicts = state_->verdicts;
  std::sort(verdicts.violations.begin(), verdicts.violations.end(),
            [](const Finding& a, const Finding& b) { return a.evidence < b.evidence; });
  return verdicts;
}

Verdicts check(const history::History& history, const CheckOptions& options) {
  Checker checker(options);
  std::int64_t end_time = 0;
  for (const auto& event : history.events) {
    checker.observe(event);
    end_time = std::max(end_time, event.time_ns);
  }
  return checker.finish(end_time);
}

}  // namespace mqtt::model
