// What a capture shows of one MQTT connection, for the summary `inspect` prints, `convert` reads and the
// judgement uses: endpoints, the CONNECT's settings, packet counts, topics, closing, notes, and the version the
// connection was decoded under and whether it is judged. Filled packet by packet. Pure.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "codec/packet.hpp"

namespace mqtt::capture {

struct ConnectionSummary {
  std::uint32_t connection = 0;   // connection id in the history
  std::string client;             // "127.0.0.1:50312"
  std::string server;             // "127.0.0.1:1883"
  std::string transport = "tcp";  // "tcp" or "websocket"
  bool from_syn = false;          // false: the capture starts mid-connection
  std::string client_id;
  std::optional<ProtocolVersion> version;  // from the client's CONNECT
  // Without a CONNECT: the version the streams were decoded under after resynchronising (a guess; the notes
  // say on what grounds).
  std::optional<ProtocolVersion> assumed_version;
  std::optional<bool> clean_session;
  std::optional<std::uint16_t> keep_alive;
  std::string will;  // "" or "topic (QoS n, retain)"
  std::optional<std::string> username;
  std::optional<std::uint8_t> connack_code;
  std::map<std::string, std::uint64_t> sent;      // packet type name -> count, client to broker
  std::map<std::string, std::uint64_t> received;  // broker to client
  std::array<std::uint64_t, 3> publish_qos_sent{};
  std::array<std::uint64_t, 3> publish_qos_received{};
  std::set<std::string> topics;                           // PUBLISH topics, both directions
  std::set<std::string> filters;                          // SUBSCRIBE filters
  std::vector<Subscription> subscriptions;                // every SUBSCRIBE entry the client sent, in order
  std::map<std::string, std::uint64_t> published_topics;  // client PUBLISH topic -> count
  std::uint64_t published_payload_bytes = 0;              // client PUBLISH payload bytes
  std::uint64_t published_retained = 0;                   // client PUBLISHes with the retain flag
  std::optional<Will> will_message;                       // the CONNECT's will, in full
  std::uint64_t bytes_sent = 0;                           // TCP payload bytes client -> broker
  std::uint64_t bytes_received = 0;
  std::uint64_t first_frame = 0;
  std::uint64_t last_frame = 0;
  std::int64_t first_time_ns = 0;  // since the capture's first frame
  std::int64_t last_time_ns = 0;
  std::string close = "open at the end of the capture";
  std::uint64_t decode_errors = 0;
  bool judged = true;              // false once a gap hides part of the conversation
  // Why none of this connection is judged ("" when it is): MQTT 5.0, or directions that decode as different
  // versions. Its events stay in the history but are not given to the checker (runner/capture_judgement).
  std::string not_judged;
  // Why the capture ends before this connection's last bytes could be read ("" when it does not): a WebSocket
  // direction cut inside its upgrade head or a frame. What the broker was sending is unknown: not a pass.
  std::string incomplete;
  std::vector<std::string> notes;  // "frame 12: ..." resynchronisation, gaps, decode errors
};

// Counts a decoded packet into the summary: packet types each way, PUBLISH QoS mix, topics and payload sizes,
// the CONNECT's settings, the CONNACK's code, SUBSCRIBE filters.
void count_packet(ConnectionSummary& row, const Packet& packet, bool from_client);

// Once the connection's streams are decoded: `client_guess` and `server_guess` are the versions each direction
// assumed after resynchronising (nullopt when it did not have to guess). Sets assumed_version, and not_judged
// when the two directions guessed different versions (they cannot both be right). MQTT 5.0 streams are judged
// like the others, by the checker's 5.0 rules.
void settle_version(ConnectionSummary& row, std::optional<ProtocolVersion> client_guess,
                    std::optional<ProtocolVersion> server_guess);

}  // namespace mqtt::capture
