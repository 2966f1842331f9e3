#include "runner/case_applicability.hpp"

#include <array>
#include <variant>

#include "model/property_values.hpp"

namespace mqtt::runner {

namespace {

constexpr std::array<std::string_view, 3> capability_names = {"maximum_qos_below_2", "retain_unavailable",
                                                              "long_form_acknowledgements"};

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
