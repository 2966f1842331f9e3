#include "model/keepalive.hpp"

#include <cstdio>

namespace mqtt::model::detail {

void check_keepalive_proof(ModelState& model, Connection& conn, const Event& event) {
  if (!conn.accepted || conn.keepalive_reported || conn.connect.keep_alive == 0 || conn.faulted) return;
  const auto deadline =
      conn.last_client_time + conn.connect.keep_alive * 1'500'000'000LL + model.options.keepalive_grace_ns;
  model.exercise("MQTT-3.1.2-24");
  if (event.time_ns > deadline) {
    conn.keepalive_reported = true;
    model.violation("MQTT-3.1.2-24",
                    "the server kept " + client_label(conn) + " connected after " +
                        std::to_string(conn.connect.keep_alive) + " s keep alive x 1.5 of silence",
                    {conn.last_client_sequence, event.sequence});
  }
}

void check_late_keepalive_close(ModelState& model, Connection& conn, const Event& event) {
  if (!conn.accepted || conn.keepalive_reported || conn.connect.keep_alive == 0 || conn.faulted ||
      !conn.close_duties.empty() || conn.disconnect_sent) {
    return;
  }
  check_keepalive_proof(model, conn, event);
  if (conn.keepalive_reported) return;
  const auto limit = conn.last_client_time + conn.connect.keep_alive * 1'500'000'000LL;
  const auto late = event.time_ns - limit;
  if (late > model.options.prompt_close_ns) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(late) / 1e9);
    model.observe_behaviour("late-keepalive-close",
                            "closed the silent connection of " + client_label(conn) + " " + seconds +
                                " s after " + std::to_string(conn.connect.keep_alive) +
                                " s keep alive x 1.5 (within the checker's tolerance)",
                            {conn.last_client_sequence, event.sequence});
  }
}

void finish_keepalive(ModelState& model, Connection& conn, std::int64_t end_time) {
  if (!conn.accepted || conn.connect.keep_alive == 0 || conn.keepalive_reported || conn.faulted) return;
  const auto deadline =
      conn.last_client_time + conn.connect.keep_alive * 1'500'000'000LL + model.options.keepalive_grace_ns;
  if (end_time > deadline) {
    conn.keepalive_reported = true;
    model.violation("MQTT-3.1.2-24",
                    "the server kept " + client_label(conn) + " connected after " +
                        std::to_string(conn.connect.keep_alive) + " s keep alive x 1.5 of silence",
                    {conn.last_client_sequence});
  }
}

}  // namespace mqtt::model::detail
