// `replay`: what to re-drive against a live broker, from a capture's history. Each captured client session
// whose CONNECT is in the capture (with or without its TCP handshake) becomes a session of timed steps (open, the client's own packets, close or abort) in capture order; client
// ids and topics get a prefix so a replay never touches the live broker's other clients. Acknowledgements the
// client sent for the broker's deliveries are not replayed: the live broker numbers its own deliveries, so
// the replaying client acknowledges what it actually receives. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codec/packet.hpp"
#include "history/event.hpp"

namespace mqtt::capture {

struct ReplayStep {
  enum class Kind : std::uint8_t { open, send, close, abort };
  Kind kind = Kind::send;
  std::int64_t time_ns = 0;  // capture time
  std::size_t session = 0;   // index in ReplayPlan::sessions
  std::optional<Packet> packet;
  std::uint64_t frame = 0;
  std::size_t answers_before = 0;  // broker packets this client had received before this step in the capture
};

struct ReplaySession {
  std::uint32_t connection = 0;  // connection id in the capture's history
  std::string client;            // captured client endpoint
  std::string client_id;         // captured client id (unprefixed)
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  std::vector<Packet> captured_answers;  // what the captured broker sent this client, in order
};

struct ReplayPlan {
  std::vector<ReplaySession> sessions;
  std::vector<ReplayStep> steps;     // sorted by time, per-session order preserved
  std::vector<std::string> skipped;  // sessions left out, with the reason
};

ReplayPlan plan_replay(const history::History& history, const std::string& prefix);

// "P/topic"; filters keep "$share/group/" in front and "$..." system topics are left alone.
std::string prefixed_topic(const std::string& prefix, const std::string& topic);
std::string prefixed_filter(const std::string& prefix, const std::string& filter);
std::string unprefixed_topic(const std::string& prefix, const std::string& topic);

// One line per packet for comparing answers, without packet ids (each broker numbers its own):
// "PUBLISH a/b QoS 1 retain 0 payload 5 bytes", "SUBACK [1]", "CONNACK 0 session present 0".
std::string answer_text(const Packet& packet, const std::string& prefix = "");

}  // namespace mqtt::capture
