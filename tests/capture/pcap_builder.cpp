#include "pcap_builder.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "codec/encoder.hpp"

namespace mqtt::capture::test {
namespace {

void put16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}
void put32(Bytes& out, std::uint32_t value) {
  put16(out, static_cast<std::uint16_t>(value >> 16));
  put16(out, static_cast<std::uint16_t>(value));
}
void put32_le(Bytes& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}
void put16_le(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}

bool is_v6(const std::string& address) { return address.find(':') != std::string::npos; }

Bytes address_bytes(const std::string& address) {
  Bytes out(is_v6(address) ? 16 : 4);
  if (inet_pton(is_v6(address) ? AF_INET6 : AF_INET, address.c_str(), out.data()) != 1) {
    throw std::invalid_argument("bad test address " + address);
  }
  return out;
}

}  // namespace

Bytes ip_packet(const Segment& segment) {
  Bytes tcp;
  put16(tcp, segment.from.port);
  put16(tcp, segment.to.port);
  put32(tcp, segment.sequence);
  put32(tcp, segment.acknowledgement);
  tcp.push_back(5 << 4);
  tcp.push_back(segment.flags);
  put16(tcp, 65535);
  put16(tcp, 0xBEEF);  // a wrong checksum, as loopback captures have: must not matter
  put16(tcp, 0);
  tcp.insert(tcp.end(), segment.payload.begin(), segment.payload.end());
  Bytes ip;
  const Bytes source = address_bytes(segment.from.address);
  const Bytes destination = address_bytes(segment.to.address);
  if (!is_v6(segment.from.address)) {
    ip.push_back(0x45);
    ip.push_back(0);
    put16(ip, static_cast<std::uint16_t>(20 + tcp.size()));
    put16(ip, 1);
    put16(ip, 0x4000);  // don't fragment
    ip.push_back(64);
    ip.push_back(6);
    put16(ip, 0);
    ip.insert(ip.end(), source.begin(), source.end());
    ip.insert(ip.end(), destination.begin(), destination.end());
  } else {
    put32(ip, 0x60000000);
    put16(ip, static_cast<std::uint16_t>(tcp.size()));
    ip.push_back(6);
    ip.push_back(64);
    ip.insert(ip.end(), source.begin(), source.end());
    ip.insert(ip.end(), destination.begin(), destination.end());
  }
  ip.insert(ip.end(), tcp.begin(), tcp.end());
  return ip;
}

std::uint32_t link_type_of(Link link) {
  switch (link) {
    case Link::ethernet:
    case Link::ethernet_vlan:
      return 1;
    case Link::sll:
      return 113;
    case Link::sll2:
      return 276;
    case Link::null_loopback:
      return 0;
    case Link::raw:
      return 101;
  }
  return 1;
}

Bytes link_frame(Link link, const Bytes& ip) {
  const bool v6 = !ip.empty() && (ip[0] >> 4) == 6;
  const std::uint16_t ethertype = v6 ? 0x86DD : 0x0800;
  Bytes frame;
  switch (link) {
    case Link::ethernet:
    case Link::ethernet_vlan:
      frame.assign(12, 0x02);
      if (link == Link::ethernet_vlan) {
        put16(frame, 0x8100);
        put16(frame, 42);
      }
      put16(frame, ethertype);
      break;
    case Link::sll:
      put16(frame, 0);  // packet type: to us
      put16(frame, 772);
      put16(frame, 6);
      frame.insert(frame.end(), 8, 0);
      put16(frame, ethertype);
      break;
    case Link::sll2:
      put16(frame, ethertype);
      put16(frame, 0);
      put32(frame, 1);  // interface index
      put16(frame, 772);
      frame.push_back(0);
      frame.push_back(6);
      frame.insert(frame.end(), 8, 0);
      break;
    case Link::null_loopback:
      put32_le(frame, v6 ? 30 : 2);
      break;
    case Link::raw:
      break;
  }
  frame.insert(frame.end(), ip.begin(), ip.end());
  if (link == Link::ethernet && frame.size() < 60) frame.resize(60, 0);  // Ethernet padding
  return frame;
}

PcapBuilder::PcapBuilder(Link link, std::uint32_t snaplen) : link_(link) {
  put32_le(bytes_, 0xA1B23C4D);  // nanosecond-resolution pcap, little endian
  put16_le(bytes_, 2);
  put16_le(bytes_, 4);
  put32_le(bytes_, 0);
  put32_le(bytes_, 0);
  put32_le(bytes_, snaplen);
  put32_le(bytes_, link_type_of(link));
}

void PcapBuilder::add(const Segment& segment, std::optional<std::size_t> captured) {
  add_frame(link_frame(link_, ip_packet(segment)), segment.time_ns, captured);
}

void PcapBuilder::add_frame(const Bytes& frame, std::int64_t time_ns, std::optional<std::size_t> captured) {
  const std::size_t keep = std::min(frame.size(), captured.value_or(frame.size()));
  put32_le(bytes_, static_cast<std::uint32_t>(time_ns / 1'000'000'000));
  put32_le(bytes_, static_cast<std::uint32_t>(time_ns % 1'000'000'000));
  put32_le(bytes_, static_cast<std::uint32_t>(keep));
  put32_le(bytes_, static_cast<std::uint32_t>(frame.size()));
  bytes_.insert(bytes_.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(keep));
}

void PcapBuilder::write(const std::filesystem::path& path) const {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes_.data()), static_cast<std::streamsize>(bytes_.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

Conversation::Conversation(Endpoint client, Endpoint server, std::uint32_t client_isn,
                           std::uint32_t server_isn)
    : client_(std::move(client)),
      server_(std::move(server)),
      client_next_(client_isn),
      server_next_(server_isn) {}

Segment Conversation::make(bool from_client, std::uint8_t flags, const Bytes& payload) {
  time_ns_ += 1'000'000;
  Segment segment;
  segment.from = from_client ? client_ : server_;
  segment.to = from_client ? server_ : client_;
  auto& next = from_client ? client_next_ : server_next_;
  segment.sequence = next;
  segment.acknowledgement = from_client ? server_next_ : client_next_;
  segment.flags = flags;
  segment.payload = payload;
  segment.time_ns = time_ns_;
  next += static_cast<std::uint32_t>(payload.size()) + ((flags & 0x03) != 0 ? 1 : 0);
  return segment;
}

std::vector<Segment> Conversation::handshake() {
  std::vector<Segment> segments;
  segments.push_back(make(true, 0x02, {}));
  segments.back().acknowledgement = 0;
  segments.push_back(make(false, 0x12, {}));
  segments.push_back(make(true, 0x10, {}));
  return segments;
}

Segment Conversation::client_sends(const Bytes& payload) { return make(true, 0x18, payload); }
Segment Conversation::server_sends(const Bytes& payload) { return make(false, 0x18, payload); }
Segment Conversation::client_fin() { return make(true, 0x11, {}); }
Segment Conversation::server_fin() { return make(false, 0x11, {}); }

Bytes connect_bytes(const std::string& client_id, std::uint16_t keep_alive) {
  Connect connect;
  connect.client_id = client_id;
  connect.keep_alive = keep_alive;
  return encode(connect);
}
Bytes connack_bytes() { return encode(Connack{}); }
Bytes publish_bytes(const std::string& topic, const std::string& payload, QoS qos, std::uint16_t packet_id) {
  Publish publish;
  publish.topic = topic;
  publish.qos = qos;
  if (qos != QoS::at_most_once) publish.packet_id = packet_id;
  publish.payload.assign(payload.begin(), payload.end());
  return encode(publish);
}
Bytes puback_bytes(std::uint16_t packet_id) {
  Puback puback;
  puback.packet_id = packet_id;
  return encode(puback);
}
Bytes disconnect_bytes() { return encode(Disconnect{}); }
Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

std::vector<Segment> qos1_session(const Endpoint& client, const Endpoint& server, const std::string& client_id,
                                  bool trailing_empty) {
  Conversation tcp(client, server);
  auto segments = tcp.handshake();
  segments.push_back(tcp.client_sends(connect_bytes(client_id)));
  segments.push_back(tcp.server_sends(connack_bytes()));
  segments.push_back(tcp.client_sends(publish_bytes("dtu/7/telemetry", "21.5C", QoS::at_least_once, 1)));
  segments.push_back(tcp.server_sends(puback_bytes(1)));
  segments.push_back(tcp.client_sends(disconnect_bytes()));
  segments.push_back(tcp.client_fin());
  segments.push_back(tcp.server_fin());
  if (trailing_empty) segments.push_back(tcp.client_sends({}));
  return segments;
}

TempCapture::TempCapture(const std::string& prefix, const std::string& name, const std::string& extension)
    : path_(std::filesystem::temp_directory_path() /
            (prefix + "-" + std::to_string(::getpid()) + "-" + name + extension)) {}

TempCapture::~TempCapture() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

void TempCapture::write(const Bytes& bytes) const {
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error(path_.string() + ": cannot write");
}

}  // namespace mqtt::capture::test
