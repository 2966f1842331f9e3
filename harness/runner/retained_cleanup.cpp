#include "runner/retained_cleanup.hpp"

#include <algorithm>
#include <variant>

#include "client/session.hpp"

namespace mqtt::runner {

void clear_retained_topics(const RetainedCleanup& cleanup, const std::set<std::string>& topics,
                           std::chrono::steady_clock::time_point deadline) {
  if (topics.empty()) return;
  const auto left = [deadline] {
    return std::max(client::Duration::zero(), client::Duration(deadline - std::chrono::steady_clock::now()));
  };
  cleanup.recorder.note("runner", "clean-up: clearing " + std::to_string(topics.size()) + " retained topic(s)");
  client::OpenOptions open_options;
  open_options.actor = "cleanup";
  open_options.deadline = left();
  open_options.version = cleanup.version;
  auto opened = client::Session::open(cleanup.loop, cleanup.recorder, cleanup.target, open_options, {});
  auto* session = std::get_if<client::Session>(&opened);
  if (session == nullptr) return;
  Connect connect;
  connect.version = cleanup.version;
  connect.client_id = cleanup.client_id;
  connect.keep_alive = 0;
  if (session->connect(connect, left()).ok()) {
    for (const auto& topic : topics) {
      Publish clear;
      clear.version = cleanup.version;
      clear.qos = cleanup.qos;
      clear.retain = true;
      clear.topic = topic;
      session->publish(clear, left());
    }
  }
  session->disconnect();
}

}  // namespace mqtt::runner
