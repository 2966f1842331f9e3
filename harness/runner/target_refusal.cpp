#include "runner/target_refusal.hpp"

#include <fmt/format.h>

namespace mqtt::runner {

std::string connack_code_meaning(ProtocolVersion version, std::uint8_t code) {
  if (version != ProtocolVersion::v5) {
    switch (code) {
      case 0: return "accepted";
      case 1: return "unacceptable protocol version";
      case 2: return "identifier rejected";
      case 3: return "server unavailable";
      case 4: return "bad user name or password";
      case 5: return "not authorized";
      default: return "reserved";
    }
  }
  switch (code) {
    case 0x00: return "success";
    case 0x80: return "unspecified error";
    case 0x81: return "malformed packet";
    case 0x82: return "protocol error";
    case 0x83: return "implementation specific error";
    case 0x84: return "unsupported protocol version";
    case 0x85: return "client identifier not valid";
    case 0x86: return "bad user name or password";
    case 0x87: return "not authorized";
    case 0x88: return "server unavailable";
    case 0x89: return "server busy";
    case 0x8a: return "banned";
    case 0x8c: return "bad authentication method";
    case 0x90: return "topic name invalid";
    case 0x95: return "packet too large";
    case 0x97: return "quota exceeded";
    case 0x99: return "payload format invalid";
    case 0x9a: return "retain not supported";
    case 0x9b: return "QoS not supported";
    case 0x9c: return "use another server";
    case 0x9d: return "server moved";
    case 0x9f: return "connection rate exceeded";
    default: return "reserved";
  }
}

std::string refused_connect_line(ProtocolVersion version, std::uint8_t code) {
  const bool v5 = version == ProtocolVersion::v5;
  std::string advice;
  if (v5 ? (code == 0x86 || code == 0x87 || code == 0x8c) : (code == 4 || code == 5)) {
    advice = " — check the credentials in --target";
  } else if (v5 ? code == 0x85 : code == 2) {
    advice = " — check the client ids (--prefix puts them in a namespace)";
  } else if (v5 ? code == 0x84 : code == 1) {
    advice = fmt::format(" — the target does not speak MQTT {}", to_string(version));
  }
  return fmt::format("target refused CONNECT: {} code {} ({}){}", v5 ? "reason" : "return", code,
                     connack_code_meaning(version, code), advice);
}

std::string unanswered_connect_line(std::chrono::milliseconds deadline, std::uint64_t connects_sent) {
  return fmt::format("target did not answer CONNECT within {:.1f} s ({} sent)", deadline.count() / 1000.0,
                     connects_sent);
}

}  // namespace mqtt::runner
