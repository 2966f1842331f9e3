// Writes the seed corpora of the capture fuzz targets from the capture tests' crafted inputs (the pcap, pcapng,
// fragment and WebSocket builders in tests/capture), one directory per target.
// Usage: fuzz_capture_corpus_generator DIRECTORY. Its output is committed under tests/fuzz/corpus-captures/.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "codec/encoder.hpp"
#include "ip_fragmenter.hpp"
#include "pcap_builder.hpp"
#include "pcapng_builder.hpp"
#include "websocket_frames.hpp"

namespace {

using namespace mqtt;
using namespace mqtt::capture::test;

std::filesystem::path root;
int files = 0;

void write(const std::string& target, const std::string& name, const Bytes& bytes) {
  std::filesystem::create_directories(root / target);
  std::ofstream file(root / target / name, std::ios::binary);
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ++files;
}

Bytes v5_publish(const std::string& topic, const std::string& payload) {
  Publish publish;
  publish.version = ProtocolVersion::v5;
  publish.topic = topic;
  publish.payload.assign(payload.begin(), payload.end());
  return encode(publish);
}

Bytes v5_connack() {
  Connack connack;
  connack.version = ProtocolVersion::v5;
  return encode(connack);
}

Bytes websocket_session() {
  Bytes client = websocket_upgrade_request();
  const Bytes connect = connect_bytes("ws-client");
  client = concat({client, websocket_frame(Bytes(connect.begin(), connect.begin() + 5), true),
                   websocket_frame(Bytes(connect.begin() + 5, connect.end()), true),
                   websocket_frame(publish_bytes("ws/t", std::string(200, 'w')), true)});
  return client;
}

void capture_files() {
  const Link links[] = {Link::ethernet, Link::ethernet_vlan, Link::sll, Link::sll2, Link::null_loopback, Link::raw};
  const char* names[] = {"ethernet", "vlan", "sll", "sll2", "null", "raw"};
  for (std::size_t index = 0; index < std::size(links); ++index) {
    PcapBuilder builder(links[index]);
    for (const auto& segment : qos1_session({"10.0.0.2", 50312}, {"10.0.0.1", 1883})) builder.add(segment);
    write("capture_file_fuzzer", std::string("session-") + names[index] + ".pcap", builder.bytes());
  }
  {  // IPv6, mid-stream, snaplen cut, missing segment
    PcapBuilder builder(Link::ethernet, 120);
    Conversation tcp({"::1", 50001}, {"::1", 1883});
    tcp.handshake();
    tcp.client_sends(connect_bytes("late"));
    builder.add(tcp.server_sends(connack_bytes()));
    builder.add(tcp.client_sends(publish_bytes("a/b", std::string(300, 'x'))), 90);
    tcp.client_sends(publish_bytes("a/b", "never captured"));
    builder.add(tcp.server_sends(Bytes{}));
    builder.add(tcp.client_sends(publish_bytes("a/b", "later")));
    builder.add(tcp.client_fin());
    write("capture_file_fuzzer", "ipv6-midstream-gaps.pcap", builder.bytes());
  }
  {  // a v5 session picked up after its CONNECT
    PcapBuilder builder(Link::sll2);
    Conversation tcp({"127.0.0.1", 50101}, {"127.0.0.1", 1883});
    tcp.handshake();
    tcp.client_sends(connect_bytes("v5"));
    builder.add(tcp.server_sends(v5_connack()));
    builder.add(tcp.client_sends(v5_publish("v5/t", "one")));
    builder.add(tcp.client_sends(v5_publish("v5/t", "two")));
    write("capture_file_fuzzer", "v5-midstream.pcap", builder.bytes());
  }
  {  // WebSocket on another port
    PcapBuilder builder(Link::ethernet);
    Conversation tcp({"10.0.0.2", 43000}, {"10.0.0.1", 8080});
    for (const auto& segment : tcp.handshake()) builder.add(segment);
    builder.add(tcp.client_sends(websocket_session()));
    builder.add(tcp.server_sends(concat({websocket_upgrade_response(), websocket_frame(connack_bytes(), false)})));
    write("capture_file_fuzzer", "websocket.pcap", builder.bytes());
  }
  {  // IPv4 fragments, out of order
    PcapBuilder builder(Link::raw);
    Conversation tcp({"10.0.0.2", 40000}, {"10.0.0.1", 1883});
    for (const auto& segment : tcp.handshake()) builder.add(segment);
    auto fragments = fragment_ipv4(ip_packet(tcp.client_sends(connect_bytes("fragmented"))), 16, 0x1c46);
    std::reverse(fragments.begin(), fragments.end());
    for (const auto& fragment : fragments) builder.add_frame(link_frame(Link::raw, fragment), tcp.now());
    builder.add(tcp.server_sends(connack_bytes()));
    write("capture_file_fuzzer", "fragments.pcap", builder.bytes());
  }
  {  // pcapng with mixed link types (our reader takes over from libpcap)
    PcapngBuilder builder;
    const auto ethernet = builder.interface(1);
    const auto sll2 = builder.interface(276, 0, 9, 0);
    std::uint64_t time = 1'700'000'000'000'000;
    for (const auto& segment : qos1_session({"10.0.0.2", 50312}, {"10.0.0.1", 1883})) {
      builder.enhanced(ethernet, time++, link_frame(Link::ethernet, ip_packet(segment)));
    }
    for (const auto& segment : qos1_session({"127.0.0.1", 40000}, {"127.0.0.1", 1883}, "other")) {
      builder.enhanced(sll2, time++ * 1000, link_frame(Link::sll2, ip_packet(segment)));
    }
    write("capture_file_fuzzer", "mixed.pcapng", builder.bytes());
    write("pcapng_reader_fuzzer", "mixed.pcapng", builder.bytes());
  }
  {  // both byte orders, simple, obsolete and other blocks, offsets and resolutions
    PcapngBuilder builder(true);
    const auto first = builder.interface(101, 96, 0x86, -3600);
    const auto segments = qos1_session({"10.0.0.2", 50312}, {"10.0.0.1", 1883});
    builder.enhanced(first, 1u << 20, link_frame(Link::raw, ip_packet(segments[0])));
    builder.other(4, 16);
    builder.simple(link_frame(Link::raw, ip_packet(segments[1])));
    builder.section(false);
    const auto second = builder.interface(1, 0, 3, 1'700'000'000);
    builder.obsolete(static_cast<std::uint16_t>(second), 5, link_frame(Link::ethernet, ip_packet(segments[2])));
    builder.other(5, 24);
    write("pcapng_reader_fuzzer", "byte-orders.pcapng", builder.bytes());
    write("capture_file_fuzzer", "byte-orders.pcapng", builder.bytes());
  }
  for (const char* fixture : {"mosquitto-v311-v5.pcap", "mosquitto-v311-v5.pcapng"}) {
    std::ifstream in(std::filesystem::path(MQTT_CAPTURE_TEST_DATA) / fixture, std::ios::binary);
    const Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    write("capture_file_fuzzer", fixture, bytes);
    if (std::string(fixture).ends_with(".pcapng")) write("pcapng_reader_fuzzer", fixture, bytes);
  }
}

// [length (2), time step (1), cut (1), frame]
void add_record(Bytes& out, const Bytes& frame, std::uint8_t step, std::uint8_t cut = 0) {
  out.push_back(static_cast<std::uint8_t>(frame.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(frame.size()));
  out.push_back(step);
  out.push_back(cut);
  out.insert(out.end(), frame.begin(), frame.end());
}

void ip_fragments() {
  Conversation v4({"10.0.0.2", 40000}, {"10.0.0.1", 1883});
  Conversation v6({"fd00::2", 40000}, {"fd00::1", 1883});
  const auto packet4 = ip_packet(v4.client_sends(publish_bytes("frag/4", std::string(200, 'f'))));
  const auto packet6 = ip_packet(v6.client_sends(publish_bytes("frag/6", std::string(200, 'g'))));
  for (const std::uint8_t limits : {0, 0x35}) {
    Bytes in_order{limits};
    for (const auto& fragment : fragment_ipv4(packet4, 64, 7)) add_record(in_order, fragment, 0);
    for (const auto& fragment : fragment_ipv6(packet6, 64, 9)) add_record(in_order, fragment, 1);
    write("ip_reassembler_fuzzer", "in-order-" + std::to_string(limits), in_order);
    Bytes shuffled{limits};
    auto fragments = fragment_ipv4(packet4, 32, 8);
    std::mt19937 random(1);
    std::shuffle(fragments.begin(), fragments.end(), random);
    for (const auto& fragment : fragments) add_record(shuffled, fragment, 0);
    add_record(shuffled, fragments.front(), 0);       // a duplicate
    add_record(shuffled, fragments.back(), 200, 30);  // late and cut
    write("ip_reassembler_fuzzer", "shuffled-" + std::to_string(limits), shuffled);
  }
}

// base (4), held bound (1), then [operation, relative sequence (2), length, payload]
void tcp_operations() {
  Bytes in_order = {0xFF, 0xFF, 0xFF, 0x00, 0x10};  // sequence numbers wrap
  const auto add = [](Bytes& out, std::uint8_t operation, std::int16_t relative, const Bytes& payload) {
    out.push_back(operation);
    out.push_back(static_cast<std::uint8_t>(static_cast<std::uint16_t>(relative) >> 8));
    out.push_back(static_cast<std::uint8_t>(relative));
    out.push_back(static_cast<std::uint8_t>(payload.size()));
    out.insert(out.end(), payload.begin(), payload.end());
  };
  const Bytes a = publish_bytes("t/a", "first");
  const Bytes b = publish_bytes("t/b", "second");
  add(in_order, 2, -1, {});
  add(in_order, 0, 0, a);
  add(in_order, 0, static_cast<std::int16_t>(a.size()), b);
  add(in_order, 3, 0, {});
  add(in_order, 1, static_cast<std::int16_t>(a.size() + b.size()), {});
  write("tcp_reassembler_fuzzer", "in-order", in_order);
  Bytes reordered = {0x00, 0x00, 0x10, 0x00, 0x02};
  add(reordered, 2, -1, {});
  add(reordered, 0, static_cast<std::int16_t>(a.size()), b);  // before its predecessor
  add(reordered, 0x84, 0, a);                                // cut by snaplen, with FIN
  add(reordered, 0, 0, a);                                   // a retransmission
  add(reordered, 1, 400, {});                                // acknowledges bytes never seen
  add(reordered, 0x08 | 0x30, 300, b);                       // longer on the wire than captured
  write("tcp_reassembler_fuzzer", "reordered", reordered);
}

void websocket_streams() {
  Bytes client = {1, 7};
  const Bytes session = websocket_session();
  client.insert(client.end(), session.begin(), session.end());
  write("websocket_unframer_fuzzer", "client", client);
  Bytes server = {0, 2};
  const Bytes answer = concat({websocket_upgrade_response(), websocket_frame(connack_bytes(), false),
                               websocket_frame(publish_bytes("ws/down", std::string(300, 'd')), false)});
  server.insert(server.end(), answer.begin(), answer.end());
  write("websocket_unframer_fuzzer", "server", server);
}

void resynchronisation_streams() {
  std::mt19937 random(1);
  Bytes filler(600);
  for (auto& byte : filler) byte = static_cast<std::uint8_t>(0x30 + random() % 16);
  const Bytes v311 = concat({filler, publish_bytes("r/1", "one"), publish_bytes("r/2", "two"),
                             puback_bytes(3), disconnect_bytes()});
  const Bytes v5 = concat({Bytes{0x00, 0x17}, v5_publish("r/5", "one"), v5_publish("r/5", "two")});
  const Bytes broker = concat({Bytes{0x01}, v5_connack(), Bytes{0xD0, 0x00}});
  const std::pair<const char*, std::pair<std::uint8_t, Bytes>> streams[] = {
      {"client-311", {0x00, v311}}, {"client-311-known", {0x02, v311}}, {"client-311-gaps", {0x80, v311}},
      {"client-5", {0x00, v5}},     {"broker-5", {0x01, broker}},       {"broker-5-known", {0x05, broker}},
  };
  for (const auto& [name, stream] : streams) {
    Bytes input = {stream.first, 31};
    input.insert(input.end(), stream.second.begin(), stream.second.end());
    write("resynchroniser_fuzzer", name, input);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  root = argv[1];
  capture_files();
  ip_fragments();
  tcp_operations();
  websocket_streams();
  resynchronisation_streams();
  std::printf("%d seed files in %s\n", files, root.c_str());
  return 0;
}
