#include "runner/case.hpp"

#include <algorithm>
#include <array>

namespace mqtt::runner {

std::string_view to_string(StepKind kind) {
  switch (kind) {
    case StepKind::connect: return "connect";
    case StepKind::open: return "open";
    case StepKind::subscribe: return "subscribe";
    case StepKind::unsubscribe: return "unsubscribe";
    case StepKind::publish: return "publish";
    case StepKind::disconnect: return "disconnect";
    case StepKind::drop: return "drop";
    case StepKind::silence: return "silence";
    case StepKind::send: return "send";
    case StepKind::wait: return "wait";
    case StepKind::settle: return "settle";
    case StepKind::note: return "note";
    case StepKind::pause: return "pause";
    case StepKind::acknowledge: return "acknowledge";
  }
  return "unknown";
}

std::string_view to_string(WaitFor wait_for) {
  switch (wait_for) {
    case WaitFor::close: return "close";
    case WaitFor::connack: return "connack";
    case WaitFor::publish: return "publish";
    case WaitFor::suback: return "suback";
    case WaitFor::unsuback: return "unsuback";
    case WaitFor::puback: return "puback";
    case WaitFor::pubrec: return "pubrec";
    case WaitFor::pubrel: return "pubrel";
    case WaitFor::pubcomp: return "pubcomp";
    case WaitFor::pingresp: return "pingresp";
    case WaitFor::auth: return "auth";
  }
  return "unknown";
}

bool MessagePropertiesTemplate::empty() const {
  return !message_expiry && !payload_format && !content_type && !response_topic && !correlation_data &&
         !correlation_bytes && user_properties.empty();
}

std::vector<std::string> Case::client_names() const {
  std::vector<std::string> names;
  for (const Step& step : steps) {
    if (!step.client.empty() && std::find(names.begin(), names.end(), step.client) == names.end()) {
      names.push_back(step.client);
    }
  }
  return names;
}

std::span<const std::string_view> known_requirements() {
  static constexpr std::array<std::string_view, 10> names = {
      "credentials",       "acl_denied_topic", "max_qos",          "zero_length_client_id", "max_packet_size",
      "max_topic_length",  "max_client_id_length", "max_queue_depth", "retain_available",  "wildcards"};
  return names;
}

}  // namespace mqtt::runner
