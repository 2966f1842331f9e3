// Writes a synthetic but well-formed capture for the inspect benchmark: Ethernet/IPv4/TCP on port 1883, many
// client connections (handshake, CONNECT/CONNACK, QoS 0 and QoS 1 PUBLISHes with PUBACKs, SUBSCRIBE/SUBACK,
// DISCONNECT, FINs), several packets per segment and packets split across segments, as a busy broker's
// loopback capture looks. Deterministic: the seed is an argument.
// Usage: make_capture OUTPUT.pcap MEGABYTES [SEED]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "codec/encoder.hpp"

namespace {

using mqtt::Bytes;

void put16(Bytes& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}
void put32(Bytes& out, std::uint32_t value) {
  put16(out, value >> 16);
  put16(out, value & 0xFFFF);
}
void put32_le(Bytes& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

struct Writer {
  std::ofstream out;
  std::uint64_t time_ns = 1'700'000'000'000'000'000;
  std::uint64_t bytes = 0;
  Bytes frame;

  void segment(std::uint32_t from_ip, std::uint16_t from_port, std::uint32_t to_ip, std::uint16_t to_port,
               std::uint32_t sequence, std::uint32_t ack, std::uint8_t flags, const std::uint8_t* data,
               std::size_t length) {
    frame.clear();
    frame.insert(frame.end(), 12, 0x02);
    put16(frame, 0x0800);
    frame.push_back(0x45);
    frame.push_back(0);
    put16(frame, static_cast<std::uint32_t>(40 + length));
    put16(frame, 0);
    put16(frame, 0x4000);
    frame.push_back(64);
    frame.push_back(6);
    put16(frame, 0);
    put32(frame, from_ip);
    put32(frame, to_ip);
    put16(frame, from_port);
    put16(frame, to_port);
    put32(frame, sequence);
    put32(frame, ack);
    frame.push_back(0x50);
    frame.push_back(flags);
    put16(frame, 65535);
    put16(frame, 0);
    put16(frame, 0);
    frame.insert(frame.end(), data, data + length);
    time_ns += 20'000;
    Bytes header;
    put32_le(header, static_cast<std::uint32_t>(time_ns / 1'000'000'000));
    put32_le(header, static_cast<std::uint32_t>(time_ns % 1'000'000'000));
    put32_le(header, static_cast<std::uint32_t>(frame.size()));
    put32_le(header, static_cast<std::uint32_t>(frame.size()));
    out.write(reinterpret_cast<const char*>(header.data()), 16);
    out.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
    bytes += 16 + frame.size();
  }
};

struct Connection {
  std::uint32_t client_ip = 0x7F000001;
  std::uint16_t client_port = 0;
  std::uint32_t client_next = 1000;
  std::uint32_t server_next = 9000;
};

void send(Writer& writer, Connection& connection, bool from_client, const Bytes& data,
          std::size_t max_segment) {
  for (std::size_t at = 0; at < data.size(); at += max_segment) {
    const std::size_t length = std::min(max_segment, data.size() - at);
    auto& next = from_client ? connection.client_next : connection.server_next;
    if (from_client) {
      writer.segment(connection.client_ip, connection.client_port, 0x7F000001, 1883, next,
                     connection.server_next, 0x18, data.data() + at, length);
    } else {
      writer.segment(0x7F000001, 1883, connection.client_ip, connection.client_port, next,
                     connection.client_next, 0x18, data.data() + at, length);
    }
    next += static_cast<std::uint32_t>(length);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_capture OUTPUT.pcap MEGABYTES [SEED]\n");
    return 2;
  }
  const std::uint64_t target = std::strtoull(argv[2], nullptr, 10) << 20;
  const std::uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 random(seed);
  Writer writer;
  writer.out.open(argv[1], std::ios::binary);
  Bytes header;
  put32_le(header, 0xA1B23C4D);
  header.insert(header.end(), {2, 0, 4, 0});
  put32_le(header, 0);
  put32_le(header, 0);
  put32_le(header, 262144);
  put32_le(header, 1);
  writer.out.write(reinterpret_cast<const char*>(header.data()), static_cast<std::streamsize>(header.size()));
  std::uint32_t number = 0;
  while (writer.bytes < target) {
    Connection connection;
    connection.client_port = static_cast<std::uint16_t>(20000 + number % 40000);
    connection.client_ip = 0x7F000002 + (number / 40000);
    const std::string client_id = "bench-" + std::to_string(number++);
    writer.segment(connection.client_ip, connection.client_port, 0x7F000001, 1883, connection.client_next - 1,
                   0, 0x02, nullptr, 0);
    writer.segment(0x7F000001, 1883, connection.client_ip, connection.client_port, connection.server_next - 1,
                   connection.client_next, 0x12, nullptr, 0);
    mqtt::Connect connect;
    connect.client_id = client_id;
    connect.keep_alive = 30;
    send(writer, connection, true, mqtt::encode(connect), 1460);
    send(writer, connection, false, mqtt::encode(mqtt::Connack{}), 1460);
    mqtt::Subscribe subscribe;
    subscribe.packet_id = 1;
    subscribe.subscriptions.push_back({"bench/" + client_id + "/cmd", mqtt::QoS::at_least_once});
    send(writer, connection, true, mqtt::encode(subscribe), 1460);
    mqtt::Suback suback;
    suback.packet_id = 1;
    suback.reason_codes = {1};
    send(writer, connection, false, mqtt::encode(suback), 1460);
    const int publishes = 200 + static_cast<int>(random() % 200);
    for (int i = 0; i < publishes; ++i) {
      mqtt::Publish publish;
      publish.topic = "bench/" + client_id + "/telemetry";
      publish.qos = i % 2 == 0 ? mqtt::QoS::at_most_once : mqtt::QoS::at_least_once;
      if (publish.qos != mqtt::QoS::at_most_once) publish.packet_id = static_cast<std::uint16_t>(2 + i);
      publish.payload.assign(64 + random() % 900, static_cast<std::uint8_t>('a' + i % 26));
      // Segments of 100 to 1460 bytes: some packets span segments, length fields included.
      send(writer, connection, true, mqtt::encode(publish), 100 + random() % 1361);
      if (publish.packet_id) {
        mqtt::Puback puback;
        puback.packet_id = *publish.packet_id;
        send(writer, connection, false, mqtt::encode(puback), 1460);
      }
    }
    send(writer, connection, true, mqtt::encode(mqtt::Disconnect{}), 1460);
    writer.segment(connection.client_ip, connection.client_port, 0x7F000001, 1883, connection.client_next,
                   connection.server_next, 0x11, nullptr, 0);
    writer.segment(0x7F000001, 1883, connection.client_ip, connection.client_port, connection.server_next,
                   connection.client_next + 1, 0x11, nullptr, 0);
  }
  std::printf("%s: %llu bytes, %u connections\n", argv[1], static_cast<unsigned long long>(writer.bytes),
              number);
  return writer.out ? 0 : 1;
}
