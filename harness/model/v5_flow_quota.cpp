#include "model/v5_flow_quota.hpp"

#include <algorithm>

#include "model/requests.hpp"

namespace mqtt::model::detail {

void note_request_at_zero_quota(ModelState& model, Connection& conn, const Event& event) {
  if (conn.requests.empty() || conn.requests.back().sequence != event.sequence) return;
  // Every QoS 1/2 PUBLISH the server sent uses a unit of its quota until PUBACK, PUBCOMP or a refusing PUBREC
  // (check_receive_maximum in v5_flow.cpp counts the same flights).
  if (conn.server_flights.size() < conn.v5.client_receive_maximum) return;
  conn.requests.back().at_zero_send_quota = true;
  model.exercise(v5("MQTT-3.3.4-10"));
}

void judge_answers_held_at_zero_quota(ModelState& model, Connection& conn, const Event& event) {
  if (!requests_owed(conn)) return;
  const auto held = [&](const Request& request) {
    return request.at_zero_send_quota && event.time_ns > request.time + model.options.close_grace_ns;
  };
  for (const auto& request : conn.requests) {
    if (!held(request)) continue;
    model.violation(v5("MQTT-3.3.4-10"),
                    "the server had not sent " + request_description(request) + " to " + client_label(conn) +
                        " when the client acknowledged a delivery: it held the answer back while its send quota "
                        "(the client's Receive Maximum) was used up",
                    {request.sequence, event.sequence});
  }
  conn.requests.erase(std::remove_if(conn.requests.begin(), conn.requests.end(), held), conn.requests.end());
}

}  // namespace mqtt::model::detail
