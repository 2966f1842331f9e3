#include "model/v5_disconnect.hpp"

#include <string>

#include "codec/reason_codes.hpp"
#include "model/policing.hpp"
#include "model/property_values.hpp"

namespace mqtt::model::detail {
namespace {

std::string reason_text(std::uint8_t code) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string text = "0x";
  text += digits[code >> 4];
  text += digits[code & 0x0F];
  return text + " (" + std::string(reason_code_meaning(code)) + ")";
}

}  // namespace

void on_v5_client_disconnect(ModelState& model, Connection& conn, const Disconnect& disconnect, const Event& event) {
  (void)event;
  conn.v5.will_discarded = disconnect.reason_code == 0x00;
  if (conn.connect.will) model.exercise(v5(conn.v5.will_discarded ? "MQTT-3.14.4-3" : "MQTT-3.1.2-8"));
  // A non-zero expiry after a CONNECT that said 0 is the client's protocol error; the session's fate is then
  // the server's choice, so the checker keeps the CONNECT's 0.
  const auto expiry = integer_property(disconnect.properties, PropertyId::session_expiry_interval);
  if (expiry && (conn.v5.session_expiry != 0 || *expiry == 0)) conn.v5.session_expiry = *expiry;
}

void on_v5_server_disconnect(ModelState& model, Connection& conn, const Disconnect& disconnect, const Event& event) {
  const auto code = disconnect.reason_code;
  model.exercise(v5("MQTT-3.14.0-1"));
  model.exercise(v5("MQTT-3.14.2-1"));
  model.exercise(v5("MQTT-3.14.4-1"));
  model.exercise(v5("MQTT-3.14.4-2"));
  model.exercise(v5("MQTT-3.14.2-2"));
  if (has_property(disconnect.properties, PropertyId::session_expiry_interval)) {
    model.violation(v5("MQTT-3.14.2-2"),
                    "the server's DISCONNECT " + reason_text(code) + " to " + client_label(conn) +
                        " carries a Session Expiry Interval, which only a client may send",
                    {event.sequence});
  }
  if (!conn.accepted) {
    model.violation(v5("MQTT-3.14.0-1"),
                    "the server sent DISCONNECT " + reason_text(code) + " to " + client_label(conn) +
                        " before a CONNACK accepting the connection",
                    {conn.connect_sequence, event.sequence});
  } else if (code == 0x04) {
    model.violation(v5("MQTT-3.14.2-1"),
                    "the server sent DISCONNECT with reason 0x04 (Disconnect with Will Message), a reason only a "
                    "client may send, to " + client_label(conn),
                    {event.sequence});
  } else if ((code == 0x94 || code == 0x82) && conn.v5.last_aliased_publish_sequence != 0 &&
             conn.v5.last_aliased_publish_sequence == conn.last_client_sequence && !conn.client_violation) {
    model.violation(v5("MQTT-3.3.2-12"),
                    "the server answered a PUBLISH from " + client_label(conn) +
                        " that used a topic alias within the Topic Alias Maximum of its CONNACK with DISCONNECT " +
                        reason_text(code),
                    {conn.connack_sequence, conn.v5.last_aliased_publish_sequence, event.sequence});
  }
  conn.v5.server_disconnected = true;
  conn.v5.server_disconnect_reason = code;
  conn.v5.server_disconnect_sequence = event.sequence;
  conn.v5.server_disconnect_time = event.time_ns;
}

void on_v5_close(ModelState& model, const Connection& conn, const Event& event, bool by_server) {
  if (!conn.v5.server_disconnected || by_server || conn.faulted) return;
  // The client closed first: past the grace, the server had not closed after its own DISCONNECT.
  if (event.time_ns > conn.v5.server_disconnect_time + model.options.close_grace_ns) {
    // After a failed re-authentication the close is that rule's (v5_auth.cpp).
    model.violation(v5(conn.v5.reauthentication_failed ? "MQTT-4.12.1-2" : "MQTT-3.14.4-2"),
                    "the server did not close the connection of " + client_label(conn) +
                        " after sending DISCONNECT",
                    {conn.v5.server_disconnect_sequence, event.sequence});
  }
}

void on_v5_client_auth(ModelState& model, Connection& conn, const Event& event) {
  if (conn.v5.authentication_method) return;  // enhanced authentication: not judged
  // A protocol error the server must close on [MQTT-4.13.1-1].
  protocol_violation(model, conn, event, v5("MQTT-4.12.0-7"),
                     "it sent AUTH although its CONNECT named no Authentication Method", {});
}

void on_v5_server_auth(ModelState& model, const Connection& conn, const Event& event) {
  model.exercise(v5("MQTT-4.12.0-6"));
  if (conn.v5.authentication_method) return;
  model.violation(v5("MQTT-4.12.0-6"),
                  "the server sent AUTH to " + client_label(conn) +
                      " although its CONNECT named no Authentication Method",
                  {conn.connect_sequence, event.sequence});
}

}  // namespace mqtt::model::detail
