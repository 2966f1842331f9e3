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
#include <stop_token>
#include <string>
#include <vector>

#include "capture/connection_summary.hpp"
#include "capture/frame.hpp"
#include "codec/packet.hpp"
#include "history/event.hpp"
#include "history/event_feed.hpp"

namespace mqtt::capture {

struct CaptureOptions {
  std::set<std::uint16_t> mqtt_ports{1883};
  std::set<std::uint16_t> tls_ports{8883};
  // Requested to interrupt the reading (from any thread): analyse_capture_file stops before the next frame and
  // analyses what it read, as if the capture ended there (CaptureAnalysis::interrupted).
  std::stop_token stop;
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
  bool interrupted = false;        // CaptureOptions::stop ended the reading after `frames` frames
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

// Reads the whole file through libpcap (or up to an interruption: CaptureOptions::stop). Throws CaptureError (frame number, byte offset) on unreadable input.
// `share`, when set, is called once before the first frame with the feed of the history being built (see
// CaptureAnalyser::share_events()); it typically starts the thread that consumes it.
CaptureAnalysis analyse_capture_file(const std::filesystem::path& file, const CaptureOptions& options = {},
                                     const std::function<void(history::EventFeed&)>& share = {});

}  // namespace mqtt::capture
