#include "model/keepalive.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <variant>

namespace mqtt::model::detail {

namespace {

constexpr std::int64_t nanoseconds_per_second = 1'000'000'000;

std::int64_t one_and_a_half_keep_alives(const Connection& conn) {
  return std::int64_t{conn.keep_alive} * nanoseconds_per_second * 3 / 2;
}

// When the silence becomes a violation: 1.5 x keep alive after the server last heard the client, plus the
// grace and the harness's measurement slack.
std::int64_t keepalive_deadline(const ModelState& model, const Connection& conn) {
  return conn.heard_by + one_and_a_half_keep_alives(conn) + model.options.keepalive_grace_ns +
         keepalive_observation_slack_ns;
}

std::string seconds_text(std::int64_t nanoseconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", static_cast<double>(nanoseconds) / 1e9);
  return text;
}

// "2 s keep alive × 1.5"
std::string limit_text(const Connection& conn) {
  return std::to_string(conn.keep_alive) + " s keep alive × 1.5";
}

std::string grace_text(const ModelState& model) {
  return "(grace " + seconds_text(model.options.keepalive_grace_ns) + " s)";
}

// The connections whose silence the checker times.
bool timed(const Connection& conn) {
  return conn.accepted && conn.keep_alive != 0 && !conn.keepalive_reported && !conn.faulted &&
         !conn.disconnect_sent;
}

// The packet id of an acknowledgement, SUBACK or UNSUBACK; 0 for the rest (CONNACK and PINGRESP have none,
// and a PUBLISH from the server never answers the client).
std::uint16_t packet_id_of(const Packet& packet) {
  return std::visit(
      [](const auto& value) -> std::uint16_t {
        if constexpr (requires { value.packet_id + 0; }) {
          return value.packet_id;
        } else {
          return 0;
        }
      },
      packet);
}

}  // namespace

void note_client_activity(Connection& conn, const Event& event) {
  conn.last_client_time = event.time_ns;
  conn.last_client_sequence = event.sequence;
  conn.heard_by = event.time_ns;
  conn.awaited_answer.reset();
}

void await_answer(Connection& conn, const Packet& packet) {
  switch (type_of(packet)) {
    case PacketType::connect:
      conn.awaited_answer = {PacketType::connack, 0};
      break;
    case PacketType::pingreq:
      conn.awaited_answer = {PacketType::pingresp, 0};
      break;
    case PacketType::subscribe:
      conn.awaited_answer = {PacketType::suback, std::get<Subscribe>(packet).packet_id};
      break;
    case PacketType::unsubscribe:
      conn.awaited_answer = {PacketType::unsuback, std::get<Unsubscribe>(packet).packet_id};
      break;
    case PacketType::pubrel:
      conn.awaited_answer = {PacketType::pubcomp, std::get<Pubrel>(packet).packet_id};
      break;
    case PacketType::publish: {
      const auto& publish = std::get<Publish>(packet);
      if (publish.qos != QoS::at_most_once && publish.packet_id) {
        conn.awaited_answer = {publish.qos == QoS::at_least_once ? PacketType::puback : PacketType::pubrec,
                               *publish.packet_id};
      }
      break;
    }
    default:
      break;  // nothing answers it: the silence is timed from its sending
  }
}

void note_server_answer(Connection& conn, const Packet& packet, const Event& event) {
  if (!conn.awaited_answer) return;
  if (conn.awaited_answer->first != type_of(packet) || conn.awaited_answer->second != packet_id_of(packet))
    return;
  // TCP delivers in order, so the server read the client's last packet before it sent this answer.
  conn.heard_by = std::max(conn.heard_by, event.time_ns);
  conn.awaited_answer.reset();
}

void check_keepalive_proof(ModelState& model, Connection& conn, const Event& event) {
  if (!timed(conn)) return;
  model.exercise("MQTT-3.1.2-24");
  // A close the harness had not yet seen could have happened as early as its loop last looked.
  const auto proved_open_at = history::earliest_time(event);
  if (proved_open_at <= keepalive_deadline(model, conn)) return;
  conn.keepalive_reported = true;
  const auto late = proved_open_at - conn.heard_by - one_and_a_half_keep_alives(conn);
  model.violation("MQTT-3.1.2-24",
                  "the server kept " + client_label(conn) + " connected " + seconds_text(late) + " s past " +
                      limit_text(conn) + " of silence " + grace_text(model),
                  {conn.last_client_sequence, event.sequence});
}

void check_keepalive_close(ModelState& model, Connection& conn, const Event& event) {
  if (!timed(conn) || !conn.close_duties.empty()) return;
  model.exercise("MQTT-3.1.2-24");
  // Measured from the earliest time the close can have happened: the harness's loop may have noticed it late.
  const auto closed_by = history::earliest_time(event);
  const auto late = closed_by - conn.heard_by - one_and_a_half_keep_alives(conn);
  if (closed_by > keepalive_deadline(model, conn)) {
    conn.keepalive_reported = true;
    model.violation("MQTT-3.1.2-24",
                    "the server closed the silent connection of " + client_label(conn) + " " +
                        seconds_text(late) + " s after " + limit_text(conn) + " " + grace_text(model),
                    {conn.last_client_sequence, event.sequence});
  } else if (late > model.options.prompt_close_ns) {
    model.observe_behaviour("late-keepalive-close",
                            "closed the silent connection of " + client_label(conn) + " " +
                                seconds_text(late) + " s after " + limit_text(conn) +
                                " (within the grace of " + seconds_text(model.options.keepalive_grace_ns) +
                                " s)",
                            {conn.last_client_sequence, event.sequence});
  }
}

void finish_keepalive(ModelState& model, Connection& conn, std::int64_t end_time) {
  if (!timed(conn)) return;
  if (end_time <= keepalive_deadline(model, conn)) return;  // not yet owed: nothing to say
  conn.keepalive_reported = true;
  model.verdicts.unresolved.push_back(
      Unresolved{UnresolvedKind::history_ended,
                 model.cite("MQTT-3.1.2-24"),
                 "the history ends " + seconds_text(end_time - conn.heard_by) + " s after " +
                     client_label(conn) + " last sent anything (" + limit_text(conn) + " = " +
                     seconds_text(one_and_a_half_keep_alives(conn)) +
                     " s), with no event on its connection to show whether the server closed it",
                 {conn.last_client_sequence},
                 0,
                 std::string(cited_spec(model.judged))});
}

std::int64_t faulted_will_detection_ns(const ModelState& model, const Connection& conn) {
  if (conn.keep_alive == 0) return never;
  return one_and_a_half_keep_alives(conn) +
         std::max(model.options.keepalive_grace_ns, faulted_detection_tolerance_ns);
}

}  // namespace mqtt::model::detail
