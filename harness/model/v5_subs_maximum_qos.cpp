#include "model/v5_subs_maximum_qos.hpp"

#include <cstdio>

#include "model/requests.hpp"
#include "model/statement_citation.hpp"

namespace mqtt::model::detail {

namespace {

std::string hex(std::uint8_t code) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", code);
  return text;
}

constexpr std::uint8_t qos_not_supported = 0x9B;

}  // namespace

void exercise_declared_maximum_qos(ModelState& model, const Connection& conn) {
  if (conn.accepted) model.exercise(v5("MQTT-3.2.2-9"));
}

void judge_undeclared_maximum_qos(ModelState& model, const Connection& conn, const Disconnect& disconnect,
                                  const Event& event) {
  // 0x9B answers a PUBLISH above the CONNACK's Maximum QoS; the client's own violation (v5_flow.cpp) makes it due.
  if (disconnect.reason_code != qos_not_supported || !conn.accepted || conn.client_violation) return;
  model.exercise(v5("MQTT-3.2.2-9"));
  model.violation(v5("MQTT-3.2.2-9"),
                  "the server closed " + client_label(conn) + " with DISCONNECT 0x9B (QoS not supported) although " +
                      "its CONNACK declared Maximum QoS " + std::to_string(conn.v5.maximum_qos) +
                      (conn.v5.maximum_qos == 2 ? " (no Maximum QoS property)" : "") +
                      " and the client published nothing above it",
                  {conn.connack_sequence, conn.last_client_sequence, event.sequence});
}

void judge_subscription_above_maximum_qos(ModelState& model, Connection& conn, const Suback& suback,
                                          const Event& event) {
  if (!conn.accepted || conn.v5.maximum_qos >= 2) return;
  const auto request = find_request(conn, PacketType::suback, suback.packet_id);
  if (request == conn.requests.end() || request->invalid_filter) return;
  const auto& asked = request->subscriptions;
  if (suback.reason_codes.size() != asked.size()) return;  // the count has its own rule (MQTT-3.8.4-6)
  const int maximum = conn.v5.maximum_qos;
  for (std::size_t above = 0; above < asked.size(); ++above) {
    if (level_of(asked[above].qos) <= maximum) continue;
    for (std::size_t within = 0; within < asked.size(); ++within) {
      if (asked[within].filter != asked[above].filter || level_of(asked[within].qos) > maximum ||
          suback.reason_codes[within] >= 0x80) {
        continue;
      }
      model.exercise(v5("MQTT-3.2.2-10"));
      const auto code = suback.reason_codes[above];
      if (code >= 0x80) {
        model.violation(v5("MQTT-3.2.2-10"),
                        "the server refused (" + hex(code) + ") the subscription to " + quoted(asked[above].filter) +
                            " requested at QoS " + std::to_string(level_of(asked[above].qos)) + " by " +
                            client_label(conn) + ", granting the same filter at QoS " +
                            std::to_string(suback.reason_codes[within]) + "; below its Maximum QoS " +
                            std::to_string(maximum) + " it must accept the request and grant less",
                        {conn.connack_sequence, request->sequence, event.sequence});
      }
      break;
    }
  }
}

}  // namespace mqtt::model::detail
