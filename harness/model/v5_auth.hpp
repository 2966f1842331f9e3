// MQTT 5.0 enhanced authentication (section 4.12), judged from what the server does with a CONNECT that named an
// Authentication Method: an AUTH asking for more data carries 0x18 [MQTT-4.12.0-2] and one of AUTH's reason codes
// [MQTT-3.15.2-1]; every AUTH and a successful CONNACK carry the CONNECT's method [MQTT-4.12.0-5]; a server that
// does not take the method up (no AUTH, no method in its CONNACK) had to refuse and close [MQTT-4.12.0-1]; one that
// rejects the exchange after its AUTH closes the connection [MQTT-4.12.0-4]. Which methods a server supports is its
// own choice: the rules judge only what the exchange itself shows.
#pragma once

#include "model/model_state.hpp"

namespace mqtt::model::detail {

// A decoded AUTH from the server on a connection whose CONNECT named an Authentication Method.
void judge_server_auth(ModelState& model, Connection& conn, const Auth& auth, const Event& event);

// The client's AUTH on an accepted connection: 0x19 starts a re-authentication.
void note_client_auth(Connection& conn, const Auth& auth, const Event& event);

// The server's DISCONNECT: during a re-authentication it ends it as failed, and the close it owes is the
// re-authentication's [MQTT-4.12.1-2] (v5_disconnect.cpp judges the close).
void judge_reauthentication_disconnect(ModelState& model, Connection& conn);

// A successful 5.0 CONNACK: the method it names, if the CONNECT named one.
void judge_authentication_connack(ModelState& model, const Connection& conn, const Connack& connack,
                                  const Event& event);

// A CONNECT naming an Authentication Method invites a refusal: the server may not support the method
// [MQTT-4.12.0-1], or may reject the exchange it started [MQTT-4.12.0-4]; neither leaves anything unresolved.
bool authentication_refusal_invited(const Connection& conn);

// A refusing 5.0 CONNACK, after its close duty was added (`duty`): after the server's AUTH the refusal ends an
// exchange [MQTT-4.12.0-4]; without one it refuses the method [MQTT-4.12.0-1].
void judge_authentication_refusal(ModelState& model, const Connection& conn, CloseDuty& duty);

}  // namespace mqtt::model::detail
