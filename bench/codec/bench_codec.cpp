// Codec throughput on a realistic client-to-broker mix: mostly small PUBLISH (QoS 0/1, 20-200 byte payloads),
// PUBACKs, PINGREQs, some SUBSCRIBEs; the 5.0 variant adds properties to a tenth of the publishes.
// The stream is fed to the StreamDecoder in 1460-byte chunks (one TCP segment). Seed fixed: 20261125.
#include <benchmark/benchmark.h>

#include <random>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace {

constexpr std::uint32_t seed = 20261125;
constexpr std::size_t packet_count = 10'000;

std::vector<mqtt::Packet> make_mix(mqtt::ProtocolVersion version) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> percent(0, 99);
  std::uniform_int_distribution<std::size_t> payload_size(20, 200);
  std::vector<mqtt::Packet> packets;
  mqtt::Connect connect;
  connect.version = version;
  connect.client_id = "bench-device-0001";
  packets.push_back(connect);
  std::uint16_t next_id = 1;
  for (std::size_t index = 1; index < packet_count; ++index) {
    const int roll = percent(random);
    if (roll < 75) {
      mqtt::Publish publish;
      publish.version = version;
      publish.topic = "fleet/device-" + std::to_string(index % 500) + "/telemetry";
      publish.qos = roll < 45 ? mqtt::QoS::at_most_once : mqtt::QoS::at_least_once;
      if (publish.qos != mqtt::QoS::at_most_once) {
        if (next_id == 0) next_id = 1;  // 0 is not a valid packet identifier
        publish.packet_id = next_id++;
      }
      publish.payload.assign(payload_size(random), static_cast<std::uint8_t>('a' + index % 26));
      if (version == mqtt::ProtocolVersion::v5 && index % 10 == 0) {
        publish.properties = {
            mqtt::Property{mqtt::PropertyId::message_expiry_interval, std::uint32_t{300}},
            mqtt::Property{mqtt::PropertyId::content_type, std::string("application/json")},
            mqtt::Property{mqtt::PropertyId::user_property, mqtt::StringPair{"firmware", "4.2.1"}}};
      }
      packets.push_back(publish);
    } else if (roll < 92) {
      packets.push_back(mqtt::Puback{version, static_cast<std::uint16_t>(1 + index % 60000), 0, {}});
    } else if (roll < 97) {
      packets.push_back(mqtt::Pingreq{version});
    } else {
      mqtt::Subscribe subscribe;
      subscribe.version = version;
      subscribe.packet_id = static_cast<std::uint16_t>(1 + index % 60000);
      subscribe.subscriptions = {mqtt::Subscription{"fleet/+/commands", mqtt::QoS::at_least_once},
                                 mqtt::Subscription{"fleet/broadcast/#", mqtt::QoS::at_most_once}};
      packets.push_back(subscribe);
    }
  }
  return packets;
}

mqtt::Bytes encode_all(const std::vector<mqtt::Packet>& packets) {
  mqtt::Bytes stream;
  for (const auto& packet : packets) mqtt::encode(packet, stream);
  return stream;
}

void decode_stream(benchmark::State& state, mqtt::ProtocolVersion version) {
  const auto packets = make_mix(version);
  const mqtt::Bytes stream = encode_all(packets);
  constexpr std::size_t segment = 1460;
  std::size_t decoded = 0;
  for (auto _ : state) {
    mqtt::DecoderOptions options;
    options.sender = mqtt::Sender::client;
    mqtt::StreamDecoder decoder(options);
    for (std::size_t position = 0; position < stream.size(); position += segment) {
      decoder.feed(std::span<const std::uint8_t>(stream).subspan(
          position, std::min(segment, stream.size() - position)));
      while (true) {
        auto result = decoder.next();
        if (!std::holds_alternative<mqtt::DecodedPacket>(result)) {
          if (std::holds_alternative<mqtt::DecodeError>(result)) state.SkipWithError("decode error");
          break;
        }
        benchmark::DoNotOptimize(result);
        ++decoded;
      }
    }
  }
  if (decoded != packets.size() * state.iterations()) state.SkipWithError("not every packet decoded");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * packets.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}

void encode_stream(benchmark::State& state, mqtt::ProtocolVersion version) {
  const auto packets = make_mix(version);
  const std::size_t stream_size = encode_all(packets).size();
  mqtt::Bytes out;
  out.reserve(stream_size);
  for (auto _ : state) {
    out.clear();
    for (const auto& packet : packets) mqtt::encode(packet, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * packets.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream_size));
}

void BM_DecodeStream_v3_1_1(benchmark::State& state) { decode_stream(state, mqtt::ProtocolVersion::v3_1_1); }
void BM_DecodeStream_v5(benchmark::State& state) { decode_stream(state, mqtt::ProtocolVersion::v5); }
void BM_Encode_v3_1_1(benchmark::State& state) { encode_stream(state, mqtt::ProtocolVersion::v3_1_1); }
void BM_Encode_v5(benchmark::State& state) { encode_stream(state, mqtt::ProtocolVersion::v5); }

BENCHMARK(BM_DecodeStream_v3_1_1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeStream_v5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Encode_v3_1_1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Encode_v5)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
