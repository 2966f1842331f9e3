// The packets a case step sends, built from the step's templates with placeholders substituted (`text` does the
// substitution), for either protocol version. MQTT 5.0 property order is fixed here, user properties last in the
// order the step gives, so what the broker forwards can be compared with what was sent.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "codec/packet.hpp"
#include "runner/case.hpp"

namespace mqtt::runner {

using SubstituteText = std::function<std::string(const std::string&)>;

// A connect step's properties over the client's defaults (a member the step sets wins).
Properties connect_properties(const ConnectPropertiesTemplate& step, const ConnectPropertiesTemplate& defaults,
                              const SubstituteText& text);
Properties message_properties(const MessagePropertiesTemplate& message, const SubstituteText& text);
Properties will_properties(const WillTemplate& will, const SubstituteText& text);
Properties user_properties(const std::vector<StringPair>& pairs, const SubstituteText& text);
// SUBSCRIBE: the subscription identifier, then user properties.
Properties subscribe_properties(const Step& step, const SubstituteText& text);
// DISCONNECT: a new Session Expiry Interval, then user properties.
Properties disconnect_properties(const Step& step, const SubstituteText& text);

// The CONNECT of a connect step (client id already chosen); the will's properties and the CONNECT's for 5.0.
Connect connect_packet(const Step& step, const ClientDefaults& defaults, ProtocolVersion version,
                       std::string client_id, const SubstituteText& text);
// One PUBLISH of a publish step; the payload is chosen by the caller.
Publish publish_packet(const Step& step, ProtocolVersion version, const SubstituteText& text);
// The subscriptions of a subscribe step, options included (5.0 only on the wire).
std::vector<Subscription> subscriptions_of(const Step& step, const SubstituteText& text);

// The packet a wait step waits for (WaitFor::close waits for no packet: PINGRESP, unused).
PacketType awaited_packet(WaitFor wait_for);

}  // namespace mqtt::runner
