// Blocking façade over the asynchronous client, for the conformance runner and the CLI. No Boost.Asio here.
//
// Concurrency model: an EventLoop owns (or borrows) one boost::asio::io_context. Every connection and session
// made from it runs its reader (and, for sessions, automatic acknowledgements and keep-alive) on that context.
// Blocking calls (open, wait, publish, ...) drive the context on the calling thread until their own result is
// ready or their deadline passes; while they do, ALL connections of the loop make progress. Between blocking
// calls nothing runs, so bytes the server sends are read (and recorded) at the next blocking call. Use
// EventLoop::run_for to let time pass (e.g. to give a broker the chance to misbehave) without a sleep.
// One thread at a time may use an EventLoop and its connections. Fleets that need thousands of concurrent
// sessions use client/async_connection.hpp and client/async_session.hpp directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <variant>

#include "client/recorder.hpp"
#include "client/websocket_framing.hpp"
#include "client/target_url.hpp"
#include "codec/packet.hpp"
#include "history/event.hpp"

namespace boost::asio {
class io_context;
}

namespace mqtt::client {

using Duration = std::chrono::steady_clock::duration;

class AsyncConnection;
class AsyncSession;

class EventLoop {
 public:
  EventLoop();                                       // owns a private io_context
  explicit EventLoop(boost::asio::io_context& context);  // borrows; the caller keeps it alive
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  boost::asio::io_context& context();
  // Drives the context for `duration` (handlers run, events get recorded), then returns.
  void run_for(Duration duration);
  // Drives the context until `done()` is true or `deadline` passes; returns done(). `done` is checked after
  // each handler, so it must be cheap.
  bool run_until(const std::function<bool()>& done, Duration deadline);
  // Once `stop` is requested (from any thread), a run in progress returns at once and later runs do not run:
  // every blocking wait of the loop's connections ends as if its deadline had passed, so an interrupted run
  // winds down without waiting its deadlines out. stop_on({}) lets the loop run again (to close connections).
  void stop_on(std::stop_token stop);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The largest remaining length a client accepts by default (OpenOptions::max_packet_size).
inline constexpr std::uint32_t default_max_packet_size = 16u << 20;

struct OpenOptions {
  std::string actor;  // recorded on every event of the connection (scenario client name, device id)
  Duration deadline = std::chrono::seconds(5);  // name resolution, TCP, and the TLS and WebSocket handshakes
  // Version used to decode the server's bytes until a CONNECT is sent (the CONNECT sent decides after that).
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  // Received packets kept for wait calls; the oldest are dropped beyond this many, or beyond inbox_byte_limit
  // bytes of them (every packet is recorded anyway).
  std::size_t inbox_limit = 10'000;
  std::size_t inbox_byte_limit = 4u << 20;
  // The largest remaining length accepted from the server. A packet claiming more is a decode_error naming the
  // claimed size as soon as its header arrives, and its bytes are never buffered. 16 MiB: above what brokers
  // allow by default (EMQX 1 MB, AWS IoT Core 128 KB, HiveMQ 256 MB but rarely used past a few MB), so real
  // traffic passes, while a hostile 256 MB claim costs nothing; `--max-packet-size` overrides it.
  std::uint32_t max_packet_size = default_max_packet_size;
  // A flood is evidence, not memory: PUBLISH packets matching no filter this connection subscribed to are
  // recorded up to this many; later ones are counted (a note gives the count and bytes), not recorded,
  // acknowledged or queued. 0: no limit. Messages queued for a persistent session from an earlier connection
  // count as unrequested too; brokers queue far fewer by default (mosquitto 1000).
  std::uint64_t unrequested_publish_limit = 10'000;
  // Bytes written but not yet taken by the server; a server that reads nothing while we answer its flood is
  // given up on beyond this (the connection is closed as `timeout`, with a note).
  std::size_t unsent_byte_limit = 8u << 20;
  // Called with the local TCP port once the TCP connection stands, before any TLS or WebSocket byte is sent (the
  // fault proxy learns which device a link belongs to when it cannot read the CONNECT). Not kept after open.
  std::function<void(std::uint16_t local_port)> on_tcp_connected;
  // ws:// and wss://: a `note` per binary data message received too, not only per text one (conformance cases show
  // their framing; a fleet's history would double).
  bool record_websocket_messages = false;
};

// What a connection buffered at most and what it left out of the history; for tests and diagnostics.
struct ConnectionStatistics {
  std::size_t peak_unread_bytes = 0;  // received bytes waiting for the rest of their packet
  std::size_t peak_inbox_packets = 0;
  std::size_t peak_inbox_bytes = 0;
  std::size_t peak_unsent_bytes = 0;
  std::uint64_t publishes_not_recorded = 0;  // a flood beyond the limits above
  std::uint64_t bytes_not_recorded = 0;
  std::uint64_t writes = 0;  // writes handed to the transport (one system call each over plain TCP)
};

// What a wait saw first: a packet, the end of the connection, or its deadline.
enum class WaitOutcome : std::uint8_t { packet, closed, timeout };
std::string_view to_string(WaitOutcome outcome);  // "packet", "closed", "timeout"

struct WaitResult {
  WaitOutcome outcome = WaitOutcome::timeout;
  std::optional<Packet> packet;                     // set when outcome == packet
  std::optional<history::CloseReason> close_reason;  // set when outcome == closed
  std::uint64_t sequence = 0;                       // history sequence of the received/closed event (0 on timeout)
  std::optional<DecodeError> decode_error;          // outcome == closed because the server's bytes did not decode
  bool ok() const { return outcome == WaitOutcome::packet; }
};

// One raw MQTT connection: sends exactly what it is given, records everything, acknowledges nothing.
// Copies share the same underlying connection.
class Connection {
 public:
  // Opens the transport to `target` (TCP, then TLS and/or the WebSocket upgrade for mqtts, ws, wss) and records
  // `open` (detail "peer host:port", then what TLS or WebSocket agreed: "peer 127.0.0.1:8883 TLSv1.3") or
  // `open_failed` (detail: the one-line reason, e.g. "TLS handshake with host:8883 failed: ...").
  // On failure returns the one-line reason; the open_failed event is in the recorder either way.
  static std::variant<Connection, std::string> open(EventLoop& loop, Recorder& recorder, const TargetUrl& target,
                                                    OpenOptions options = {});

  std::uint32_t id() const;  // the history connection id
  const std::string& actor() const;
  bool is_open() const;  // false once a `closed` event has been recorded
  std::optional<history::CloseReason> close_reason() const;
  ProtocolVersion version() const;  // the version the server's bytes are decoded under

  // Encodes and writes `packet`; records `sent` with packet and raw. Returns the history sequence number.
  // Sending a CONNECT switches the decoder to the CONNECT's version. Sending on a closed connection records
  // nothing and returns 0.
  std::uint64_t send(const Packet& packet);
  // Writes `bytes` as given; records `sent` with raw (and packet, when the bytes are exactly one valid client
  // packet). For malformed-input conformance cases.
  std::uint64_t send_raw(Bytes bytes);
  // ws:// and wss:// only: `bytes` framed as asked (client/websocket_framing.hpp), the `sent` event carrying the
  // framing; 0 and nothing sent over any other transport (see over_websocket).
  std::uint64_t send_framed(Bytes bytes, WebSocketFraming framing);
  bool over_websocket() const;

  // Next received packet not yet taken by a wait, or the close, or the deadline; whichever comes first.
  WaitResult next(Duration deadline);
  // First received packet of `type` (earlier packets of other types stay queued for later waits).
  WaitResult wait_for(PacketType type, Duration deadline);
  // Waits until the connection is closed (by either side); packets still queued are skipped, not consumed.
  WaitResult wait_for_close(Duration deadline);

  // Graceful close (FIN); records `closed` with `reason` (local_close, or timeout when giving up on a server).
  void close(history::CloseReason reason = history::CloseReason::local_close);
  // Abrupt close (SO_LINGER 0, so the peer sees a RST); records `closed` with local_abort. Simulates power loss.
  void abort();

  // Stops (0) or changes queueing received packets for waits; a client that waits for nothing more (probe,
  // once subscribed) keeps none.
  void set_inbox_limit(std::size_t limit);
  ConnectionStatistics statistics() const;

  std::shared_ptr<AsyncConnection> async() const { return connection_; }

 private:
  Connection(EventLoop& loop, std::shared_ptr<AsyncConnection> connection);
  EventLoop* loop_;
  std::shared_ptr<AsyncConnection> connection_;
};

}  // namespace mqtt::client
