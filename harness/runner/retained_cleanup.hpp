// After a case: the retained messages its steps left on the target are cleared (an empty retained PUBLISH per
// topic) from a connection of its own, so the next case finds no retained message it did not publish.
#pragma once

#include <chrono>
#include <set>
#include <string>

#include "client/connection.hpp"
#include "client/recorder.hpp"
#include "client/target_url.hpp"
#include "codec/packet.hpp"

namespace mqtt::runner {

struct RetainedCleanup {
  client::EventLoop& loop;
  client::Recorder& recorder;
  const client::TargetUrl& target;
  ProtocolVersion version;
  std::string client_id;  // derived from the case's nonce, so parallel cases do not take over each other
  QoS qos;                // what the target takes (QoS 1 unless its profile declares QoS 0 only)
};

// Best effort within `deadline`: a target that refuses the clean-up connection leaves the topics as they are.
void clear_retained_topics(const RetainedCleanup& cleanup, const std::set<std::string>& topics,
                           std::chrono::steady_clock::time_point deadline);

}  // namespace mqtt::runner
