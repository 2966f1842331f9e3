// MQTT over WebSocket (section 6 of both versions, same ids): what the history of a ws:// or wss:// connection
// shows about framing and the sub-protocol. The client (or the capture analyser, from captured traffic) records
// the sub-protocols offered and the server's choice on the `open` event, a `note` per data message received with
// its opcode, and on a `sent` packet how it was framed (history/event.hpp, WebSocketDetail).
//   MQTT-6.0.0-1  MQTT goes in binary frames: a text message from the server is a violation; after a packet the
//                 client sent in a text frame, the server owes a close (a close duty, policing.hpp).
//   MQTT-6.0.0-2  packets need not line up with frames: a server that closes the connection after a packet split
//                 across frames (or sharing one with the next), before answering anything (and not because a
//                 new connection took its client id over), refused it.
//   MQTT-6.0.0-4  offered "mqtt", the server must choose it.
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// An `open` event: the sub-protocol the server chose [MQTT-6.0.0-4].
void on_websocket_open(ModelState& model, const Event& event);
// A `note` event: a data message the server sent, with its opcode [MQTT-6.0.0-1].
void on_websocket_message(ModelState& model, const Event& event);
// A `sent` event carrying a case's framing. True when the framing decided the packet's fate (a text frame: the
// server must close, not act on it), so the caller judges the packet no further.
bool on_websocket_send(ModelState& model, Connection& conn, const Event& event);
// Any packet from the server: it read past the split packet.
void on_websocket_server_packet(Connection& conn);
// The connection closed: a server's close right after a split packet refused it [MQTT-6.0.0-2].
void on_websocket_close(ModelState& model, Connection& conn, const Event& event);

}  // namespace mqtt::model::detail
