// MQTT 5.0 properties as the broker reads and forwards them: typed look-ups, the properties a message carries
// unchanged from publisher to subscriber, and the Message Expiry Interval counted down while a message waits.
// Pure functions; the clock reading comes in as an argument.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "broker/session.hpp"
#include "codec/packet.hpp"

namespace mqtt::broker {

// The first property with this id, when its value has the expected wire type.
std::optional<std::uint32_t> find_u32(const Properties& properties, PropertyId id);
std::optional<std::uint16_t> find_u16(const Properties& properties, PropertyId id);
std::optional<std::uint8_t> find_u8(const Properties& properties, PropertyId id);
std::optional<std::string> find_string(const Properties& properties, PropertyId id);
bool contains(const Properties& properties, PropertyId id);

// Appends one property (assigned in place: GCC 12 misreads a moved Property temporary as uninitialised).
template <typename Value>
void add_property(Properties& properties, PropertyId id, Value value) {
  Property& property = properties.emplace_back();
  property.id = id;
  property.value = std::move(value);
}

// The properties the server must pass on unaltered [MQTT-3.3.2-4, -15, -16, -17, -18, -20], in the order the
// publisher sent them: Payload Format Indicator, Content Type, Response Topic, Correlation Data, User Properties.
// The rest (Topic Alias, Message Expiry Interval, Subscription Identifier, will-only properties) are per hop.
Properties forwarded_properties(const Properties& properties);

// True when the message carries a Message Expiry Interval that has run out by `now` [MQTT-3.3.2-5].
bool expired(const Message& message, Clock::time_point now);

// The Message Expiry Interval to send on: the received value minus the whole seconds it has waited in the
// server [MQTT-3.3.2-6] (never below 0); nullopt when the message carries none.
std::optional<std::uint32_t> remaining_expiry(const Message& message, Clock::time_point now);

}  // namespace mqtt::broker
