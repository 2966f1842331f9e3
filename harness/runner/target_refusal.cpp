#include "runner/target_refusal.hpp"

#include <fmt/format.h>

#include "codec/reason_codes.hpp"

namespace mqtt::runner {

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
