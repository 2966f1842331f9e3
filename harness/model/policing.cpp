#include "model/policing.hpp"

#include "codec/reason_codes.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "model/client_rules.hpp"
#include "model/requests.hpp"

namespace mqtt::model::detail {
namespace {

// The server closed, or provably failed to close: the duty's statements have been judged.
void exercise_close_duty(ModelState& model, const CloseDuty& duty) {
  model.exercise(duty.finding.statement);
  for (const auto& statement : duty.judged_with) model.exercise(statement);
}

}  // namespace

void judged_also(CloseDuty& duty, const std::vector<std::string>& statements) {
  for (const auto& statement : statements) {
    if (statement != duty.finding.statement &&
        std::find(duty.judged_with.begin(), duty.judged_with.end(), statement) == duty.judged_with.end()) {
      duty.judged_with.push_back(statement);
    }
  }
}

void add_close_duty(ModelState& model, Connection& conn, std::string statement, std::string message,
                    std::vector<std::uint64_t> evidence, std::int64_t since) {
  (void)model;
  CloseDuty duty;
  duty.finding.statement = std::move(statement);
  duty.finding.level = "MUST";
  duty.finding.message = std::move(message);
  duty.finding.evidence = std::move(evidence);
  duty.since = since;
  conn.close_duties.push_back(std::move(duty));
}

CloseDuty& client_violation(ModelState& model, Connection& conn, const Event& event, std::string statement,
                            std::string what) {
  conn.client_violation = true;
  add_close_duty(model, conn, statement,
                 "the server did not close the connection of " + client_label(conn) + " after " + what,
                 {event.sequence}, event.time_ns);
  return conn.close_duties.back();
}

CloseDuty& protocol_violation(ModelState& model, Connection& conn, const Event& event, std::string statement,
                              std::string what, const std::vector<std::string>& broken_rules) {
  auto& duty = client_violation(model, conn, event, std::move(statement), std::move(what));
  // Unless a rule says otherwise, a protocol violation makes the server close [MQTT-4.8.0-1].
  judged_also(duty, {"MQTT-4.8.0-1"});
  judged_also(duty, broken_rules);
  return duty;
}

void on_client_malformed(ModelState& model, Connection& conn, const Event& event, const DecodeError& error) {
  auto statement = error.statement.empty() ? std::string("MQTT-4.8.0-1") : error.statement;
  // The client broke the reserved-flags rule; what the server owes, and can break, is closing [MQTT-2.2.2-2].
  if (statement == "MQTT-2.2.2-1") statement = "MQTT-2.2.2-2";
  const auto type = error.packet_type;
  auto& duty = protocol_violation(model, conn, event, statement,
                                  "it sent a malformed packet (" + describe(error) + ")",
                                  broken_client_rules(error, event.raw));
  if (type == PacketType::connect || (!conn.connect_seen && !type)) {
    duty.answer = PacketType::connack;
    // A CONNECT that does not conform: close without any CONNACK [MQTT-3.1.4-1]. An unknown protocol name may be
    // treated as another protocol [MQTT-3.1.2-1]; an unsupported level is answered first (below).
    if (type == PacketType::connect && statement != "MQTT-3.1.2-1" && statement != "MQTT-3.1.2-2") {
      judged_also(duty, {"MQTT-3.1.4-1"});
    }
    if (statement == "MQTT-3.1.2-2") {
      duty.required_connack = 0x01;
      duty.finding.message = "the server did not answer CONNACK 0x01 and close for " + client_label(conn) +
                             " whose CONNECT carries an unsupported protocol level";
    }
  } else if (type == PacketType::subscribe) {
    duty.answer = PacketType::suback;
  } else if (type == PacketType::unsubscribe) {
    duty.answer = PacketType::unsuback;
  } else if (type == PacketType::pingreq) {
    duty.answer = PacketType::pingresp;
  } else if (type == PacketType::pubrel) {
    duty.answer = PacketType::pubcomp;
  }
}

void first_packet_not_connect(ModelState& model, Connection& conn, PacketType type, const Event& event) {
  auto& duty = protocol_violation(model, conn, event, "MQTT-3.1.0-1",
                                  "its first packet was " + type_name(type) + " instead of CONNECT", {});
  duty.answer = std::nullopt;
  duty.answer_id = std::nullopt;
}

void second_connect(ModelState& model, Connection& conn, const Event& event) {
  auto& duty = protocol_violation(model, conn, event, "MQTT-3.1.0-2", "it sent a second CONNECT", {});
  duty.answer = PacketType::connack;
}

void server_only_packet(ModelState& model, Connection& conn, PacketType type, const Event& event) {
  protocol_violation(model, conn, event, "MQTT-4.8.0-1", "it sent " + type_name(type) + ", a server-only packet",
                     {});
}

bool refusal_owed(const Connection& conn) {
  return std::any_of(conn.close_duties.begin(), conn.close_duties.end(), [](const CloseDuty& duty) {
    return duty.required_connack.has_value() && *duty.required_connack != 0;
  });
}

void check_forbidden_answers(ModelState& model, Connection& conn, const Packet& packet, const Event& event) {
  const auto type = type_of(packet);
  for (auto& duty : conn.close_duties) {
    if (duty.settled) continue;
    if (duty.required_connack && type == PacketType::connack && !duty.connack_done) {
      const auto& connack = std::get<Connack>(packet);
      // A 5.0 server MAY refuse a protocol version it does not support with reason 0x84 instead of 3.1.1's
      // return code 0x01 (5.0 section 3.1.2.2); either is the refusal MQTT-3.1.2-2 asks for.
      const bool unsupported_version_refusal =
          *duty.required_connack == 0x01 && connack.version == ProtocolVersion::v5 && connack.reason_code == 0x84;
      const auto code = unsupported_version_refusal ? std::uint8_t{0x01} : connack.reason_code;
      duty.connack_done = true;
      const bool authentication = (code == 4 || code == 5) && *duty.required_connack != 4 &&
                                  *duty.required_connack != 5;
      if (authentication) {
        // The target checked credentials before the rule under test; the order of a server's checks is its own.
        model.unresolved(UnresolvedKind::refused_connect, duty.finding.statement,
                         "the server refused the CONNECT of " + client_label(conn) + " with return code " +
                             std::to_string(code) + " (" + std::string(connack_code_meaning(conn.version, code)) +
                             ") before the rule that requires return code " +
                             std::to_string(*duty.required_connack) + " could be judged",
                         {duty.finding.evidence.front(), event.sequence}, code);
        conn.refusal_unresolved = true;
        duty.settled = true;
      } else if (code != *duty.required_connack) {
        auto evidence = duty.finding.evidence;
        evidence.push_back(event.sequence);
        model.violation(duty.finding.statement,
                        "the server answered CONNACK " + std::to_string(code) + " where the spec requires " +
                            std::to_string(*duty.required_connack) + " for " + client_label(conn),
                        evidence);
        exercise_close_duty(model, duty);
        duty.settled = code != 0 ? false : true;
        if (code == 0) conn.client_violation = false;
      } else if (code != 0 && !conn.connect_seen) {
        // The refusal owed to a CONNECT that did not decode (an unsupported protocol level): a refused session
        // [MQTT-3.1.4-5], whose CONNACK the codec checked for session present 0 [MQTT-3.2.2-4] and which the
        // server must now close [MQTT-3.2.2-5].
        conn.refused = true;
        model.exercise("MQTT-3.2.2-4");
        judged_also(duty, {"MQTT-3.2.2-5"});
      }
      continue;
    }
    if (!duty.answer || *duty.answer != type) continue;
    if (type == PacketType::connack && std::get<Connack>(packet).reason_code != 0) continue;
    std::optional<std::uint16_t> id;
    if (type == PacketType::suback) id = std::get<Suback>(packet).packet_id;
    if (type == PacketType::unsuback) id = std::get<Unsuback>(packet).packet_id;
    if (type == PacketType::puback) id = std::get<Puback>(packet).packet_id;
    if (type == PacketType::pubrec) id = std::get<Pubrec>(packet).packet_id;
    if (duty.answer_id && id && *duty.answer_id != *id) continue;
    // Without an id to compare, an answer to an earlier, valid request proves nothing.
    if (!duty.answer_id && type != PacketType::connack &&
        find_request(conn, type, id.value_or(0)) != conn.requests.end()) {
      continue;
    }
    auto evidence = duty.finding.evidence;
    evidence.push_back(event.sequence);
    model.violation(duty.finding.statement,
                    "the server answered " + type_name(type) + " to a forbidden packet from " +
                        client_label(conn) + " instead of closing the connection",
                    evidence);
    exercise_close_duty(model, duty);
    duty.settled = true;
  }
}

void check_close_duty_proof(ModelState& model, Connection& conn, const Event& event) {
  for (auto& duty : conn.close_duties) {
    if (duty.settled || conn.faulted) continue;
    if (event.time_ns > duty.since + model.options.close_grace_ns) {
      auto evidence = duty.finding.evidence;
      evidence.push_back(event.sequence);
      model.violation(duty.finding.statement, duty.finding.message, evidence, duty.finding.level);
      exercise_close_duty(model, duty);
      duty.settled = true;
    }
  }
}

void settle_close_duties_at_close(ModelState& model, Connection& conn, const Event& event, bool by_server) {
  for (auto& duty : conn.close_duties) {
    if (duty.settled) continue;
    if (by_server) {
      if (duty.required_connack && !duty.connack_done) {
        auto evidence = duty.finding.evidence;
        evidence.push_back(event.sequence);
        model.violation(duty.finding.statement, duty.finding.message, evidence);
      }
      exercise_close_duty(model, duty);
      duty.settled = true;
    }
  }
}

void on_server_decode_error(ModelState& model, const Event& event) {
  auto& conn = model.connection(event);
  auto statement =
      event.error && !event.error->statement.empty() ? event.error->statement : std::string("MQTT-4.8.0-1");
  // Decoded under 5.0, the error already names a 5.0 statement.
  if (conn.version == ProtocolVersion::v5 && event.error && !event.error->statement.empty()) {
    statement = v5(statement);
  }
  model.violation(statement,
                  "the server sent " + client_label(conn) + " bytes that do not decode" +
                      (event.error ? ": " + describe(*event.error) : std::string()),
                  {event.sequence});
}

void exercise_decoded_server_packet(ModelState& model, const Packet& packet, const Event& event) {
  const auto type = type_of(packet);
  // The codec reads a reason code only where the packet has one: past the packet id of an acknowledgement, in
  // any DISCONNECT with a remaining length; fixed header (2 bytes here: these packets are short) comes first.
  const bool acknowledgement_reason = event.raw.size() > 4;
  switch (type) {
    case PacketType::connack:
      model.exercise(v5("MQTT-3.2.2-1"));
      model.exercise(v5("MQTT-3.2.2-8"));
      break;
    case PacketType::puback:
      if (acknowledgement_reason) model.exercise(v5("MQTT-3.4.2-1"));
      break;
    case PacketType::pubrec:
      if (acknowledgement_reason) model.exercise(v5("MQTT-3.5.2-1"));
      break;
    case PacketType::pubrel:
      if (acknowledgement_reason) model.exercise(v5("MQTT-3.6.2-1"));
      break;
    case PacketType::pubcomp:
      if (acknowledgement_reason) model.exercise(v5("MQTT-3.7.2-1"));
      break;
    case PacketType::publish: {
      const auto& properties = std::get<Publish>(packet).properties;
      const bool aliased = std::any_of(properties.begin(), properties.end(),
                                       [](const Property& property) { return property.id == PropertyId::topic_alias; });
      if (aliased && !event.raw.empty()) model.exercise(v5("MQTT-3.3.2-8"));  // the codec refuses alias 0
      break;
    }
    case PacketType::suback:
      model.exercise(v5("MQTT-3.9.3-2"));
      break;
    case PacketType::unsuback:
      model.exercise(v5("MQTT-3.11.3-2"));
      break;
    case PacketType::disconnect:
      if (event.raw.size() > 2) model.exercise(v5("MQTT-3.14.2-1"));
      break;
    default:
      break;
  }
  // Reserved fixed-header flags of the packets whose flags the table fixes without a statement of their own.
  if (type != PacketType::publish && type != PacketType::pubrel && type != PacketType::disconnect &&
      type != PacketType::auth && !event.raw.empty()) {
    model.exercise(v5("MQTT-2.1.3-1"));
  }
}

void outstanding_closes(const Connection& conn, std::vector<Expectation>& result) {
  for (const auto& duty : conn.close_duties) {
    if (!duty.settled)
      result.push_back({duty.finding.statement, "close the connection of " + client_label(conn), conn.id});
  }
}

void finish_close_duties(ModelState& model, const Connection& conn, std::int64_t end_time) {
  if (conn.closed) {
    for (const auto& duty : conn.close_duties) {
      if (duty.settled) continue;
      if (conn.faulted) {
        model.observe_behaviour("fault-excused", duty.finding.message + " (not judged: fault-excused)",
                                duty.finding.evidence);
      } else {
        model.unresolved(UnresolvedKind::history_ended, duty.finding.statement,
                         duty.finding.message + " (the client closed first, within the server's grace)",
                         duty.finding.evidence);
      }
    }
    return;
  }
  for (const auto& duty : conn.close_duties) {
    if (duty.settled) continue;
    model.unmet(duty.finding.statement, duty.finding.message, duty.finding.evidence,
                duty.since + model.options.close_grace_ns, end_time, conn.faulted, "fault-excused");
    exercise_close_duty(model, duty);
  }
}

}  // namespace mqtt::model::detail
