// Internal to the decoder: an MQTT 5.0 property list, each property checked against where it may appear, how
// often, and the values its statement forbids.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "codec/body_reader.hpp"

namespace mqtt::codec_detail {

inline bool contains(const Properties& properties, PropertyId id) {
  return std::any_of(properties.begin(), properties.end(), [id](const Property& p) { return p.id == id; });
}

// Reads a property length and the properties it spans; `place` is a PropertyPlace, `where` names it in
// errors.
Properties read_properties(Reader& reader, std::uint16_t place, std::string_view where);

}  // namespace mqtt::codec_detail
