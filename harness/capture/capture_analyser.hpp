// From captured frames to MQTT connections: finds MQTT by port (1883 and --port), skips TLS ports with a
// note, finds it by content on any port (a stream that begins with CONNECT, or an HTTP Upgrade to WebSocket),
// chooses client and server by SYN, then port, then who sends CONNECT, reassembles each direction with our
// own TCP reassembler, decodes with the strict codec, and builds the per-connection summaries and the history
// the checker judges (client perspective: packets the client sent are `sent`, the broker's are `received`).
// Pure: frames in, values out (PcapSource is the I/O edge).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "capture/frame.hpp"
#include "codec/packet.hpp"
#include "history/event.hpp"
#include "history/event_feed.hpp"

namespace mqtt::capture {

struct CaptureOptions {
  std::set<std::uint16_t> mqtt_ports{1883};
  std::set<std::uint16_t> tls_ports{8883};
};

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
  std::vector<std::string> notes;  // "frame 12: ..." resynchronisation, gaps, decode errors
};

struct CaptureAnalysis {
  std::uint64_t frames = 0;
  std::uint64_t tcp_segments = 0;
  std::int64_t start_unix_ns = 0;
  std::int64_t duration_ns = 0;
  std::vector<ConnectionSummary> connections;
  std::vector<std::string> notes;  // capture-wide: skipped frames, TLS and non-MQTT connections
  std::map<std::string, std::uint64_t> skipped_frames;  // why frames carried no TCP segment -> how many
  std::map<int, std::uint64_t> unsupported_link_types;  // link type -> frames skipped for it
  std::optional<int> header_link_type;  // the file's (first interface's) link type, when read from a file
  std::uint64_t tcp_connections = 0;    // TCP flows seen, MQTT or not
  std::uint64_t tls_connections = 0;    // skipped as MQTT over TLS
  // Work spent finding packet boundaries mid-stream, over every direction (the linear bound's witness).
  std::uint64_t resynchronisation_offsets_examined = 0;
  history::History history;        // judged events, sequence numbers 1, 2, ...; time 0 = first frame
  bool reordered = false;          // events arrived out of frame order and were sorted (see share_events())
};

class CaptureAnalyser {
 public:
  explicit CaptureAnalyser(CaptureOptions options = {});
  ~CaptureAnalyser();
  CaptureAnalyser(const CaptureAnalyser&) = delete;
  CaptureAnalyser& operator=(const CaptureAnalyser&) = delete;

  // A hint: room for this many history events up front. Growing a vector of half-kilobyte events by
  // doubling moves every event and touches twice the memory; unused room is only address space.
  void reserve_events(std::size_t events);
  // Lets one other thread read the history while it is built: it must consume() the feed (events in
  // arrival order, numbered 1, 2, ...). finish() closes the feed and waits for that reader before it sorts;
  // if it had to reorder the events, CaptureAnalysis::reordered says so and what the reader saw is void.
  history::EventFeed& share_events();
  void add(const Frame& frame);
  CaptureAnalysis finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Reads the whole file through libpcap. Throws CaptureError (frame number, byte offset) on unreadable input.
// `share`, when set, is called once before the first frame with the feed of the history being built (see
// CaptureAnalyser::share_events()); it typically starts the thread that consumes it.
CaptureAnalysis analyse_capture_file(const std::filesystem::path& file, const CaptureOptions& options = {},
                                     const std::function<void(history::EventFeed&)>& share = {});

}  // namespace mqtt::capture
