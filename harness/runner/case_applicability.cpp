#include "runner/case_applicability.hpp"

#include <array>
#include <map>
#include <tuple>
#include <set>
#include <variant>

#include "model/property_values.hpp"

namespace mqtt::runner {

namespace {

constexpr std::array<std::string_view, 7> capability_names = {"maximum_qos_below_2", "retain_unavailable",
                                                              "long_form_acknowledgements",
                                                              "authentication_method_supported",
                                                              "overlap_single_copy",
                                                              "overlap_copy_per_subscription",
                                                              "websocket_transport"};

// A WebSocket case applies when a connection of its run went through the upgrade (its open event says what the
// upgrade agreed); over mqtt:// or mqtts:// the runner does not start it, and nothing was wrong.
std::optional<std::string> websocket_use(const history::History& history) {
  for (const auto& event : history.events) {
    const bool opening = event.kind == history::EventKind::open || event.kind == history::EventKind::open_failed;
    if (opening && event.websocket) return std::nullopt;
  }
  return "not applicable: the target is not reached over WebSocket (ws:// or wss://), and the case is about "
         "WebSocket framing";
}

// The successful 5.0 CONNACKs the server sent, in history order.
std::vector<const Connack*> accepted_connacks(const history::History& history) {
  std::vector<const Connack*> found;
  for (const auto& event : history.events) {
    if (event.kind != history::EventKind::received || !event.packet) continue;
    const auto* connack = std::get_if<Connack>(&*event.packet);
    if (connack != nullptr && connack->version == ProtocolVersion::v5 && connack->reason_code < 0x80) {
      found.push_back(connack);
    }
  }
  return found;
}

// The same test the model uses to see a written reason code: an acknowledgement is 4 bytes in its short form
// (fixed header, packet id), so anything longer carries the reason code.
bool is_acknowledgement(const Packet& packet) {
  return std::holds_alternative<Puback>(packet) || std::holds_alternative<Pubrec>(packet) ||
         std::holds_alternative<Pubrel>(packet) || std::holds_alternative<Pubcomp>(packet);
}

std::optional<std::string> acknowledgement_form(const history::History& history, bool finished) {
  if (!finished) return std::nullopt;
  std::size_t short_form = 0;
  for (const auto& event : history.events) {
    if (event.kind != history::EventKind::received || !event.packet || !is_acknowledgement(*event.packet)) continue;
    if (event.raw.size() > 4) return std::nullopt;
    ++short_form;
  }
  if (short_form == 0) return std::nullopt;
  return "not applicable: the broker wrote all " + std::to_string(short_form) +
         " of its PUBACK, PUBREC, PUBREL and PUBCOMP packets in the short form (reason code 0x00 left out, which is "
         "legal), so no written reason code was there to judge";
}

// Enhanced authentication: which methods a server supports is its choice. It supports the one a CONNECT named
// when it answered with AUTH or with a successful CONNACK naming a method; it does not when it answered that CONNECT
// with a refusal or closed the connection with neither. Anything else (no such CONNECT answered) cannot tell.
std::optional<std::string> authentication_support(const history::History& history) {
  std::set<std::uint32_t> asking;  // connections whose CONNECT named an Authentication Method
  std::optional<std::string> refusal;
  for (const auto& event : history.events) {
    if (event.kind == history::EventKind::sent && event.packet) {
      const auto* connect = std::get_if<Connect>(&*event.packet);
      if (connect != nullptr && model::detail::has_property(connect->properties, PropertyId::authentication_method)) {
        asking.insert(event.connection);
      }
      continue;
    }
    if (!asking.contains(event.connection)) continue;
    if (event.kind == history::EventKind::closed && !refusal) {
      refusal = "not applicable: the broker closed the connection of a CONNECT naming an Authentication Method "
                "without an AUTH or a CONNACK (it does not support the method)";
      continue;
    }
    if (event.kind != history::EventKind::received || !event.packet) continue;
    if (std::holds_alternative<Auth>(*event.packet)) return std::nullopt;
    const auto* connack = std::get_if<Connack>(&*event.packet);
    if (connack == nullptr) continue;
    // Accepted, with the method or without it (which the model judges, MQTT-4.12.0-1): the case applies.
    if (connack->reason_code < 0x80) return std::nullopt;
    if (!refusal) {
      constexpr std::string_view digits = "0123456789ABCDEF";
      refusal = std::string("not applicable: the broker refused the CONNECT naming an Authentication Method with "
                            "CONNACK 0x") + digits[connack->reason_code >> 4] + digits[connack->reason_code & 0x0F] +
                " (it does not support the method)";
    }
    asking.erase(event.connection);  // its close is the refusal's, not a second answer
  }
  return refusal;
}

// Overlapping subscriptions: one copy of a message for all of them, or one per subscription, is the server's choice
// (3.3.4). A finished run shows which: the same topic and payload arriving more than once (first sends, DUP 0) on
// one connection is one copy per subscription. A run with no PUBLISH received cannot tell.
std::optional<std::string> overlap_copies(const history::History& history, bool finished, bool want_single) {
  if (!finished) return std::nullopt;
  std::map<std::tuple<std::uint32_t, std::string, std::string>, int> copies;
  bool per_subscription = false;
  for (const auto& event : history.events) {
    if (event.kind != history::EventKind::received || !event.packet) continue;
    const auto* publish = std::get_if<Publish>(&*event.packet);
    if (publish == nullptr || publish->dup) continue;
    const std::string payload(publish->payload.begin(), publish->payload.end());
    if (++copies[{event.connection, publish->topic, payload}] > 1) per_subscription = true;
  }
  if (copies.empty()) return std::nullopt;
  if (per_subscription == !want_single) return std::nullopt;
  return per_subscription ? std::string("not applicable: the broker sent one copy per overlapping subscription")
                          : std::string("not applicable: the broker sent one copy for all overlapping subscriptions");
}

}  // namespace

std::string_view to_string(BrokerCapability capability) {
  return capability_names[static_cast<std::size_t>(capability)];
}

std::optional<BrokerCapability> parse_broker_capability(std::string_view name) {
  for (std::size_t index = 0; index < capability_names.size(); ++index) {
    if (capability_names[index] == name) return static_cast<BrokerCapability>(index);
  }
  return std::nullopt;
}

std::span<const std::string_view> known_broker_capabilities() { return capability_names; }

std::optional<std::string> not_applicable_reason(BrokerCapability capability, const history::History& history,
                                                 bool finished) {
  if (capability == BrokerCapability::long_form_acknowledgements) return acknowledgement_form(history, finished);
  if (capability == BrokerCapability::authentication_method_supported) return authentication_support(history);
  if (capability == BrokerCapability::overlap_single_copy) return overlap_copies(history, finished, true);
  if (capability == BrokerCapability::overlap_copy_per_subscription) return overlap_copies(history, finished, false);
  if (capability == BrokerCapability::websocket_transport) return websocket_use(history);
  const auto connacks = accepted_connacks(history);
  if (connacks.empty()) return std::nullopt;
  // The case applies when any CONNACK of its run declared the capability; otherwise the first one says why not.
  for (const auto* connack : connacks) {
    if (capability == BrokerCapability::maximum_qos_below_2) {
      const auto maximum = model::detail::integer_property(connack->properties, PropertyId::maximum_qos);
      if (maximum && *maximum < 2) return std::nullopt;
    } else {
      const auto available = model::detail::integer_property(connack->properties, PropertyId::retain_available);
      if (available && *available == 0) return std::nullopt;
    }
  }
  const auto& first = connacks.front()->properties;
  if (capability == BrokerCapability::maximum_qos_below_2) {
    const auto maximum = model::detail::integer_property(first, PropertyId::maximum_qos);
    return maximum ? "not applicable: the broker declared Maximum QoS " + std::to_string(*maximum)
                   : std::string("not applicable: the broker declared no Maximum QoS (it accepts QoS 2)");
  }
  return model::detail::has_property(first, PropertyId::retain_available)
             ? std::string("not applicable: the broker declared Retain Available 1")
             : std::string("not applicable: the broker declared no Retain Available (retained messages are available)");
}

}  // namespace mqtt::runner
