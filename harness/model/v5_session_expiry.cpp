#include "model/v5_session_expiry.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "model/connection_lifecycle.hpp"
#include "model/delivery_duties.hpp"
#include "model/v5_message_properties.hpp"
#include "model/v5_rejections.hpp"

namespace mqtt::model::detail {
namespace {

constexpr std::uint32_t never_expires = 0xFFFFFFFF;
constexpr std::int64_t nanoseconds_per_second = 1'000'000'000;

enum class Offline : std::uint8_t { not_offline, alive, expired, undecided };

// Whether an offline 5.0 session still existed when the server handled the CONNECT of `conn`: the server read
// it somewhere between its sending and the CONNACK's arrival, and the session ended `expiry` seconds after the
// close, which came between its earliest time and the moment the client noticed it.
Offline offline_session_state(const Session& session, const Connection& conn, std::int64_t connack_time) {
  if (session.connection != 0 || session.version != ProtocolVersion::v5) return Offline::not_offline;
  if (session.expiry == never_expires) return Offline::alive;
  const auto expiry = std::int64_t{session.expiry} * nanoseconds_per_second;
  if (conn.connect_time > session.offline_since + expiry + v5_timer_granularity_ns) return Offline::expired;
  if (connack_time < session.offline_earliest + expiry - v5_timer_granularity_ns) return Offline::alive;
  return Offline::undecided;
}

std::string seconds_text(std::int64_t nanoseconds) {
  return std::to_string(nanoseconds / nanoseconds_per_second) + "." +
         std::to_string(nanoseconds % nanoseconds_per_second / 100'000'000) + " s";
}

}  // namespace

std::int64_t earliest_server_close(const Connection& conn, const Event& event) {
  const auto earliest = history::earliest_time(event);
  return conn.disconnect_sent ? std::min(conn.disconnect_time, earliest) : earliest;
}

void v5_session_at_connack(ModelState& model, Connection& conn, Session& session, const Connack& connack,
                           const Event& event) {
  const bool persistent = conn.v5.session_expiry > 0;
  if (conn.connect.clean_session) {
    model.exercise(v5("MQTT-3.2.2-2"));
    model.exercise(v5("MQTT-3.1.2-4"));
    if (connack.session_present) {
      model.violation(v5("MQTT-3.2.2-2"),
                      "CONNACK for " + client_label(conn) + " with Clean Start 1 has session present 1",
                      {conn.connect_sequence, event.sequence});
    }
    end_generation(model, conn.client_id, event.time_ns, event.sequence);
    start_generation(model, session, persistent, true);
  } else {
    auto existence = session.existence;
    const auto offline = existence == Existence::present ? offline_session_state(session, conn, event.time_ns)
                                                         : Offline::not_offline;
    if (offline == Offline::expired) existence = Existence::absent;
    if (offline == Offline::undecided) existence = Existence::unknown;
    const std::vector<std::uint64_t> evidence{session.existence_sequence, session.offline_sequence,
                                              conn.connect_sequence, event.sequence};
    const auto offline_for = conn.connect_time - session.offline_since;
    bool resumed = false;
    bool doubted = false;
    if (existence == Existence::present) {
      model.exercise(v5("MQTT-3.1.2-5"));
      model.exercise(v5("MQTT-3.2.2-3"));
      if (offline == Offline::alive) model.exercise(v5("MQTT-3.1.2-23"));
      if (!connack.session_present) {
        if (offline == Offline::alive) {
          model.violation(v5("MQTT-3.1.2-23"),
                          "CONNACK for client " + quoted(conn.client_id) + " has session present 0 " +
                              seconds_text(offline_for) + " after its connection closed, although its Session "
                              "Expiry Interval of " + std::to_string(session.expiry) + " s had not run out",
                          evidence);
        } else {
          model.violation(v5("MQTT-3.2.2-3"),
                          "CONNACK for client " + quoted(conn.client_id) +
                              " has session present 0 although its session was held",
                          evidence);
        }
        doubted = session.generation_alive;
      } else {
        resumed = session.generation_alive;
      }
    } else if (existence == Existence::absent) {
      model.exercise(v5("MQTT-3.2.2-3"));
      model.exercise(v5("MQTT-3.1.2-6"));
      if (offline == Offline::expired) model.exercise(v5("MQTT-4.1.0-2"));
      if (connack.session_present && offline == Offline::expired) {
        model.violation(v5("MQTT-4.1.0-2"),
                        "CONNACK for client " + quoted(conn.client_id) + " has session present 1 " +
                            seconds_text(offline_for) + " after its connection closed, although its Session "
                            "Expiry Interval of " + std::to_string(session.expiry) + " s had run out",
                        evidence);
        // The server kept the session: what it delivers through the kept subscriptions follows from that one
        // violation, and is neither owed nor a delivery without a subscription.
        doubted = session.generation_alive;
      } else if (connack.session_present) {
        model.violation(v5("MQTT-3.2.2-3"),
                        "CONNACK for client " + quoted(conn.client_id) +
                            " has session present 1 although no session was held for it",
                        {session.existence_sequence, conn.connect_sequence, event.sequence});
      }
    }
    if (resumed) {
      resume_session_deliveries(model, conn, session, event);
      exercise_expired_while_offline(model, conn, session);
      exercise_rejections_at_resume(model, session);
    } else if (doubted) {
      doubt_session(model, conn, session, event);
    } else {
      end_generation(model, conn.client_id, event.time_ns, event.sequence);
      start_generation(model, session, persistent,
                       !connack.session_present || existence == Existence::absent);
    }
  }
  session.persistent = persistent;
  session.existence = Existence::present;
  session.existence_sequence = event.sequence;
  session.version = ProtocolVersion::v5;
}

void v5_session_at_close(const Connection& conn, Session& session, const Event& event) {
  session.expiry = conn.v5.session_expiry;
  session.persistent = session.expiry > 0;
  session.offline_sequence = event.sequence;
  session.offline_earliest = std::min(session.offline_since, earliest_server_close(conn, event));
  if (!session.persistent) {
    session.existence = Existence::absent;
    session.existence_sequence = event.sequence;
  }
}

}  // namespace mqtt::model::detail
