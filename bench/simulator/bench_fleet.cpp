// Fleet benchmarks against a local mosquitto started for the run.
//
//   bench_fleet idle DEVICES            hold DEVICES idle connected devices; print harness memory per device
//   bench_fleet idle-tls DEVICES        the same over TLS (mqtts, a test CA made with openssl, mosquitto's TLS
//                                       listener): memory per idle TLS device and the cost of the handshakes;
//                                       with BENCH_COUNT_OPENSSL=1 also the bytes OpenSSL itself holds per device
//                                       (idle, idle-tls: BENCH_CONNECT_RATE=N sets the ramp, default 4000/s;
//                                       BENCH_TRIM_AFTER_RAMP=1 calls malloc_trim once all are connected)
//   bench_fleet idle-end DEVICES        the same fleet, run to its end: memory while connected, then with the
//                                       finished history in hand (the fleet gone), and the process's peak
//   bench_fleet fanin DEVICES RATE SECONDS [QOS]
//                                       DEVICES publish at QOS (default 0) at RATE/s each to one backend
//                                       subscribed at that QoS; print harness CPU and mosquitto CPU for the same
//                                       messages (mosquitto logs errors only, like a production broker)
//
// Both print one line of figures; nothing is asserted (speed is not a test).
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "simulator/fleet.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/openssl_memory.hpp"
#include "support/test_pki.hpp"

namespace {

using namespace mqtt;

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

double self_cpu_s() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double process_cpu_s(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

client::TargetUrl target_of(const test_support::MosquittoBroker& broker) {
  client::TargetUrl target;
  target.host = "127.0.0.1";
  target.port = broker.port();
  return target;
}

// N devices that connect (4,000 per second, keep alive 600 s) and then only hold their connections.
simulator::FleetSpec idle_fleet(std::uint32_t devices, std::uint32_t duration_ms) {
  simulator::FleetSpec spec;
  spec.name = "idle";
  spec.duration_ms = duration_ms;
  spec.settle_ms = 0;
  simulator::GroupSpec group;
  group.name = "idle";
  group.count = devices;
  group.keep_alive = 600;
  group.connect_rate = 4000;
  if (const char* rate = std::getenv("BENCH_CONNECT_RATE")) group.connect_rate = std::stod(rate);
  spec.groups.push_back(group);
  return spec;
}

test_support::MosquittoOptions bench_broker_options() {
  test_support::MosquittoOptions options;
  options.log_type = "error";  // like a production broker: no line per packet
  options.extra_config_lines = {"max_connections -1"};
  return options;
}

int idle(std::uint32_t devices, bool tls) {
  std::unique_ptr<test_support::TestPki> pki;
  test_support::MosquittoOptions broker_options = bench_broker_options();
  if (tls) {
    pki = std::make_unique<test_support::TestPki>();
    test_support::MosquittoListener listener;
    listener.port = test_support::free_loopback_port_number();
    listener.lines = {"certfile " + pki->server.certificate, "keyfile " + pki->server.key};
    broker_options.extra_listeners = {listener};
  }
  test_support::MosquittoBroker broker(broker_options);
  // Ended early, once every device has been seen connected for a while.
  const simulator::FleetSpec spec = idle_fleet(devices, 600'000);
  simulator::FleetOptions fleet;
  fleet.target = target_of(broker);
  if (tls) {
    fleet.target.scheme = client::Scheme::mqtts;
    fleet.target.port = broker_options.extra_listeners.front().port;
    fleet.target.tls.ca_file = pki->ca;
  }
  const long before = rss_kib();
  const double cpu_before = self_cpu_s();
  double ramp_seconds = 0, ramp_cpu = 0;
  long peak_connected_rss = 0;
  std::size_t peak_connected = 0;
  const std::size_t heap_before = mallinfo2().uordblks;
  std::size_t heap_connected = 0;
  const std::size_t openssl_before = test_support::openssl_bytes_held();
  std::size_t openssl_connected = 0;
  std::size_t heap_free_connected = 0;
  auto started = std::chrono::steady_clock::now();
  fleet.seed = 1;
  fleet.progress = [&](const simulator::FleetProgress& progress) {
    if (progress.connected == devices && ramp_seconds == 0) {
      ramp_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      ramp_cpu = self_cpu_s() - cpu_before;
      // What giving the handshakes' scratch memory back would change: the free holes they leave in the heap
      // between long-lived allocations (thousands of handshakes in flight when the broker lags the ramp).
      if (const char* trim = std::getenv("BENCH_TRIM_AFTER_RAMP"); trim != nullptr && std::string(trim) == "1") {
        malloc_trim(0);
      }
    }
    if (progress.connected >= peak_connected) {
      peak_connected = progress.connected;
      peak_connected_rss = rss_kib();
      heap_connected = mallinfo2().uordblks;
      heap_free_connected = mallinfo2().fordblks;
      openssl_connected = test_support::openssl_bytes_held();
    }
    const auto elapsed = std::chrono::steady_clock::now() - started;
    if ((progress.connected == devices && elapsed > std::chrono::seconds(3)) ||
        elapsed > std::chrono::seconds(120)) {
      std::cout.flush();
      // Report and leave at once: tearing down 19,000 connections and judging is not what is measured.
      std::printf(
          "idle devices connected %zu of %u; harness RSS %ld KiB before, %ld KiB connected; %.0f bytes per "
          "idle device (history included); mosquitto RSS see /proc/%d/status\n",
          peak_connected, devices, before, peak_connected_rss,
          peak_connected > 0 ? (peak_connected_rss - before) * 1024.0 / static_cast<double>(peak_connected)
                             : 0.0,
          static_cast<int>(broker.pid()));
      // The heap's own count of bytes in use (no allocator headers, no free chunks), for breakdowns.
      std::printf(
          "heap in use %.0f bytes per idle device (malloc's count, without its overhead); %zu KiB free in "
          "the heap\n",
          peak_connected > 0
              ? static_cast<double>(heap_connected - heap_before) / static_cast<double>(peak_connected)
              : 0.0,
          heap_free_connected / 1024);
      // What OpenSSL itself holds (its SSL objects, keys, the server's certificate, record buffers): the TLS
      // part of the figure above, counted through its allocation hooks. The shared context is built before the
      // first device connects, so it falls in the difference once, not per device.
      if (test_support::openssl_memory_counter_installed()) {
        std::printf("OpenSSL holds %.0f bytes per idle device (requested sizes, counted by its allocation hooks)\n",
                    peak_connected > 0 ? (static_cast<double>(openssl_connected) - static_cast<double>(openssl_before)) /
                                             static_cast<double>(peak_connected)
                                       : 0.0);
      }
      // Connecting: TCP, the TLS handshake when tls, CONNECT/CONNACK, and the history's three events per device.
      std::printf("%s connect of %u devices took %.2f s wall, %.2f s harness CPU (%.0f us per device)\n",
                  tls ? "mqtts" : "mqtt", devices, ramp_seconds, ramp_cpu,
                  devices > 0 ? ramp_cpu * 1e6 / devices : 0.0);
      std::ifstream status("/proc/" + std::to_string(broker.pid()) + "/status");
      std::string line;
      while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) std::printf("mosquitto %s\n", line.c_str());
      }
      std::fflush(stdout);
      broker.stop();
      std::_Exit(peak_connected == devices ? 0 : 1);
    }
  };
  simulator::run_fleet(spec, fleet);
  return 1;
}

long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

int idle_to_end(std::uint32_t devices) {
  test_support::MosquittoBroker broker(bench_broker_options());
  const simulator::FleetSpec spec = idle_fleet(devices, devices / 4 + 4000);  // the ramp and 4 s connected
  const long before = rss_kib();
  long connected_rss = 0;
  std::size_t connected = 0;
  simulator::FleetOptions fleet;
  fleet.target = target_of(broker);
  fleet.seed = 1;
  fleet.progress = [&](const simulator::FleetProgress& progress) {
    if (progress.connected >= connected) {
      connected = progress.connected;
      connected_rss = rss_kib();
    }
  };
  const double cpu_before = self_cpu_s();
  auto run = simulator::run_fleet(spec, fleet);
  const double cpu_after = self_cpu_s();
  const long with_history = rss_kib();
  std::printf(
      "idle to the end: %zu of %u connected; RSS %ld KiB before, %ld KiB connected, %ld KiB after the run "
      "with "
      "the history (%zu events) in hand, peak %ld KiB; harness CPU for the whole run %.2f s\n",
      connected, devices, before, connected_rss, with_history, run.history.events.size(), peak_rss_kib(),
      cpu_after - cpu_before);
  return connected == devices ? 0 : 1;
}

int fanin(std::uint32_t devices, double rate, double seconds, int qos) {
  test_support::MosquittoBroker broker(bench_broker_options());
  simulator::FleetSpec spec;
  spec.name = "fanin";
  spec.duration_ms = static_cast<std::uint32_t>(seconds * 1000);
  spec.settle_ms = 1000;
  simulator::GroupSpec backend;
  backend.name = "backend";
  backend.observer = true;
  backend.count = 1;
  backend.client_id = "backend-{n}";
  backend.subscriptions = {Subscription{"dtu/+/telemetry", static_cast<QoS>(qos)}};
  simulator::GroupSpec group;
  group.name = "meter";
  group.count = devices;
  group.connect_rate = 2000;
  group.publish.rate_per_second = rate;
  group.publish.payload_size = 64;
  for (int level = 0; level < 3; ++level) group.publish.qos_weights[level] = level == qos ? 1.0 : 0.0;
  spec.groups = {backend, group};
  // Measure from 2 s after the start (everyone connected) to 1 s before the publishing ends.
  double harness_start = 0, broker_start = 0, harness_end = 0, broker_end = 0;
  std::uint64_t delivered_start = 0, delivered_end = 0, published_start = 0, published_end = 0;
  double time_start = 0, time_end = 0;
  simulator::FleetOptions fleet;
  fleet.target = target_of(broker);
  fleet.seed = 2;
  fleet.progress = [&](const simulator::FleetProgress& progress) {
    if (time_start == 0 && progress.elapsed_s >= 2.0) {
      time_start = progress.elapsed_s;
      harness_start = self_cpu_s();
      broker_start = process_cpu_s(broker.pid());
      delivered_start = progress.delivered;
      published_start = progress.published;
    }
    if (progress.elapsed_s <= seconds - 1.0) {
      time_end = progress.elapsed_s;
      harness_end = self_cpu_s();
      broker_end = process_cpu_s(broker.pid());
      delivered_end = progress.delivered;
      published_end = progress.published;
    }
  };
  const auto run = simulator::run_fleet(spec, fleet);
  const double harness_after_run = self_cpu_s();
  const double window = time_end - time_start;
  const double harness = harness_end - harness_start;
  const double mosquitto = broker_end - broker_start;
  std::printf(
      "fan-in QoS %d: %u devices x %.1f/s for %.1f s measured: published %.0f msg/s, delivered %.0f msg/s; "
      "CPU harness %.2f s, mosquitto %.2f s, ratio harness/mosquitto %.2f\n",
      qos, devices, rate, window, (published_end - published_start) / window,
      (delivered_end - delivered_start) / window, harness, mosquitto,
      mosquitto > 0 ? harness / mosquitto : 0);
  std::printf("whole run: %s\n", run.stats["messages"].dump().c_str());
  std::printf(
      "harness CPU from the end of the window to the run's end (publishing, settle, building the "
      "history, statistics): %.2f s\n",
      harness_after_run - harness_end);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything touches OpenSSL: afterwards it no longer accepts counting allocation functions. Opt-in, as
  // the count costs 16 bytes per OpenSSL block, which the RSS and heap figures would then include.
  if (const char* count = std::getenv("BENCH_COUNT_OPENSSL"); count != nullptr && std::string(count) == "1") {
    test_support::install_openssl_memory_counter();
  }
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "idle" && argc == 3) return idle(static_cast<std::uint32_t>(std::stoul(argv[2])), false);
  if (mode == "idle-tls" && argc == 3) return idle(static_cast<std::uint32_t>(std::stoul(argv[2])), true);
  if (mode == "idle-end" && argc == 3) return idle_to_end(static_cast<std::uint32_t>(std::stoul(argv[2])));
  if (mode == "fanin" && (argc == 5 || argc == 6))
    return fanin(static_cast<std::uint32_t>(std::stoul(argv[2])), std::stod(argv[3]), std::stod(argv[4]),
                 argc == 6 ? std::stoi(argv[5]) : 0);
  std::fprintf(stderr,
               "usage: bench_fleet idle DEVICES | bench_fleet idle-tls DEVICES | bench_fleet idle-end DEVICES | bench_fleet fanin DEVICES "
               "RATE SECONDS [QOS]\n");
  return 2;
}
