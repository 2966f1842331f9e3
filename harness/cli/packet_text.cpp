#include "cli/packet_text.hpp"

#include <fmt/format.h>

#include <type_traits>

namespace mqtt::cli {
namespace {

// Printable payloads are shown as text (truncated); others as a byte count only.
std::string payload_text(const Bytes& payload) {
  constexpr std::size_t shown = 48;
  bool printable = true;
  for (std::uint8_t byte : payload) {
    if (byte < 0x20 || byte == 0x7f) printable = false;
  }
  if (!printable) return fmt::format("({} bytes, binary)", payload.size());
  std::string text(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(std::min(shown, payload.size())));
  return fmt::format("payload=\"{}{}\" ({} bytes)", text, payload.size() > shown ? "…" : "", payload.size());
}

std::string codes_text(const std::vector<std::uint8_t>& codes) {
  std::string out;
  for (std::uint8_t code : codes) out += fmt::format("{}0x{:02x}", out.empty() ? "" : ",", code);
  return out;
}

}  // namespace

std::string packet_text(const Packet& packet) {
  return std::visit(
      [](const auto& value) -> std::string {
        using T = std::decay_t<decltype(value)>;
        const std::string name(to_string(packet_type(Packet(value))));
        if constexpr (std::is_same_v<T, Connect>) {
          std::string will;
          if (value.will) {
            will = fmt::format(" will={}@qos{}{}", value.will->topic, static_cast<int>(value.will->qos),
                               value.will->retain ? ",retain" : "");
          }
          return fmt::format("{} v{} client_id={} clean={} keep_alive={}{}{}", name, to_string(value.version),
                             value.client_id, value.clean_session ? 1 : 0, value.keep_alive, will,
                             value.username ? " user=" + *value.username : "");
        } else if constexpr (std::is_same_v<T, Connack>) {
          return fmt::format("{} session_present={} code=0x{:02x}", name, value.session_present ? 1 : 0,
                             value.reason_code);
        } else if constexpr (std::is_same_v<T, Publish>) {
          return fmt::format("{} topic={} qos={}{} retain={} dup={} {}", name, value.topic,
                             static_cast<int>(value.qos),
                             value.packet_id ? fmt::format(" id={}", *value.packet_id) : "", value.retain ? 1 : 0,
                             value.dup ? 1 : 0, payload_text(value.payload));
        } else if constexpr (std::is_same_v<T, Puback> || std::is_same_v<T, Pubrec> || std::is_same_v<T, Pubrel> ||
                             std::is_same_v<T, Pubcomp>) {
          return fmt::format("{} id={}", name, value.packet_id);
        } else if constexpr (std::is_same_v<T, Subscribe>) {
          std::string filters;
          for (const auto& subscription : value.subscriptions) {
            filters += fmt::format(" {}@qos{}", subscription.filter, static_cast<int>(subscription.qos));
          }
          return fmt::format("{} id={}{}", name, value.packet_id, filters);
        } else if constexpr (std::is_same_v<T, Suback>) {
          return fmt::format("{} id={} codes={}", name, value.packet_id, codes_text(value.reason_codes));
        } else if constexpr (std::is_same_v<T, Unsubscribe>) {
          std::string filters;
          for (const auto& filter : value.filters) filters += " " + filter;
          return fmt::format("{} id={}{}", name, value.packet_id, filters);
        } else if constexpr (std::is_same_v<T, Unsuback>) {
          return fmt::format("{} id={}", name, value.packet_id);
        } else if constexpr (std::is_same_v<T, Disconnect> || std::is_same_v<T, Auth>) {
          return value.version == ProtocolVersion::v5 ? fmt::format("{} code=0x{:02x}", name, value.reason_code)
                                                      : name;
        } else {
          return name;
        }
      },
      packet);
}

std::string event_text(const history::Event& event) {
  const double seconds = static_cast<double>(event.time_ns) / 1e9;
  std::string what;
  switch (event.kind) {
    case history::EventKind::sent:
    case history::EventKind::received:
      what = event.packet ? packet_text(*event.packet) : fmt::format("{} raw bytes", event.raw.size());
      break;
    case history::EventKind::closed:
      what = event.close_reason ? std::string(to_string(*event.close_reason)) : "";
      break;
    case history::EventKind::decode_error:
      what = event.error ? describe(*event.error) : event.detail;
      break;
    case history::EventKind::fault:
      what = event.fault + (event.detail.empty() ? "" : " " + event.detail);
      break;
    default:
      what = event.detail;
  }
  return fmt::format("{:8.3f}s #{} {} {}", seconds, event.connection, to_string(event.kind), what);
}

}  // namespace mqtt::cli
