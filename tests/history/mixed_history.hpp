// A history with every shape of event the compact logs must give back exactly: packets of each version decoded
// again from their raw bytes, raw-only sends, notes, faults, open/close with reasons, decode errors, frames
// and events a late loop noticed (looked_ns).
// Shared by the in-memory log's tests and the on-disk log's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "codec/encoder.hpp"
#include "history/event.hpp"

namespace mqtt::history {

inline Bytes to_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

// What a plain Recorder holds for a packet event: the packet and the bytes.
inline Event packet_event(std::int64_t time_ns, std::uint32_t connection, std::string actor, EventKind kind,
                   const Packet& packet) {
  Event event;
  event.time_ns = time_ns;
  event.connection = connection;
  event.actor = std::move(actor);
  event.kind = kind;
  event.packet = packet;
  event.raw = encode(packet);
  return event;
}

struct Recorded {
  Event event;
  ProtocolVersion version;
};

inline std::vector<Recorded> mixed_history() {
  std::vector<Recorded> recorded;
  auto add = [&](Event event, ProtocolVersion version = ProtocolVersion::v3_1_1) {
    recorded.push_back({std::move(event), version});
  };
  std::int64_t time = 0;
  for (const ProtocolVersion version :
       {ProtocolVersion::v3_1, ProtocolVersion::v3_1_1, ProtocolVersion::v5}) {
    const std::uint32_t connection = static_cast<std::uint32_t>(version);
    const std::string actor = "dtu-cell-" + std::to_string(connection);
    Event open;
    open.kind = EventKind::open;
    open.connection = connection;
    open.actor = actor;
    open.detail = "peer 127.0.0.1:1883";
    open.time_ns = ++time;
    add(open);

    Connect connect;
    connect.version = version;
    connect.client_id = actor;
    connect.clean_session = false;
    connect.keep_alive = 30;
    connect.will = Will{"dtu/" + actor + "/status", to_bytes("offline"), QoS::at_least_once, true, {}};
    add(packet_event(++time, connection, actor, EventKind::sent, connect), version);
    add(packet_event(++time, connection, actor, EventKind::received,
                     Connack{version, version != ProtocolVersion::v3_1, 0, {}}),
        version);
    Subscribe subscribe{version, 1, {Subscription{"dtu/" + actor + "/cmd", QoS::at_least_once}}, {}};
    add(packet_event(++time, connection, actor, EventKind::sent, subscribe), version);
    Suback suback{version, 1, {1}, {}};
    add(packet_event(++time, connection, actor, EventKind::received, suback), version);
    for (const QoS qos : {QoS::at_most_once, QoS::at_least_once, QoS::exactly_once}) {
      Publish publish;
      publish.version = version;
      publish.topic = "dtu/" + actor + "/telemetry";
      publish.qos = qos;
      if (qos != QoS::at_most_once) publish.packet_id = 7;
      publish.payload = to_bytes(actor + "#1|........");
      add(packet_event(++time, connection, actor, EventKind::sent, publish), version);
      add(packet_event(++time, connection, "backend", EventKind::received, publish), version);
    }
    add(packet_event(++time, connection, actor, EventKind::received, Puback{version, 7, 0, {}}), version);
    add(packet_event(++time, connection, actor, EventKind::received, Pubrec{version, 7, 0, {}}), version);
    add(packet_event(++time, connection, actor, EventKind::sent, Pubrel{version, 7, 0, {}}), version);
    add(packet_event(++time, connection, actor, EventKind::received, Pubcomp{version, 7, 0, {}}), version);
    add(packet_event(++time, connection, actor, EventKind::sent, Pingreq{version}), version);
    add(packet_event(++time, connection, actor, EventKind::received, Pingresp{version}), version);
    // Noticed by a late loop (Event::looked_ns): a packet event that cannot take the compact form.
    if (version == ProtocolVersion::v5) recorded.back().event.looked_ns = time - 3;
    add(packet_event(++time, connection, actor, EventKind::sent, Disconnect{version, 0, {}}), version);
    Event closed;
    closed.kind = EventKind::closed;
    closed.connection = connection;
    closed.actor = actor;
    closed.close_reason = CloseReason::local_close;
    closed.time_ns = ++time;
    if (version == ProtocolVersion::v3_1_1) closed.looked_ns = time - 2;
    add(closed);
  }
  // A send that is not one valid packet (raw only), a decode error, a fault, a note, a failed open and an
  // event with a capture frame number.
  Event raw_only;
  raw_only.kind = EventKind::sent;
  raw_only.connection = 9;
  raw_only.actor = "raw";
  raw_only.raw = {0x30, 0x7f, 0x00};
  raw_only.time_ns = ++time;
  add(raw_only);
  Event decode_error;
  decode_error.kind = EventKind::decode_error;
  decode_error.connection = 9;
  decode_error.actor = "raw";
  decode_error.raw = {0x36, 0x00};
  decode_error.error = DecodeError{0, PacketType::publish, "MQTT-3.3.1-4", "QoS 3 is not allowed"};
  decode_error.time_ns = ++time;
  add(decode_error);
  Event fault;
  fault.kind = EventKind::fault;
  fault.connection = 9;
  fault.actor = "dtu-cell-4";
  fault.fault = "latency";
  fault.detail = "latency_ms=80 jitter_ms=40 direction=both";
  fault.time_ns = ++time;
  add(fault);
  Event note;
  note.kind = EventKind::note;
  note.actor = "fleet";
  note.detail = "fleet end: disconnecting every device";
  note.time_ns = ++time;
  add(note);
  Event open_failed;
  open_failed.kind = EventKind::open_failed;
  open_failed.connection = 10;
  open_failed.actor = "dtu-cell-4";
  open_failed.detail = "connection refused by 127.0.0.1:1";
  open_failed.time_ns = ++time;
  add(open_failed);
  Event reset;
  reset.kind = EventKind::closed;
  reset.connection = 9;
  reset.actor = "raw";
  reset.close_reason = CloseReason::reset;
  reset.time_ns = ++time;
  add(reset);
  Event framed =
      packet_event(++time, 11, "10.0.0.2:5000", EventKind::received, Pingresp{ProtocolVersion::v3_1_1});
  framed.frame = 42;
  add(framed);
  return recorded;
}

inline std::vector<Event> numbered(std::vector<Recorded> recorded, std::uint64_t first = 1) {
  std::vector<Event> events;
  for (auto& item : recorded) {
    item.event.sequence = first++;
    events.push_back(std::move(item.event));
  }
  return events;
}

}  // namespace mqtt::history
