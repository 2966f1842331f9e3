// How the checker recognises one application message across a history: a payload "mh1 <token>" names the
// message uniquely (the runner and fleets stamp such tokens); any other payload falls back to a 112-bit digest of
// topic and bytes (equal topic and bytes, equal key; different ones collide with probability 2^-112).
#pragma once

#include <string>
#include <string_view>

#include "codec/packet.hpp"

namespace mqtt::model {

struct MessageIdentity {
  std::string key;          // equal keys mean the same message (tokened) or indistinguishable ones (fallback)
  bool tokened = false;     // true when the key comes from an "mh1 " token, so it names exactly one message
  friend bool operator==(const MessageIdentity&, const MessageIdentity&) = default;
};

MessageIdentity identify_message(std::string_view topic, const Bytes& payload);

}  // namespace mqtt::model
