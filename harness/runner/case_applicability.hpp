// When a case applies: some MQTT 5.0 rules bind only a broker that declared a capability in its CONNACK (a Maximum
// QoS below 2, Retain Available 0) or chose a legal form (reason codes written on acknowledgements). A case says so
// with `applies_when` (docs/conformance-cases.md); after it ran, the recorded history decides. A broker that showed
// the capability is judged as usual; one that showed it does not have it gets `skipped` with the reason, never a
// pass and never "inconclusive": it did nothing wrong and nothing was left unexercised that it owed.
// Pure: reads the history only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "history/event.hpp"

namespace mqtt::runner {

enum class BrokerCapability : std::uint8_t {
  maximum_qos_below_2,         // a successful 5.0 CONNACK declared Maximum QoS 0 or 1
  retain_unavailable,          // a successful 5.0 CONNACK declared Retain Available 0
  long_form_acknowledgements,  // the server wrote the reason code on a PUBACK, PUBREC, PUBREL or PUBCOMP
  authentication_method_supported,  // the server took up a CONNECT's Authentication Method (AUTH, or a CONNACK naming it)
  overlap_single_copy,              // no topic and payload arrived twice (DUP 0) on one connection
  overlap_copy_per_subscription,    // some topic and payload arrived twice (DUP 0) on one connection
  websocket_transport,  // the target was reached over WebSocket (ws:// or wss://): the case is about its framing
};

std::string_view to_string(BrokerCapability capability);
std::optional<BrokerCapability> parse_broker_capability(std::string_view name);
std::span<const std::string_view> known_broker_capabilities();

// Why the case does not apply to the broker that made `history` ("not applicable: the broker declared Maximum QoS
// 2"), or nullopt when it applies or the history cannot tell: no successful 5.0 CONNACK was received, or (for the
// acknowledgement form) no acknowledgement at all, or the run did not finish (`finished` false), so silence proves
// nothing. A CONNACK's declaration stands however the run went on; the absence of a long form needs a run that
// finished.
std::optional<std::string> not_applicable_reason(BrokerCapability capability, const history::History& history,
                                                 bool finished);

}  // namespace mqtt::runner
