#include "model/v5_will.hpp"

#include <algorithm>
#include <string>

#include "model/v5_session_expiry.hpp"

namespace mqtt::model::detail {
namespace {

constexpr std::int64_t nanoseconds_per_second = 1'000'000'000;

std::string seconds_text(std::int64_t nanoseconds) {
  return std::to_string(nanoseconds / nanoseconds_per_second) + "." +
         std::to_string(nanoseconds % nanoseconds_per_second / 100'000'000) + " s";
}

}  // namespace

std::int64_t delay_will(ModelState& model, const Connection& conn, const Event& event) {
  model.exercise(v5("MQTT-3.1.2-8"));
  const auto delay_seconds = std::min(conn.v5.will_delay, conn.v5.session_expiry);
  if (delay_seconds == 0) return 0;
  DelayedWill will;
  will.message = conn.will_message;
  will.connection = conn.id;
  will.closed_time = event.time_ns;
  will.closed_earliest = std::min(event.time_ns, earliest_server_close(conn, event));
  will.closed_sequence = event.sequence;
  will.delay_ns = std::int64_t{delay_seconds} * nanoseconds_per_second;
  model.delayed_wills[conn.client_id] = will;
  return will.delay_ns;
}

void cancel_delayed_will(ModelState& model, const Connection& conn, const Session& session, const Event& event) {
  (void)session;
  const auto found = model.delayed_wills.find(conn.client_id);
  if (found == model.delayed_wills.end() || found->second.reconnect_sequence != 0) return;
  auto& will = found->second;
  const bool resumed = event.packet && std::holds_alternative<Connack>(*event.packet) &&
                       std::get<Connack>(*event.packet).session_present;
  if (conn.connect.clean_session || !resumed) {
    // Clean Start 1 ends the old session, and so does a server that answers session present 0 (if wrongly, that
    // is its own violation, MQTT-3.1.2-23): the will is due when its session ends if that comes before the delay
    // [MQTT-3.1.2-8], not cancelled, and published no earlier than the server could read this CONNECT.
    const auto session_end = std::max<std::int64_t>(0, conn.connect_time - will.closed_earliest);
    if (session_end < will.delay_ns) will.delay_ns = session_end;
    // Its copies are owed from the session's end (the server had read this CONNECT when its CONNACK came), not from
    // the delay's: a broker that lets the will go with the old session breaks MQTT-3.1.2-8. Not when the CONNACK
    // says the session was resumed despite Clean Start 1: that answer is the violation (MQTT-3.2.2-2), and a will
    // the broker then holds back for the session it claims to continue is its consequence, not a second defect.
    if (!resumed) {
      const auto due = add_time(event.time_ns, model.options.close_grace_ns);
      for (const auto duty_index : indexed(model.duties_by_message, will.message)) {
        auto& duty = model.duties[duty_index];
        if (duty.settled || duty.cancelled || duty.retained_copy || duty.due == never || duty.due <= due) continue;
        duty.due = due;
        duty.description += conn.connect.clean_session
                                ? " (due when client " + quoted(conn.client_id) +
                                      " connected again with Clean Start 1, which ended the will's session)"
                                : " (due when client " + quoted(conn.client_id) +
                                      " connected again and got Session Present 0: the will's session had ended)";
        duty.evidence.push_back(conn.connect_sequence);
        duty.evidence.push_back(event.sequence);
      }
    }
    if (will.early_sequence != 0 &&
        will.early_time >= will.closed_earliest + will.delay_ns - v5_timer_granularity_ns) {
      will.early_sequence = 0;
    }
    return;
  }
  // The server read the CONNECT by the time its CONNACK arrived; if that was before the delay ran out, the
  // will must never be published. After it (within the timer's tolerance) it may already have been.
  if (conn.connect_time > will.closed_time + will.delay_ns + v5_timer_granularity_ns) return;
  for (const auto duty_index : indexed(model.duties_by_message, will.message)) {
    auto& duty = model.duties[duty_index];
    if (!duty.settled && !duty.retained_copy) duty.cancelled = true;
  }
  if (event.time_ns >= will.closed_earliest + will.delay_ns - v5_timer_granularity_ns) {
    will.judged = true;  // the reconnect and the delay's end are too close to tell which came first
    return;
  }
  model.exercise(v5("MQTT-3.1.3-9"));
  will.reconnect_sequence = event.sequence;
  if (will.early_sequence != 0 && !will.judged) {
    will.judged = true;
    model.violation(v5("MQTT-3.1.3-9"),
                    "the will of client " + quoted(conn.client_id) + " was published before its will delay of " +
                        seconds_text(will.delay_ns) + " had run out, and the client connected again within it",
                    {will.closed_sequence, will.early_sequence, event.sequence});
  }
}

void check_delayed_will_copy(ModelState& model, const Connection& owner, std::size_t index, const Event& event) {
  const auto found = model.delayed_wills.find(owner.client_id);
  if (found == model.delayed_wills.end() || found->second.message != index || owner.faulted) return;
  auto& will = found->second;
  if (will.judged) return;
  if (will.reconnect_sequence != 0) {
    will.judged = true;
    model.violation(v5("MQTT-3.1.3-9"),
                    "the will of client " + quoted(owner.client_id) +
                        " was published although the client connected again before its will delay of " +
                        seconds_text(will.delay_ns) + " had run out",
                    {will.closed_sequence, will.reconnect_sequence, event.sequence});
    return;
  }
  if (event.time_ns < will.closed_earliest + will.delay_ns - v5_timer_granularity_ns && will.early_sequence == 0) {
    will.early_sequence = event.sequence;
    will.early_time = event.time_ns;
  }
}

void finish_delayed_wills(ModelState& model) {
  for (auto& [client_id, will] : model.delayed_wills) {
    if (will.judged || will.early_sequence == 0) continue;
    will.judged = true;
    model.judged = ProtocolVersion::v5;
    model.violation(v5("MQTT-3.1.2-8"),
                    "the will of client " + quoted(client_id) + " was published before its will delay of " +
                        seconds_text(will.delay_ns) + " had run out",
                    {will.closed_sequence, will.early_sequence});
  }
}

}  // namespace mqtt::model::detail
