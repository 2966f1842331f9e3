// The fleet statistics accumulator on a synthetic fan-in: N devices publish numbered QoS 1 messages to one
// backend subscriber at a steady rate, each PUBACK 0.5 ms and each copy 1–10 ms later, 0.1 % of the copies lost
// and 0.1 % doubled. The events are made
// on the fly and never stored, so the peak RSS is the accumulator's (plus the program's baseline, printed apart).
// Prints events/s of observe() alone (the time to make the events, measured in a first pass, is subtracted),
// the peak of tracked(), and the peak RSS. See docs/benchmarks.md, "Fleet statistics".
//
// Usage: bench_fleet_stats [messages=10000000] [devices=1000] [rate_per_s=10000] [seed=1]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "simulator/fleet_stats.hpp"

namespace {

using mqtt::simulator::FleetSpec;
using mqtt::simulator::FleetStatistics;
using mqtt::history::Event;
using mqtt::history::EventKind;

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

struct Options {
  long messages = 10'000'000;
  int devices = 1000;
  long rate = 10'000;
  unsigned long seed = 1;
};

// Calls `sink` with every event of the synthetic run, in time order; returns how many.
template <typename Sink>
std::uint64_t generate(const Options& options, Sink&& sink) {
  std::mt19937_64 random(options.seed);
  std::uint64_t count = 0;
  Event event;
  const auto emit = [&](std::int64_t time_ns, std::uint32_t connection, const std::string& actor, EventKind kind,
                        mqtt::Packet packet) {
    event.sequence = ++count;
    event.time_ns = time_ns;
    event.connection = connection;
    event.actor = actor;
    event.kind = kind;
    event.packet = std::move(packet);
    sink(event);
  };
  mqtt::Subscribe subscribe;
  subscribe.packet_id = 1;
  subscribe.subscriptions = {mqtt::Subscription{"dtu/+/telemetry", mqtt::QoS::at_least_once}};
  emit(0, 1, "backend", EventKind::sent, subscribe);
  std::vector<std::string> names, topics;
  for (int device = 0; device < options.devices; ++device) {
    names.push_back("dtu-" + std::to_string(device));
    topics.push_back("dtu/" + names.back() + "/telemetry");
  }
  // Copies waiting to be received, by time: a small ring, since every copy comes within 10 ms.
  struct Copy {
    std::int64_t time_ns;
    int device;
    std::uint64_t number;
    bool dup;
    bool puback;  // the broker's PUBACK to the publisher, not a copy
  };
  std::vector<Copy> waiting;
  const std::int64_t step_ns = 1'000'000'000 / options.rate;
  std::uniform_int_distribution<std::int64_t> delay_ns(1'000'000, 10'000'000);
  std::uniform_int_distribution<int> per_mille(0, 999);
  const auto receive_until = [&](std::int64_t time_ns) {
    std::sort(waiting.begin(), waiting.end(), [](const Copy& a, const Copy& b) { return a.time_ns > b.time_ns; });
    while (!waiting.empty() && waiting.back().time_ns <= time_ns) {
      const Copy copy = waiting.back();
      waiting.pop_back();
      if (copy.puback) {
        emit(copy.time_ns, static_cast<std::uint32_t>(2 + copy.device), names[static_cast<std::size_t>(copy.device)],
             EventKind::received, mqtt::Puback{mqtt::ProtocolVersion::v3_1_1,
                                               static_cast<std::uint16_t>(copy.number % 65535 + 1)});
        continue;
      }
      mqtt::Publish publish;
      publish.topic = topics[static_cast<std::size_t>(copy.device)];
      const auto token = mqtt::simulator::message_token(names[static_cast<std::size_t>(copy.device)], copy.number);
      publish.payload.assign(token.begin(), token.end());
      publish.payload.resize(64, '.');
      publish.qos = mqtt::QoS::at_least_once;
      publish.packet_id = static_cast<std::uint16_t>(copy.number % 65535 + 1);
      publish.dup = copy.dup;
      emit(copy.time_ns, 1, "backend", EventKind::received, std::move(publish));
    }
  };
  std::vector<std::uint64_t> numbers(static_cast<std::size_t>(options.devices), 0);
  for (long i = 0; i < options.messages; ++i) {
    const std::int64_t now_ns = 1'000'000 + i * step_ns;
    receive_until(now_ns);
    const int device = static_cast<int>(i % options.devices);
    const auto number = ++numbers[static_cast<std::size_t>(device)];
    mqtt::Publish publish;
    publish.topic = topics[static_cast<std::size_t>(device)];
    const auto token = mqtt::simulator::message_token(names[static_cast<std::size_t>(device)], number);
    publish.payload.assign(token.begin(), token.end());
    publish.payload.resize(64, '.');
    publish.qos = mqtt::QoS::at_least_once;
    publish.packet_id = static_cast<std::uint16_t>(number % 65535 + 1);
    emit(now_ns, static_cast<std::uint32_t>(2 + device), names[static_cast<std::size_t>(device)], EventKind::sent,
         std::move(publish));
    waiting.push_back(Copy{now_ns + 500'000, device, number, false, true});
    const int fate = per_mille(random);
    if (fate == 0) continue;  // lost
    const auto at = now_ns + delay_ns(random);
    waiting.push_back(Copy{at, device, number, false, false});
    if (fate == 1) waiting.push_back(Copy{at + 1'000'000, device, number, true, false});
  }
  receive_until(INT64_MAX);
  return count;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (argc > 1) options.messages = std::atol(argv[1]);
  if (argc > 2) options.devices = std::atoi(argv[2]);
  if (argc > 3) options.rate = std::atol(argv[3]);
  if (argc > 4) options.seed = std::strtoul(argv[4], nullptr, 10);
  if (options.messages <= 0 || options.devices <= 0 || options.rate <= 0 || options.rate > 1'000'000'000) {
    std::fprintf(stderr, "bench_fleet_stats: messages, devices and rate must be positive (rate <= 1e9)\n");
    return 2;
  }
  std::printf("synthetic fan-in: %ld messages, %d devices, %ld msg/s, seed %lu\n", options.messages,
              options.devices, options.rate, options.seed);

  auto start = std::chrono::steady_clock::now();
  const auto events = generate(options, [](const Event&) {});
  const double making_s = seconds_since(start);
  const long baseline_kib = peak_rss_kib();

  FleetSpec spec;
  spec.name = "bench-fleet-stats";
  spec.duration_ms = static_cast<std::uint32_t>(options.messages * 1000 / options.rate);
  FleetStatistics statistics(spec);
  std::size_t most_tracked = 0;
  start = std::chrono::steady_clock::now();
  generate(options, [&](const Event& event) {
    statistics.observe(event);
    if (event.sequence % 4096 == 0) most_tracked = std::max(most_tracked, statistics.tracked());
  });
  const double both_s = seconds_since(start);
  start = std::chrono::steady_clock::now();
  const auto stats = statistics.finish();
  const double finish_s = seconds_since(start);
  const long peak_kib = peak_rss_kib();

  const double observe_s = std::max(1e-9, both_s - making_s);
  std::printf("events %llu; making them %.2f s; making + observe %.2f s; observe alone %.2f s = %.2f M events/s\n",
              static_cast<unsigned long long>(events), making_s, both_s, observe_s,
              static_cast<double>(events) / observe_s / 1e6);
  std::printf("finish() %.3f s; tracked() peak %zu, at the end %zu; tracked_state() %zu\n", finish_s, most_tracked,
              statistics.tracked(), statistics.tracked_state());
  std::printf("peak RSS: %.1f MB before the accumulator, %.1f MB after (accumulator <= %.1f MB)\n",
              static_cast<double>(baseline_kib) / 1024, static_cast<double>(peak_kib) / 1024,
              static_cast<double>(peak_kib - baseline_kib) / 1024);
  std::printf("published %s delivered %s lost %s duplicates %s; qos1 latency %s\n",
              stats["messages"]["published"].dump().c_str(), stats["messages"]["delivered"].dump().c_str(),
              stats["messages"]["lost"].dump().c_str(), stats["messages"]["duplicates"].dump().c_str(),
              stats["delivery_latency_ms"]["qos1"].dump().c_str());
  return 0;
}
