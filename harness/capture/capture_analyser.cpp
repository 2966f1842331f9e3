#include "capture/capture_analyser.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <tuple>
#include <utility>

#include "capture/capture_flow.hpp"
#include "capture/ip_reassembler.hpp"
#include "capture/link_layer.hpp"
#include "capture/mqtt_direction.hpp"
#include "capture/pcap_source.hpp"
#include "capture/tcp_reassembler.hpp"
#include "capture/websocket_unframer.hpp"

namespace mqtt::capture {
namespace {

using history::CloseReason;
using history::Event;
using history::EventKind;

}  // namespace

struct CaptureAnalyser::State {
  CaptureOptions options;
  CaptureAnalysis analysis;
  std::map<FlowKey, Flow*> flows_by_key;
  std::vector<std::unique_ptr<Flow>> flows;
  std::map<std::string, std::uint64_t> skipped;
  IpReassembler fragments;
  bool first = true;
  std::uint64_t last_frame = 0;
  std::int64_t last_time_ns = 0;
  std::uint32_t next_connection = 1;
  std::unique_ptr<history::EventFeed> feed;  // set by share_events()

  std::int64_t relative(std::int64_t unix_ns) const { return unix_ns - analysis.start_unix_ns; }

  ConnectionSummary& summary(Flow& flow) { return analysis.connections[flow.summary]; }

  void push_event(Flow& flow, Event event, bool judged_only_before_gap = true) {
    // Anything else first (a client that did not wait for the answer, a refused upgrade, the end): the open goes
    // before it, without the server's choice, which is then not judged.
    if (flow.open_pending && event.kind != EventKind::open) emit_open(flow, std::nullopt, event.frame.value_or(0), event.time_ns);
    auto& row = summary(flow);
    event.connection = row.connection;
    event.actor = row.client;
    if (judged_only_before_gap && flow.gapped) return;
    append(std::move(event));
  }

  // Every event goes into the history here, numbered in arrival order (finish() renumbers if it reorders),
  // and through the feed when another thread reads the history as it grows.
  void append(Event&& event) {
    auto& events = analysis.history.events;
    event.sequence = events.size() + 1;
    if (feed) {
      feed->append(std::move(event));
    } else {
      events.push_back(std::move(event));
    }
  }

  // Gives the history back to this thread alone: the reader of the feed has seen every event.
  void release_feed() {
    if (!feed) return;
    feed->close();
    feed->wait_until_consumed();
    feed.reset();
  }

  ~State() { release_feed(); }

  // `time_ns` relative to the capture's start, like an event's.
  void emit_open(Flow& flow, std::optional<history::WebSocketDetail> websocket, std::uint64_t frame,
                 std::int64_t time_ns) {
    flow.open_pending = false;
    Event open;
    open.kind = EventKind::open;
    open.detail = "peer " + summary(flow).server;
    open.frame = frame;
    open.time_ns = time_ns;
    open.websocket = std::move(websocket);
    push_event(flow, std::move(open));
  }

  void websocket_head(Flow& flow, bool from_client, const DirectionEvent& item) {
    if (from_client) {
      flow.offered = item.websocket->subprotocol;
      return;
    }
    if (!flow.open_pending) {
      if (flow.syn_frame) {
        add_note(flow, "the broker's answer to the WebSocket upgrade came after the client's first packet; "
                 "its sub-protocol choice (MQTT-6.0.0-4) is not judged", item.frame, relative(item.time_ns), false);
      }
      return;
    }
    history::WebSocketDetail detail;
    detail.offered = flow.offered;
    detail.subprotocol = item.websocket->subprotocol;
    emit_open(flow, std::move(detail), item.frame, relative(item.time_ns));
  }

  void add_note(Flow& flow, const std::string& text, std::uint64_t frame, std::int64_t time_ns,
                bool to_history) {
    summary(flow).notes.push_back("frame " + std::to_string(frame) + ": " + text);
    if (!to_history) return;
    Event event;
    event.kind = EventKind::note;
    event.detail = text;
    event.frame = frame;
    event.time_ns = time_ns;
    push_event(flow, std::move(event));
  }

  void direction_events(Flow& flow, int d) {
    auto& direction = *flow.direction[d];
    auto& other = *flow.direction[1 - d];
    const bool from_client = d == flow.client;
    if (direction.version() && direction.version_assumed() && !other.version()) {
      // A guess is not passed on as a fact: the other direction tries both versions on its own and takes
      // this one only where its packets read the same in both.
      other.hint_version(*direction.version());
      other.resynchronise_without_version();
      direction_events(flow, 1 - d);
    }
    for (auto& item : direction.take()) {
      auto& row = summary(flow);
      const auto time = relative(item.time_ns);
      switch (item.kind) {
        case DirectionEvent::Kind::packet: {
          count_packet(row, *item.packet, from_client);
          if (from_client) {
            if (const auto* connect = std::get_if<Connect>(&*item.packet)) {
              flow.direction[1 - d]->set_version(connect->version);
              direction_events(flow, 1 - d);
            }
          }
          Event event;
          event.kind = from_client ? EventKind::sent : EventKind::received;
          event.packet = std::move(item.packet);
          event.raw = std::move(item.raw);
          event.websocket = std::move(item.websocket);
          event.frame = item.frame;
          event.time_ns = time;
          push_event(flow, std::move(event));
          break;
        }
        case DirectionEvent::Kind::decode_error: {
          ++row.decode_errors;
          row.notes.push_back("frame " + std::to_string(item.frame) + ": " +
                              (from_client ? "client" : "broker") +
                              " bytes do not decode: " + describe(*item.error));
          Event event;
          // The checker judges the broker: a malformed client packet is a `sent` event with raw bytes only
          // (the broker then owes a close); malformed broker bytes are a decode_error.
          event.kind = from_client ? EventKind::sent : EventKind::decode_error;
          if (!from_client) event.error = item.error;
          event.raw = std::move(item.raw);
          event.frame = item.frame;
          event.time_ns = time;
          push_event(flow, std::move(event));
          if (from_client && refused_for_protocol(*item.error)) {
            // The broker answers such a CONNECT (CONNACK 0x01 and a close [MQTT-3.1.2-2]): decode that answer.
            other.answer_refused_connect();
            direction_events(flow, 1 - d);
          }
          break;
        }
        case DirectionEvent::Kind::note:
          add_note(flow, std::string(from_client ? "client" : "broker") + " stream: " + item.text, item.frame,
                   time, true);
          break;
        case DirectionEvent::Kind::websocket_head:
          websocket_head(flow, from_client, item);
          break;
        case DirectionEvent::Kind::websocket_message: {
          Event event;
          event.kind = EventKind::note;
          event.detail = "WebSocket " + item.websocket->frame + " message, " + std::to_string(item.websocket->size) +
                         " bytes";
          event.websocket = std::move(item.websocket);
          event.frame = item.frame;
          event.time_ns = time;
          push_event(flow, std::move(event));
          break;
        }
        case DirectionEvent::Kind::lost:
          add_note(flow, std::string(from_client ? "client" : "broker") + " stream: " + item.text, item.frame,
                   time, true);
          stop_judging(flow, item.frame, item.time_ns,
                       "the bytes stopped decoding under an assumed MQTT version; later packets are "
                       "summarised, not judged");
          break;
      }
    }
  }

  // The history of this connection cannot be followed from here on: a `capture-gap` fault excuses what the
  // broker still owed, and later events are summarised but kept out of the history.
  void stop_judging(Flow& flow, std::uint64_t frame, std::int64_t unix_ns, const std::string& detail) {
    if (flow.gapped) return;
    if (flow.open_pending) emit_open(flow, std::nullopt, frame, relative(unix_ns));
    auto& row = summary(flow);
    flow.gapped = true;
    row.judged = false;
    Event fault;
    fault.kind = EventKind::fault;
    fault.fault = "capture-gap";
    fault.detail = detail;
    fault.frame = frame;
    fault.time_ns = relative(unix_ns);
    fault.connection = row.connection;
    fault.actor = row.client;
    append(std::move(fault));
  }

  void deliver(Flow& flow, int d, StreamPiece& piece) {
    auto& row = summary(flow);
    auto& direction = *flow.direction[d];
    if (piece.gap) {
      direction.gap(piece.offset, piece.length, piece.reason, piece.frame, piece.time_ns);
      direction_events(flow, d);
      if (d == flow.client && !direction.version()) {
        // The CONNECT that would give the broker's direction its version may be in the gap.
        flow.direction[1 - d]->resynchronise_without_version();
        direction_events(flow, 1 - d);
      }
      stop_judging(flow, piece.frame, piece.time_ns,
                   "the capture misses bytes of this connection; later packets are summarised, not judged");
      return;
    }
    (d == flow.client ? row.bytes_sent : row.bytes_received) += piece.bytes.size();
    direction.data(piece.bytes, piece.frame, piece.time_ns);
    direction_events(flow, d);
  }

  std::vector<std::uint8_t> first_bytes(const Flow& flow, int d, std::size_t limit) const {
    std::vector<std::uint8_t> bytes;
    for (const auto& piece : flow.pending[d]) {
      if (piece.gap || bytes.size() >= limit) break;
      bytes.insert(bytes.end(), piece.bytes.begin(), piece.bytes.end());
    }
    return bytes;
  }

  // Decides whether this flow is MQTT and who the client is; `final` at the end of the capture.
  void decide(Flow& flow, bool final) {
    if (flow.role != Role::undecided) return;
    for (int d = 0; d < 2; ++d) {
      if (options.tls_ports.contains(flow.port[d])) {
        flow.role = Role::tls;
        analysis.notes.push_back(endpoint_text(flow.address[1 - d], flow.port[1 - d]) + " -> " +
                                 endpoint_text(flow.address[d], flow.port[d]) + ": port " +
                                 std::to_string(flow.port[d]) + " is MQTT over TLS; skipped (encrypted)");
        release(flow);
        return;
      }
    }
    const bool any_data = !flow.pending[0].empty() || !flow.pending[1].empty();
    if (!any_data && !final) return;
    int port_server = -1;
    if (options.mqtt_ports.contains(flow.port[0]) != options.mqtt_ports.contains(flow.port[1])) {
      port_server = options.mqtt_ports.contains(flow.port[0]) ? 0 : 1;
    } else if (options.mqtt_ports.contains(flow.port[0])) {
      port_server = flow.syn_client >= 0 ? 1 - flow.syn_client : 1;
    }
    int client = flow.syn_client >= 0 ? flow.syn_client : port_server >= 0 ? 1 - port_server : -1;
    std::array<std::optional<bool>, 2> connect_first;
    for (int d = 0; d < 2; ++d) connect_first[d] = looks_like_connect(first_bytes(flow, d, 64));
    if (client < 0) {
      for (int d = 0; d < 2; ++d) {
        if (connect_first[d].value_or(false)) client = d;
      }
    }
    if (client < 0) {
      const bool maybe = !connect_first[0].has_value() || !connect_first[1].has_value();
      if (final || !maybe || flow.pending[0].size() + flow.pending[1].size() > 8) {
        flow.role = Role::not_mqtt;
        release(flow);
      }
      return;
    }
    bool mqtt = port_server >= 0 && port_server == 1 - client;
    const bool client_from_start = flow.reassembler[client].saw_syn();
    if (client_from_start) {
      const auto head = first_bytes(flow, client, 16 * 1024);
      const auto upgrade = is_websocket_upgrade(head);
      if (head.empty() || !upgrade.has_value() || (!connect_first[client].has_value() && !upgrade.value())) {
        if (!final) return;  // wait for the client's first bytes
      }
      if (upgrade.value_or(false)) {
        flow.websocket = true;
        mqtt = true;
      } else if (connect_first[client].value_or(false)) {
        mqtt = true;
      }
    } else if (connect_first[client].value_or(false)) {
      mqtt = true;
    }
    if (!mqtt) {
      flow.role = Role::not_mqtt;
      release(flow);
      return;
    }
    flow.role = Role::mqtt;
    flow.client = client;
    start(flow, connect_first[client].value_or(false) || flow.websocket);
  }

  void release(Flow& flow) {
    for (auto& pending : flow.pending) {
      pending.clear();
      pending.shrink_to_fit();
    }
  }

  void start(Flow& flow, bool client_at_boundary) {
    const int c = flow.client;
    const int s = 1 - c;
    ConnectionSummary row;
    row.connection = next_connection++;
    row.client = endpoint_text(flow.address[c], flow.port[c]);
    row.server = endpoint_text(flow.address[s], flow.port[s]);
    row.transport = flow.websocket ? "websocket" : "tcp";
    row.from_syn = flow.reassembler[c].saw_syn();
    row.first_frame = flow.first_frame;
    row.first_time_ns = relative(flow.first_time_ns);
    row.last_frame = flow.last_frame;  // a flow decided late (even at the end) has seen frames already
    row.last_time_ns = relative(flow.last_time_ns);
    flow.summary = analysis.connections.size();
    analysis.connections.push_back(std::move(row));
    const bool client_resync = !flow.reassembler[c].saw_syn() && !client_at_boundary;
    flow.direction[c].emplace(Sender::client, flow.websocket, client_resync);
    flow.direction[s].emplace(Sender::server, flow.websocket,
                              !flow.reassembler[s].saw_syn() && client_resync);
    if (flow.syn_frame && flow.websocket) {
      flow.open_pending = true;
    } else if (flow.syn_frame) {
      emit_open(flow, std::nullopt, flow.syn_frame->first, relative(flow.syn_frame->second));
    } else {
      add_note(flow, "the capture starts mid-connection (no SYN seen)", flow.first_frame,
               relative(flow.first_time_ns), true);
    }
    for (int d : {c, s}) {
      auto pending = std::move(flow.pending[d]);
      flow.pending[d].clear();
      for (auto& piece : pending) deliver(flow, d, piece);
    }
    emit_close(flow);
  }

  void emit_close(Flow& flow) {
    if (flow.role != Role::mqtt || !flow.close || flow.close_emitted) return;
    flow.close_emitted = true;
    const bool by_client = flow.close->direction == flow.client;
    auto& row = summary(flow);
    row.close = std::string(by_client ? "client" : "broker") + " closed first (" +
                (flow.close->reset ? "RST" : "FIN") + ") at frame " + std::to_string(flow.close->frame);
    Event event;
    event.kind = EventKind::closed;
    event.close_reason = by_client ? (flow.close->reset ? CloseReason::local_abort : CloseReason::local_close)
                                   : (flow.close->reset ? CloseReason::reset : CloseReason::clean_eof);
    event.frame = flow.close->frame;
    event.time_ns = relative(flow.close->time_ns);
    push_event(flow, std::move(event));
  }

  void pieces(Flow& flow, std::uint64_t frame, bool final) {
    for (int d = 0; d < 2; ++d) {
      auto taken = flow.reassembler[d].take();
      if (flow.role == Role::undecided) {
        for (auto& piece : taken) flow.pending[d].push_back(std::move(piece));
      } else if (flow.role == Role::mqtt) {
        for (auto& piece : taken) deliver(flow, d, piece);
      }
    }
    (void)frame;
    decide(flow, final);
  }

  Flow& flow_for(const TcpSegment& segment, const Frame& frame) {
    const auto key = key_of(segment);
    auto found = flows_by_key.find(key);
    const bool new_syn = (segment.flags & tcp_flag::syn) != 0 && (segment.flags & tcp_flag::ack) == 0;
    if (found != flows_by_key.end() && !(found->second->ended && new_syn)) return *found->second;
    auto flow = std::make_unique<Flow>();
    flow->address = {segment.source, segment.destination};
    flow->port = {segment.source_port, segment.destination_port};
    flow->first_frame = frame.number;
    flow->first_time_ns = frame.time_unix_ns;
    Flow& result = *flow;
    flows.push_back(std::move(flow));
    flows_by_key[key] = &result;
    return result;
  }

  void add(const Frame& frame) {
    if (first) {
      analysis.start_unix_ns = frame.time_unix_ns;
      first = false;
    }
    ++analysis.frames;
    last_frame = frame.number;
    last_time_ns = std::max(last_time_ns, frame.time_unix_ns);
    const auto outcome = parse_frame(frame, &fragments);
    if (!outcome.segment) {
      ++skipped[std::string(outcome.skipped)];
      if (!is_supported_link_type(frame.link_type)) ++analysis.unsupported_link_types[frame.link_type];
      return;
    }
    ++analysis.tcp_segments;
    const auto& segment = *outcome.segment;
    Flow& flow = flow_for(segment, frame);
    if (flow.role == Role::not_mqtt || flow.role == Role::tls) return;
    const int d = segment.source == flow.address[0] && segment.source_port == flow.port[0] ? 0 : 1;
    flow.last_frame = frame.number;
    flow.last_time_ns = std::max(flow.last_time_ns, frame.time_unix_ns);
    if (flow.role == Role::mqtt) {
      auto& row = summary(flow);
      row.last_frame = frame.number;
      // Time stamps may step backwards (several interfaces, clock changes); a duration never does.
      row.last_time_ns = std::max(row.last_time_ns, relative(frame.time_unix_ns));
    }
    const auto time = frame.time_unix_ns;
    if ((segment.flags & tcp_flag::syn) != 0) {
      flow.reassembler[d].syn(segment.sequence);
      if (flow.syn_client < 0) {
        flow.syn_client = (segment.flags & tcp_flag::ack) == 0 ? d : 1 - d;
        flow.syn_frame = {frame.number, time};
      }
    }
    if ((segment.flags & tcp_flag::ack) != 0) {
      flow.reassembler[1 - d].acknowledged(segment.acknowledgement, frame.number, time);
    }
    const bool fin = (segment.flags & tcp_flag::fin) != 0;
    const bool rst = (segment.flags & tcp_flag::rst) != 0;
    if ((segment.flags & tcp_flag::syn) == 0 && (segment.payload_length > 0 || fin)) {
      flow.reassembler[d].segment(segment.sequence, segment.payload, segment.payload_length, fin,
                                  frame.number, time);
    }
    if (fin) flow.fin[d] = true;
    if (rst) {
      flow.reassembler[0].finish(frame.number, time);
      flow.reassembler[1].finish(frame.number, time);
    }
    if ((fin || rst) && !flow.close) flow.close = CloseSeen{d, rst, frame.number, time};
    if (rst || (flow.fin[0] && flow.fin[1])) flow.ended = true;
    pieces(flow, frame.number, false);
    emit_close(flow);
  }

  void settle_version(Flow& flow) {
    const auto& client = *flow.direction[flow.client];
    const auto& server = *flow.direction[1 - flow.client];
    analysis.resynchronisation_offsets_examined += client.offsets_examined() + server.offsets_examined();
    const auto guess_of = [](const MqttDirection& direction) {
      return direction.version_assumed() ? direction.version() : std::nullopt;
    };
    capture::settle_version(summary(flow), guess_of(client), guess_of(server));
  }

  CaptureAnalysis finish() {
    for (auto& flow : flows) {
      if (flow->role == Role::not_mqtt || flow->role == Role::tls) continue;
      flow->reassembler[0].finish(last_frame, last_time_ns);
      flow->reassembler[1].finish(last_frame, last_time_ns);
      pieces(*flow, last_frame, true);
      if (flow->role != Role::mqtt) continue;
      for (int d = 0; d < 2; ++d) {
        flow->direction[d]->finish(last_frame, last_time_ns);
        direction_events(*flow, d);
        if (const auto unfinished = flow->direction[d]->unfinished_websocket()) {
          auto& row = summary(*flow);
          const std::string text =
              std::string(d == flow->client ? "client" : "broker") + " stream: " + *unfinished + " at the end of the capture";
          if (row.incomplete.empty()) row.incomplete = text;
          add_note(*flow, text, last_frame, relative(last_time_ns), false);
        }
      }
      emit_close(*flow);
      if (flow->open_pending) emit_open(*flow, std::nullopt, last_frame, relative(last_time_ns));
      settle_version(*flow);
    }
    for (auto& row : analysis.connections) {
      // Notes are "frame N: ..."; the two directions add theirs independently, so put them in frame order.
      const auto frame_of = [](const std::string& note) {
        return std::strtoull(note.c_str() + 6, nullptr, 10);
      };
      std::stable_sort(row.notes.begin(), row.notes.end(),
                       [&](const std::string& a, const std::string& b) { return frame_of(a) < frame_of(b); });
    }
    for (const auto& [reason, count] : skipped) {
      analysis.notes.push_back(std::to_string(count) + " frame(s) skipped: " + reason);
    }
    analysis.skipped_frames = skipped;
    for (auto& note : fragments.finish()) analysis.notes.push_back(std::move(note));
    std::size_t other = 0;
    for (const auto& flow : flows) other += flow->role == Role::not_mqtt ? 1 : 0;
    analysis.tcp_connections = flows.size();
    for (const auto& flow : flows) analysis.tls_connections += flow->role == Role::tls ? 1 : 0;
    if (other > 0)
      analysis.notes.push_back(std::to_string(other) + " TCP connection(s) are not MQTT; ignored");
    release_feed();
    auto& events = analysis.history.events;
    // Events arrive in frame order except those held back (broker bytes before the version was known, a
    // connection decided late); sort only when needed, it is a large share of the time on big captures.
    const auto by_frame = [](const Event& a, const Event& b) {
      return a.frame.value_or(0) < b.frame.value_or(0);
    };
    if (!std::is_sorted(events.begin(), events.end(), by_frame)) {
      std::stable_sort(events.begin(), events.end(), by_frame);
      analysis.reordered = true;
      std::uint64_t sequence = 0;
      for (auto& event : events) event.sequence = ++sequence;
    }
    analysis.duration_ns = relative(last_time_ns);
    return std::move(analysis);
  }
};

CaptureAnalyser::CaptureAnalyser(CaptureOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}
CaptureAnalyser::~CaptureAnalyser() = default;

void CaptureAnalyser::reserve_events(std::size_t events) { state_->analysis.history.events.reserve(events); }

history::EventFeed& CaptureAnalyser::share_events() {
  if (!state_->feed) state_->feed = std::make_unique<history::EventFeed>(state_->analysis.history.events);
  return *state_->feed;
}

void CaptureAnalyser::add(const Frame& frame) { state_->add(frame); }

CaptureAnalysis CaptureAnalyser::finish() { return state_->finish(); }

CaptureAnalysis analyse_capture_file(const std::filesystem::path& file, const CaptureOptions& options,
                                     const std::function<void(history::EventFeed&)>& share) {
  PcapSource source(file);
  CaptureAnalyser analyser(options);
  // MQTT captures hold one event per few hundred bytes (a 115 MB capture of 64-963 byte PUBLISHes: 252,511).
  std::error_code error;
  const auto bytes = std::filesystem::file_size(file, error);
  if (!error) analyser.reserve_events(std::min<std::uintmax_t>(bytes / 256, 64'000'000));
  if (share) {
    auto& feed = analyser.share_events();
    try {
      share(feed);
    } catch (...) {
      feed.no_consumer();
      throw;
    }
  }
  bool interrupted = false;
  for (;;) {
    if (options.stop.stop_requested()) {
      interrupted = true;
      break;
    }
    auto frame = source.next();
    if (!frame) break;
    analyser.add(*frame);
  }
  auto analysis = analyser.finish();
  analysis.header_link_type = source.link_type();
  analysis.interrupted = interrupted;
  return analysis;
}

}  // namespace mqtt::capture
