// Load generator for comparing brokers on this machine: the same client code drives the embedded reference
// broker and mosquitto, so the ratio between them is about the brokers.
//
//   bench_broker throughput --port P [--qos 0|1] [--messages N] [--publishers K] [--payload BYTES]
//   bench_broker connections --port P --count N [--broker-pid PID]
//
// throughput: one subscriber on "bench/#" and K publishers sending N PUBLISH packets in total, end-to-end flow
// controlled: a publisher runs at most --window messages ahead of what the broker has released for it, so
// no broker queue limit is hit and every message must arrive. Prints delivered messages per second, first
// send to last delivery. At QoS 0 a message is released once the subscriber has read it. At QoS 1 the broker
// holds it until it has read the subscriber's PUBACK, which can be long after the subscriber sent it:
// mosquitto 2.0.11 reads one packet per client per pass of its loop, so with K publishers the subscriber's
// PUBACKs wait in the socket while K times as many PUBLISH packets come in, and it counts every message whose
// PUBACK it has not read against max_queued_messages (1000 + 20 in flight), dropping new ones beyond that.
// So the subscriber follows its PUBACKs with a PINGREQ: a broker handles one connection's packets in order,
// so the PINGRESP proves it has read every PUBACK before it. K * --window must stay below the queue limit.
// connections: opens N MQTT connections (CONNECT, keep alive 0), holds them, and with --broker-pid reports the
// broker's resident memory growth per connection (VmRSS from /proc).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "bench_broker: %s\n", message.c_str());
  std::exit(2);
}

void append_length(Bytes& out, std::size_t length) {
  do {
    std::uint8_t byte = length % 128;
    length /= 128;
    if (length > 0) byte |= 0x80;
    out.push_back(byte);
  } while (length > 0);
}

void append_string(Bytes& out, std::string_view text) {
  out.push_back(static_cast<std::uint8_t>(text.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(text.size() & 0xff));
  out.insert(out.end(), text.begin(), text.end());
}

Bytes connect_packet(const std::string& client_id) {
  Bytes body;
  append_string(body, "MQTT");
  body.push_back(4);     // 3.1.1
  body.push_back(0x02);  // clean session
  body.push_back(0);
  body.push_back(0);  // keep alive 0
  append_string(body, client_id);
  Bytes out{0x10};
  append_length(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes publish_packet(std::string_view topic, int qos, std::uint16_t id, std::size_t payload) {
  Bytes body;
  append_string(body, topic);
  if (qos > 0) {
    body.push_back(static_cast<std::uint8_t>(id >> 8));
    body.push_back(static_cast<std::uint8_t>(id & 0xff));
  }
  body.insert(body.end(), payload, 'x');
  Bytes out{static_cast<std::uint8_t>(0x30 | (qos << 1))};
  append_length(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

int dial(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    die("connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const auto written = ::write(fd, data, size);
    if (written <= 0) die(std::string("write: ") + std::strerror(errno));
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

// Reads and frames MQTT packets; calls on_packet(first_byte, body) for each.
struct Framer {
  Bytes buffer;
  std::size_t start = 0;
  template <typename OnPacket>
  bool read_from(int fd, OnPacket&& on_packet) {
    std::uint8_t chunk[65536];
    const auto got = ::read(fd, chunk, sizeof chunk);
    if (got <= 0) return false;
    buffer.insert(buffer.end(), chunk, chunk + got);
    while (true) {
      const std::size_t available = buffer.size() - start;
      if (available < 2) break;
      std::size_t length = 0, multiplier = 1, index = 1;
      bool complete = false;
      while (index < available && index <= 4) {
        const auto byte = buffer[start + index];
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        ++index;
        if ((byte & 0x80) == 0) {
          complete = true;
          break;
        }
      }
      if (!complete || available < index + length) break;
      on_packet(buffer[start], buffer.data() + start + index, length);
      start += index + length;
    }
    if (start > 0 && start == buffer.size()) {
      buffer.clear();
      start = 0;
    } else if (start > (1u << 20)) {
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(start));
      start = 0;
    }
    return true;
  }
};

void expect_connack(int fd) {
  Framer framer;
  bool done = false;
  while (!done) {
    if (!framer.read_from(fd, [&](std::uint8_t first, const std::uint8_t* body, std::size_t) {
          if (first != 0x20 || body[1] != 0) die("CONNACK refused");
          done = true;
        })) {
      die("connection closed before CONNACK");
    }
  }
}

struct Options {
  std::string mode;
  std::uint16_t port = 0;
  int qos = 0;
  std::size_t messages = 200000;
  int publishers = 4;
  std::size_t payload = 64;
  std::size_t window = 200;
  std::size_t count = 1000;
  long broker_pid = 0;
};

Options parse(int argc, char** argv) {
  if (argc < 2) die("usage: bench_broker throughput|connections --port P [options] (see the source header)");
  Options options;
  options.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--port") options.port = static_cast<std::uint16_t>(std::stoul(value));
    else if (key == "--qos") options.qos = std::stoi(value);
    else if (key == "--messages") options.messages = std::stoul(value);
    else if (key == "--publishers") options.publishers = std::stoi(value);
    else if (key == "--payload") options.payload = std::stoul(value);
    else if (key == "--window") options.window = std::stoul(value);
    else if (key == "--count") options.count = std::stoul(value);
    else if (key == "--broker-pid") options.broker_pid = std::stol(value);
    else die("unknown option " + key);
  }
  if (options.port == 0) die("--port is required");
  return options;
}

int throughput(const Options& options) {
  const int subscriber = dial(options.port);
  Bytes hello = connect_packet("bench-subscriber");
  write_all(subscriber, hello.data(), hello.size());
  expect_connack(subscriber);
  Bytes subscribe{0x82};
  Bytes body{0, 1};
  append_string(body, "bench/#");
  body.push_back(static_cast<std::uint8_t>(options.qos));
  append_length(subscribe, body.size());
  subscribe.insert(subscribe.end(), body.begin(), body.end());
  write_all(subscriber, subscribe.data(), subscribe.size());
  Framer framer;
  bool subscribed = false;
  while (!subscribed) {
    if (!framer.read_from(subscriber, [&](std::uint8_t first, const std::uint8_t*, std::size_t) {
          subscribed = subscribed || first == 0x90;
        })) {
      die("closed before SUBACK");
    }
  }

  // released[p]: messages from publisher p the broker no longer holds for the subscriber (see the header).
  const auto publisher_count = static_cast<std::size_t>(options.publishers);
  const auto released = std::make_unique<std::atomic<std::size_t>[]>(publisher_count);
  std::atomic<bool> stop{false};
  const auto started = Clock::now();
  std::vector<std::thread> publishers;
  for (int p = 0; p < options.publishers; ++p) {
    publishers.emplace_back([&, p] {
      const int fd = dial(options.port);
      Bytes connect = connect_packet("bench-publisher-" + std::to_string(p));
      write_all(fd, connect.data(), connect.size());
      expect_connack(fd);
      const std::size_t share = options.messages / static_cast<std::size_t>(options.publishers);
      const std::string topic = "bench/" + std::to_string(p);
      Framer acks;
      std::size_t unacknowledged = 0;
      Bytes batch;
      for (std::size_t i = 0; i < share; ++i) {
        // End-to-end window: wait (without spinning) until the broker has released enough of ours.
        for (auto seen = released[p].load(); i >= seen + options.window && !stop; seen = released[p].load()) {
          if (!batch.empty()) {
            write_all(fd, batch.data(), batch.size());
            batch.clear();
          }
          released[p].wait(seen);
        }
        if (stop) break;  // the subscriber gave up: sending the rest would only fill the broker's queue
        const auto id = static_cast<std::uint16_t>(i % 65535 + 1);
        const Bytes packet = publish_packet(topic, options.qos, id, options.payload);
        batch.insert(batch.end(), packet.begin(), packet.end());
        if (options.qos > 0) ++unacknowledged;
        if (batch.size() > 16384 || i + 1 == share) {
          write_all(fd, batch.data(), batch.size());
          batch.clear();
        }
        while (options.qos > 0 && (unacknowledged >= 1000 || (i + 1 == share && unacknowledged > 0))) {
          if (!acks.read_from(fd, [&](std::uint8_t first, const std::uint8_t*, std::size_t) {
                if ((first & 0xf0) == 0x40) --unacknowledged;
              })) {
            die("publisher connection closed");
          }
        }
      }
      ::shutdown(fd, SHUT_WR);  // leave the socket to the kernel; the broker drops us once all is read
      std::thread([fd] {
        std::this_thread::sleep_for(std::chrono::seconds(30));
        ::close(fd);
      }).detach();
    });
  }

  const std::size_t expected = options.messages / static_cast<std::size_t>(options.publishers) *
                               static_cast<std::size_t>(options.publishers);
  std::size_t delivered = 0;
  std::vector<std::size_t> received(publisher_count, 0);  // per publisher, read (and at QoS 1 acknowledged)
  std::vector<std::size_t> acknowledged_before_ping(publisher_count, 0);  // received at the last PINGREQ
  bool ping_outstanding = false;
  Bytes outgoing;
  auto last = Clock::now();
  pollfd watch{subscriber, POLLIN, 0};
  while (delivered < expected) {
    if (::poll(&watch, 1, 5000) <= 0) break;  // five quiet seconds: the rest was lost
    outgoing.clear();
    if (!framer.read_from(subscriber, [&](std::uint8_t first, const std::uint8_t* body, std::size_t) {
          if (first == 0xd0 && ping_outstanding) {  // PINGRESP: the broker has read every PUBACK sent before
            for (std::size_t p = 0; p < publisher_count; ++p) released[p].store(acknowledged_before_ping[p]);
            ping_outstanding = false;
            return;
          }
          if ((first & 0xf0) != 0x30) return;
          ++delivered;
          const std::size_t topic_length = (std::size_t{body[0]} << 8) | body[1];
          const std::string_view topic(reinterpret_cast<const char*>(body + 2), topic_length);
          const auto publisher = std::strtoul(std::string(topic.substr(6)).c_str(), nullptr, 10);
          if (publisher < publisher_count) ++received[publisher];
          if (((first >> 1) & 3) == 1) {
            outgoing.insert(outgoing.end(), {0x40, 0x02, body[2 + topic_length], body[3 + topic_length]});
          }
        })) {
      break;
    }
    if (options.qos == 0) {
      for (std::size_t p = 0; p < publisher_count; ++p) released[p].store(received[p]);
    } else if (!ping_outstanding && received != acknowledged_before_ping) {
      outgoing.insert(outgoing.end(), {0xc0, 0x00});  // PINGREQ after this read's PUBACKs
      acknowledged_before_ping = received;
      ping_outstanding = true;
    }
    if (!outgoing.empty()) write_all(subscriber, outgoing.data(), outgoing.size());
    for (std::size_t p = 0; p < publisher_count; ++p) released[p].notify_all();
    last = Clock::now();
  }
  stop = true;
  for (std::size_t p = 0; p < publisher_count; ++p) {
    released[p].fetch_add(options.messages);  // wakes and releases every waiting publisher
    released[p].notify_all();
  }
  for (auto& thread : publishers) thread.join();
  const double seconds = std::chrono::duration<double>(last - started).count();
  std::printf("qos %d: delivered %zu of %zu messages (%zu-byte payload, %d publishers) in %.3f s: %.0f msg/s\n",
              options.qos, delivered, expected, options.payload, options.publishers, seconds,
              static_cast<double>(delivered) / seconds);
  if (delivered != expected) {
    for (std::size_t p = 0; p < publisher_count; ++p) {
      std::printf("  publisher %zu: %zu of %zu delivered\n", p, received[p], expected / publisher_count);
    }
  }
  ::close(subscriber);
  return delivered == expected ? 0 : 1;
}

long resident_kib(long pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

int connections(const Options& options) {
  const long before = options.broker_pid ? resident_kib(options.broker_pid) : -1;
  std::vector<int> held;
  held.reserve(options.count);
  const auto started = Clock::now();
  for (std::size_t i = 0; i < options.count; ++i) {
    const int fd = dial(options.port);
    const Bytes connect = connect_packet("bench-idle-" + std::to_string(i));
    write_all(fd, connect.data(), connect.size());
    expect_connack(fd);
    held.push_back(fd);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("connections: %zu accepted in %.2f s (%.0f CONNECT/CONNACK per s)\n", held.size(), seconds,
              static_cast<double>(held.size()) / seconds);
  if (options.broker_pid) {
    const long after = resident_kib(options.broker_pid);
    std::printf("broker resident memory: %ld KiB before, %ld KiB after: %.2f KiB per connection\n", before, after,
                static_cast<double>(after - before) / static_cast<double>(held.size()));
  }
  for (const int fd : held) ::close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  if (options.mode == "throughput") return throughput(options);
  if (options.mode == "connections") return connections(options);
  die("unknown mode " + options.mode);
}
