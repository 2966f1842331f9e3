#include "capture/replay_plan.hpp"

#include <algorithm>
#include <map>

namespace mqtt::capture {

std::string prefixed_topic(const std::string& prefix, const std::string& topic) {
  if (prefix.empty() || topic.empty() || topic.starts_with('$')) return topic;
  return prefix + "/" + topic;
}

std::string prefixed_filter(const std::string& prefix, const std::string& filter) {
  if (filter.starts_with("$share/")) {
    const auto slash = filter.find('/', 7);
    if (slash == std::string::npos) return filter;
    return filter.substr(0, slash + 1) + prefixed_topic(prefix, filter.substr(slash + 1));
  }
  return prefixed_topic(prefix, filter);
}

std::string unprefixed_topic(const std::string& prefix, const std::string& topic) {
  const std::string head = prefix + "/";
  if (!prefix.empty() && topic.starts_with(head)) return topic.substr(head.size());
  return topic;
}

namespace {

Packet with_prefix(Packet packet, const std::string& prefix) {
  if (prefix.empty()) return packet;
  if (auto* connect = std::get_if<Connect>(&packet)) {
    if (!connect->client_id.empty()) connect->client_id = prefix + "-" + connect->client_id;
    if (connect->will) connect->will->topic = prefixed_topic(prefix, connect->will->topic);
  } else if (auto* publish = std::get_if<Publish>(&packet)) {
    publish->topic = prefixed_topic(prefix, publish->topic);
  } else if (auto* subscribe = std::get_if<Subscribe>(&packet)) {
    for (auto& subscription : subscribe->subscriptions) {
      subscription.filter = prefixed_filter(prefix, subscription.filter);
    }
  } else if (auto* unsubscribe = std::get_if<Unsubscribe>(&packet)) {
    for (auto& filter : unsubscribe->filters) filter = prefixed_filter(prefix, filter);
  }
  return packet;
}

// Packets the client sends on its own initiative; acknowledgements of the broker's deliveries are left to
// the replaying client (PUBREL belongs to the client's own QoS 2 publish, so it stays).
bool client_initiated(const Packet& packet) {
  switch (packet_type(packet)) {
    case PacketType::puback:
    case PacketType::pubrec:
    case PacketType::pubcomp:
      return false;
    default:
      return true;
  }
}

}  // namespace

std::string answer_text(const Packet& packet, const std::string& prefix) {
  std::string text(to_string(packet_type(packet)));
  if (const auto* publish = std::get_if<Publish>(&packet)) {
    text.append(" ").append(unprefixed_topic(prefix, publish->topic));
    text.append(" QoS ").append(std::to_string(static_cast<int>(publish->qos)));
    text.append(" retain ").append(publish->retain ? "1" : "0");
    text.append(" payload ").append(std::to_string(publish->payload.size())).append(" bytes");
  } else if (const auto* connack = std::get_if<Connack>(&packet)) {
    text.append(" ").append(std::to_string(connack->reason_code));
    text.append(" session present ").append(connack->session_present ? "1" : "0");
  } else if (const auto* suback = std::get_if<Suback>(&packet)) {
    text.append(" [");
    for (std::size_t i = 0; i < suback->reason_codes.size(); ++i) {
      if (i > 0) text.append(" ");
      text.append(std::to_string(suback->reason_codes[i]));
    }
    text.append("]");
  }
  return text;
}

ReplayPlan plan_replay(const history::History& history, const std::string& prefix) {
  ReplayPlan plan;
  std::map<std::uint32_t, std::size_t> session_of;  // connection id -> session index
  std::map<std::uint32_t, bool> skipped;
  std::map<std::uint32_t, std::string> undecided;  // connection id -> client, until its first packet
  const auto skip = [&](std::uint32_t connection, const std::string& actor, const std::string& reason) {
    skipped[connection] = true;
    plan.skipped.push_back(actor + " (connection " + std::to_string(connection) + "): " + reason);
  };
  for (const auto& event : history.events) {
    if (event.connection == 0) continue;
    if (event.kind == history::EventKind::fault) {
      // A capture gap: what follows is not in the history; the session is replayed up to here.
      continue;
    }
    auto found = session_of.find(event.connection);
    if (found == session_of.end()) {
      if (skipped.contains(event.connection)) continue;
      // The session opens just before its CONNECT: the TCP handshake (an `open` event) need not be in the
      // capture, and notes ("the capture starts mid-connection") or a close before any packet decide nothing.
      const bool packet = event.kind == history::EventKind::sent || event.kind == history::EventKind::received ||
                          event.kind == history::EventKind::decode_error;
      if (!packet) {
        undecided.emplace(event.connection, event.actor);
        continue;
      }
      undecided.erase(event.connection);
      const bool starts_with_connect = event.kind == history::EventKind::sent && event.packet &&
                                       std::holds_alternative<Connect>(*event.packet);
      if (!starts_with_connect) {
        skip(event.connection, event.actor, "its CONNECT is not in the capture");
        continue;
      }
      ReplaySession session;
      session.connection = event.connection;
      session.client = event.actor;
      const auto& connect = std::get<Connect>(*event.packet);
      session.client_id = connect.client_id;
      session.version = connect.version;
      found = session_of.emplace(event.connection, plan.sessions.size()).first;
      plan.sessions.push_back(std::move(session));
      plan.steps.push_back(
          {ReplayStep::Kind::open, event.time_ns, found->second, std::nullopt, event.frame.value_or(0)});
    }
    const std::size_t index = found->second;
    const std::size_t answers = plan.sessions[index].captured_answers.size();
    const std::size_t steps_before = plan.steps.size();
    switch (event.kind) {
      case history::EventKind::sent:
        if (event.packet && client_initiated(*event.packet)) {
          plan.steps.push_back({ReplayStep::Kind::send, event.time_ns, index,
                                with_prefix(*event.packet, prefix), event.frame.value_or(0)});
        }
        break;
      case history::EventKind::received:
        if (event.packet) plan.sessions[index].captured_answers.push_back(*event.packet);
        break;
      case history::EventKind::closed:
        if (event.close_reason == history::CloseReason::local_close) {
          plan.steps.push_back(
              {ReplayStep::Kind::close, event.time_ns, index, std::nullopt, event.frame.value_or(0)});
        } else if (event.close_reason == history::CloseReason::local_abort) {
          plan.steps.push_back(
              {ReplayStep::Kind::abort, event.time_ns, index, std::nullopt, event.frame.value_or(0)});
        }
        break;
      default:
        break;
    }
    for (std::size_t i = steps_before; i < plan.steps.size(); ++i) plan.steps[i].answers_before = answers;
  }
  for (const auto& [connection, actor] : undecided) skip(connection, actor, "no MQTT packet in the capture");
  std::stable_sort(plan.steps.begin(), plan.steps.end(),
                   [](const ReplayStep& a, const ReplayStep& b) { return a.time_ns < b.time_ns; });
  return plan;
}

}  // namespace mqtt::capture
