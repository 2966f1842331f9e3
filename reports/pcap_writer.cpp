// A history as a classic pcap (Ethernet link type) that Wireshark's MQTT dissector reads: each connection is a
// synthetic TCP stream 127.0.0.1:(10000 + connection) <-> 127.0.0.2:1883 with a handshake, data segments in
// event order with consistent sequence and acknowledgement numbers, and FIN or RST at the close.
#include <array>
#include <map>

#include "reports/reports.hpp"

namespace mqtt::reports {
namespace {

using history::CloseReason;
using history::Event;
using history::EventKind;

constexpr std::uint32_t client_address = 0x7F000001;  // 127.0.0.1
constexpr std::uint32_t server_address = 0x7F000002;  // 127.0.0.2
constexpr std::uint16_t server_port = 1883;
constexpr std::size_t segment_size = 1460;
constexpr std::uint8_t flag_fin = 0x01, flag_syn = 0x02, flag_rst = 0x04, flag_psh = 0x08, flag_ack = 0x10;

void put_u16_big(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}
void put_u32_big(Bytes& out, std::uint32_t value) {
  put_u16_big(out, static_cast<std::uint16_t>(value >> 16));
  put_u16_big(out, static_cast<std::uint16_t>(value));
}
void put_u32_little(Bytes& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}
void put_u16_little(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}

// RFC 1071 ones' complement sum, continued from `sum`.
std::uint32_t checksum_add(std::uint32_t sum, const std::uint8_t* data, std::size_t length) {
  for (std::size_t index = 0; index + 1 < length; index += 2) sum += static_cast<std::uint32_t>(data[index] << 8 | data[index + 1]);
  if (length % 2 != 0) sum += static_cast<std::uint32_t>(data[length - 1] << 8);
  return sum;
}
std::uint16_t checksum_finish(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

struct Stream {
  std::uint16_t client_port = 0;
  std::uint32_t client_next = 0;  // next sequence number the client sends
  std::uint32_t server_next = 0;
  bool open = false;
  bool closed = false;
};

class PcapBuilder {
 public:
  explicit PcapBuilder(std::int64_t base_unix_ns) : base_unix_ns_(base_unix_ns) {
    put_u32_little(bytes_, 0xA1B2C3D4);  // microsecond timestamps
    put_u16_little(bytes_, 2);
    put_u16_little(bytes_, 4);
    put_u32_little(bytes_, 0);       // thiszone
    put_u32_little(bytes_, 0);       // sigfigs
    put_u32_little(bytes_, 262144);  // snaplen
    put_u32_little(bytes_, 1);       // LINKTYPE_ETHERNET
  }

  void segment(std::int64_t time_ns, const Stream& stream, bool from_client, std::uint8_t flags,
               std::span<const std::uint8_t> payload) {
    const std::uint32_t source = from_client ? client_address : server_address;
    const std::uint32_t destination = from_client ? server_address : client_address;
    const std::uint16_t source_port = from_client ? stream.client_port : server_port;
    const std::uint16_t destination_port = from_client ? server_port : stream.client_port;
    const std::uint32_t sequence = from_client ? stream.client_next : stream.server_next;
    const std::uint32_t acknowledgement = (flags & flag_ack) ? (from_client ? stream.server_next : stream.client_next) : 0;

    Bytes tcp;
    put_u16_big(tcp, source_port);
    put_u16_big(tcp, destination_port);
    put_u32_big(tcp, sequence);
    put_u32_big(tcp, acknowledgement);
    tcp.push_back(5 << 4);  // data offset: 20 bytes, no options
    tcp.push_back(flags);
    put_u16_big(tcp, 65535);  // window
    put_u16_big(tcp, 0);      // checksum, filled below
    put_u16_big(tcp, 0);      // urgent pointer
    tcp.insert(tcp.end(), payload.begin(), payload.end());
    Bytes pseudo_header;
    put_u32_big(pseudo_header, source);
    put_u32_big(pseudo_header, destination);
    pseudo_header.push_back(0);
    pseudo_header.push_back(6);  // TCP
    put_u16_big(pseudo_header, static_cast<std::uint16_t>(tcp.size()));
    const std::uint16_t tcp_checksum =
        checksum_finish(checksum_add(checksum_add(0, pseudo_header.data(), pseudo_header.size()), tcp.data(), tcp.size()));
    tcp[16] = static_cast<std::uint8_t>(tcp_checksum >> 8);
    tcp[17] = static_cast<std::uint8_t>(tcp_checksum);

    Bytes ip;
    ip.push_back(0x45);  // IPv4, 20-byte header
    ip.push_back(0);
    put_u16_big(ip, static_cast<std::uint16_t>(20 + tcp.size()));
    put_u16_big(ip, identification_++);
    put_u16_big(ip, 0x4000);  // don't fragment
    ip.push_back(64);         // TTL
    ip.push_back(6);          // TCP
    put_u16_big(ip, 0);
    put_u32_big(ip, source);
    put_u32_big(ip, destination);
    const std::uint16_t ip_checksum = checksum_finish(checksum_add(0, ip.data(), ip.size()));
    ip[10] = static_cast<std::uint8_t>(ip_checksum >> 8);
    ip[11] = static_cast<std::uint8_t>(ip_checksum);

    Bytes frame;
    const std::array<std::uint8_t, 6> client_mac{0x02, 0, 0, 0, 0, 0x01};
    const std::array<std::uint8_t, 6> server_mac{0x02, 0, 0, 0, 0, 0x02};
    const auto& destination_mac = from_client ? server_mac : client_mac;
    const auto& source_mac = from_client ? client_mac : server_mac;
    frame.insert(frame.end(), destination_mac.begin(), destination_mac.end());
    frame.insert(frame.end(), source_mac.begin(), source_mac.end());
    put_u16_big(frame, 0x0800);
    frame.insert(frame.end(), ip.begin(), ip.end());
    frame.insert(frame.end(), tcp.begin(), tcp.end());

    // Keep capture time monotonic even if the history's clock is not.
    const std::int64_t unix_ns = std::max(last_unix_ns_, base_unix_ns_ + time_ns);
    last_unix_ns_ = unix_ns;
    put_u32_little(bytes_, static_cast<std::uint32_t>(unix_ns / 1'000'000'000));
    put_u32_little(bytes_, static_cast<std::uint32_t>((unix_ns % 1'000'000'000) / 1000));
    put_u32_little(bytes_, static_cast<std::uint32_t>(frame.size()));
    put_u32_little(bytes_, static_cast<std::uint32_t>(frame.size()));
    bytes_.insert(bytes_.end(), frame.begin(), frame.end());
  }

  Bytes take() { return std::move(bytes_); }

 private:
  Bytes bytes_;
  std::int64_t base_unix_ns_;
  std::int64_t last_unix_ns_ = 0;
  std::uint16_t identification_ = 1;
};

void handshake(PcapBuilder& builder, Stream& stream, std::int64_t time_ns) {
  builder.segment(time_ns, stream, true, flag_syn, {});
  ++stream.client_next;
  builder.segment(time_ns, stream, false, flag_syn | flag_ack, {});
  ++stream.server_next;
  builder.segment(time_ns, stream, true, flag_ack, {});
  stream.open = true;
}

void data(PcapBuilder& builder, Stream& stream, std::int64_t time_ns, bool from_client, const Bytes& raw) {
  for (std::size_t offset = 0; offset < raw.size(); offset += segment_size) {
    const std::size_t length = std::min(segment_size, raw.size() - offset);
    builder.segment(time_ns, stream, from_client, flag_psh | flag_ack, {raw.data() + offset, length});
    (from_client ? stream.client_next : stream.server_next) += static_cast<std::uint32_t>(length);
  }
}

void close(PcapBuilder& builder, Stream& stream, std::int64_t time_ns, CloseReason reason) {
  switch (reason) {
    case CloseReason::reset:
      builder.segment(time_ns, stream, false, flag_rst | flag_ack, {});
      break;
    case CloseReason::local_abort:
      builder.segment(time_ns, stream, true, flag_rst | flag_ack, {});
      break;
    case CloseReason::clean_eof: {
      builder.segment(time_ns, stream, false, flag_fin | flag_ack, {});
      ++stream.server_next;
      builder.segment(time_ns, stream, true, flag_fin | flag_ack, {});
      ++stream.client_next;
      builder.segment(time_ns, stream, false, flag_ack, {});
      break;
    }
    case CloseReason::timeout:
    case CloseReason::protocol_error:
    case CloseReason::local_close: {
      builder.segment(time_ns, stream, true, flag_fin | flag_ack, {});
      ++stream.client_next;
      builder.segment(time_ns, stream, false, flag_fin | flag_ack, {});
      ++stream.server_next;
      builder.segment(time_ns, stream, true, flag_ack, {});
      break;
    }
  }
  stream.closed = true;
}

}  // namespace

Bytes render_pcap(const history::History& history, std::int64_t base_unix_ns) {
  PcapBuilder builder(base_unix_ns);
  std::map<std::uint32_t, Stream> streams;
  auto stream_of = [&streams](std::uint32_t connection) -> Stream& {
    auto [position, inserted] = streams.try_emplace(connection);
    if (inserted) {
      Stream& stream = position->second;
      stream.client_port = static_cast<std::uint16_t>(10000 + connection % 55000);
      // Distinct, deterministic initial sequence numbers per direction.
      stream.client_next = 1000 + connection * 100000;
      stream.server_next = 5000 + connection * 100000;
    }
    return position->second;
  };
  for (const Event& event : history.events) {
    if (event.connection == 0) continue;  // faults and notes not tied to a connection have no bytes
    Stream& stream = stream_of(event.connection);
    switch (event.kind) {
      case EventKind::open:
        if (!stream.open) handshake(builder, stream, event.time_ns);
        break;
      case EventKind::open_failed:
        builder.segment(event.time_ns, stream, true, flag_syn, {});
        ++stream.client_next;
        builder.segment(event.time_ns, stream, false, flag_rst | flag_ack, {});
        stream.closed = true;
        break;
      case EventKind::sent:
      case EventKind::received:
      case EventKind::decode_error:
        if (event.raw.empty() || stream.closed) break;
        if (!stream.open) handshake(builder, stream, event.time_ns);  // history began mid-connection
        data(builder, stream, event.time_ns, event.kind == EventKind::sent, event.raw);
        break;
      case EventKind::closed:
        if (stream.open && !stream.closed) {
          close(builder, stream, event.time_ns, event.close_reason.value_or(CloseReason::local_close));
        }
        break;
      case EventKind::fault:
      case EventKind::note: break;
    }
  }
  return builder.take();
}

}  // namespace mqtt::reports
