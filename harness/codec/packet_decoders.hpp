// Internal to the decoder: the variable header and payload of each packet type, after the fixed header.
#pragma once

#include <cstdint>

#include "codec/body_reader.hpp"

namespace mqtt::codec_detail {

// Decodes the body `reader` spans as a packet of reader.type(); `flags` are the fixed header's low four bits.
Packet decode_body(Reader& reader, std::uint8_t flags);

}  // namespace mqtt::codec_detail
