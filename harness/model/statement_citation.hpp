// Which specification a verdict cites. The shared rule units (sessions, requests, deliveries, retained store,
// wills, keep alive, ordering) were written against MQTT 3.1.1 and cite its ids; the same rule lives under
// another id in MQTT 5.0, and the same id often means something else there (MQTT-3.1.2-24 is keep alive in
// 3.1.1 and the client's Maximum Packet Size in 5.0). So every statement leaves the model through one
// translation: on a connection whose CONNECT said protocol level 5, a 3.1.1 id becomes the 5.0 id of the same
// rule, or nothing when 5.0 has no such rule (the verdict is then dropped: allowed is never a violation), and
// no 3.1.1 id is ever cited for a 5.0 session. Rules that exist only in 5.0 cite their 5.0 id directly,
// marked with v5() so that no translation touches them.
#pragma once

#include <string>
#include <string_view>

#include "codec/packet.hpp"

namespace mqtt::model::detail {

// A 5.0 statement id, exactly as the 5.0 catalog spells it, marked so that it is cited as it is.
std::string v5(std::string_view statement);

// Whether `statement` carries the v5() mark.
bool marked_v5(std::string_view statement);

// The id to cite for `statement` on a connection of `version`: a v5()-marked id without its mark; else 3.1 and
// 3.1.1 connections cite the 3.1.1 id unchanged and 5.0 connections its 5.0 counterpart ("" when 5.0 has
// none).
std::string cited_statement(ProtocolVersion version, std::string_view statement);

// The catalog `statement` is cited from on a connection of `version`: "3.1.1" (also for 3.1), or "5.0" on a
// 5.0 connection and for a v5()-marked id (a 5.0 rule judged while another connection's event is handled).
std::string_view cited_spec(ProtocolVersion version, std::string_view statement = {});

}  // namespace mqtt::model::detail
