// The least CPU any client can spend on the fan-in's traffic on this machine: the same sockets and packets as
// `simulate bench/simulator/fanin-1000-qos{0,1}.json` (N devices, each publishing a 64-byte payload to
// dtu/{id}/telemetry RATE times a second on whole milliseconds, one subscriber on dtu/+/telemetry), written with
// nothing but epoll, a timerfd and fixed byte strings: no MQTT client state, no recording, no judging, no
// statistics. Its CPU next to mosquitto's is the floor under issue 16's publishing-window target (docs/benchmarks.md,
// "The floor: what the traffic alone costs"); bench/simulator/socket_floor.sh runs it against a quiet mosquitto.
//
//   bench_socket_floor PORT DEVICES RATE SECONDS QOS
//
// Prints the messages published and delivered. Exit codes: 0 ran, 2 bad usage, 4 the broker failed the run
// (refused, closed, or answered with something this program does not expect).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "bench_socket_floor: %s: %s\n", what, std::strerror(errno));
  std::exit(4);
}

void put_length(std::string& packet, std::size_t length) {
  do {
    std::uint8_t digit = length % 128;
    length /= 128;
    if (length > 0) digit |= 0x80;
    packet.push_back(static_cast<char>(digit));
  } while (length > 0);
}

void put_string(std::string& body, const std::string& text) {
  body.push_back(static_cast<char>(text.size() >> 8));
  body.push_back(static_cast<char>(text.size() & 0xff));
  body += text;
}

std::string packet(std::uint8_t first, const std::string& body) {
  std::string out(1, static_cast<char>(first));
  put_length(out, body.size());
  return out + body;
}

std::string connect_packet(const std::string& client_id) {
  std::string body;
  put_string(body, "MQTT");
  body += std::string("\x04\x02\x00\x3c", 4);  // 3.1.1, clean session, keep-alive 60 s
  put_string(body, client_id);
  return packet(0x10, body);
}

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("connect");
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  if (send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) fail("send");
}

// Blocking read of exactly `size` bytes (the handshake, before the sockets turn non-blocking).
void read_exactly(int fd, std::size_t size) {
  char buffer[64];
  while (size > 0) {
    const ssize_t got = recv(fd, buffer, std::min(size, sizeof buffer), 0);
    if (got <= 0) fail("handshake read");
    size -= static_cast<std::size_t>(got);
  }
}

// Counts whole packets in a byte stream and, at QoS 1, the PUBLISH packet identifiers to acknowledge.
struct Stream {
  std::string pending;
  std::uint64_t publishes = 0;
  std::uint64_t acknowledgements = 0;
  std::string replies;  // PUBACKs owed by the subscriber

  void take(const char* data, std::size_t size, bool answer_qos1) {
    pending.append(data, size);
    std::size_t at = 0;
    while (pending.size() - at >= 2) {
      std::size_t length = 0, shift = 0, header = 1;
      bool complete = false;
      while (at + header < pending.size()) {
        const auto digit = static_cast<std::uint8_t>(pending[at + header]);
        length |= static_cast<std::size_t>(digit & 0x7f) << shift;
        shift += 7;
        ++header;
        if ((digit & 0x80) == 0) {
          complete = true;
          break;
        }
      }
      if (!complete || pending.size() - at - header < length) break;
      const auto type = static_cast<std::uint8_t>(pending[at]) >> 4;
      if (type == 3) {
        ++publishes;
        if (answer_qos1 && (static_cast<std::uint8_t>(pending[at]) & 0x06) == 0x02) {
          const std::size_t topic_length = (static_cast<std::uint8_t>(pending[at + header]) << 8) |
                                           static_cast<std::uint8_t>(pending[at + header + 1]);
          const std::size_t id_at = at + header + 2 + topic_length;
          replies += std::string("\x40\x02", 2);
          replies += pending.substr(id_at, 2);
        }
      } else if (type == 4) {
        ++acknowledgements;
      }
      at += header + length;
    }
    pending.erase(0, at);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: bench_socket_floor PORT DEVICES RATE SECONDS QOS\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const int devices = std::atoi(argv[2]);
  const int rate = std::atoi(argv[3]);
  const int seconds = std::atoi(argv[4]);
  const int qos = std::atoi(argv[5]);
  if (port <= 0 || devices <= 0 || rate <= 0 || rate > 1000 || seconds <= 0 || (qos != 0 && qos != 1)) {
    std::fprintf(stderr, "usage: bench_socket_floor PORT DEVICES RATE SECONDS QOS (QOS 0 or 1, RATE 1-1000)\n");
    return 2;
  }

  // The subscriber first, as the fleet's observer connects before its devices.
  const int subscriber = connect_to(port);
  send_all(subscriber, connect_packet("floor-backend"));
  read_exactly(subscriber, 4);
  std::string subscribe_body("\x00\x01", 2);
  put_string(subscribe_body, "dtu/+/telemetry");
  subscribe_body.push_back(static_cast<char>(qos));
  send_all(subscriber, packet(0x82, subscribe_body));
  read_exactly(subscriber, 5);

  std::vector<int> sockets(devices);
  std::vector<std::string> messages(devices);
  const std::string payload(64, 'x');
  for (int device = 0; device < devices; ++device) {
    const std::string id = "floor-" + std::to_string(device);
    sockets[device] = connect_to(port);
    send_all(sockets[device], connect_packet(id));
    read_exactly(sockets[device], 4);
    std::string body;
    put_string(body, "dtu/" + std::to_string(device) + "/telemetry");
    if (qos == 1) body += std::string("\x00\x01", 2);  // one message in flight per device: one identifier
    body += payload;
    messages[device] = packet(qos == 1 ? 0x32 : 0x30, body);
  }

  const int epoll = epoll_create1(0);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = static_cast<std::uint64_t>(devices);
  epoll_ctl(epoll, EPOLL_CTL_ADD, subscriber, &event);
  if (qos == 1) {
    for (int device = 0; device < devices; ++device) {
      event.data.u64 = static_cast<std::uint64_t>(device);
      epoll_ctl(epoll, EPOLL_CTL_ADD, sockets[device], &event);
    }
  }
  const int ticks = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  itimerspec every_ms{{0, 1'000'000}, {0, 1'000'000}};
  timerfd_settime(ticks, 0, &every_ms, nullptr);
  event.data.u64 = static_cast<std::uint64_t>(devices) + 1;
  epoll_ctl(epoll, EPOLL_CTL_ADD, ticks, &event);

  // Device d publishes on the milliseconds where (ms % period) == d % period: RATE messages a second each,
  // devices / period of them per millisecond, on whole milliseconds like the fleet's WakeQueue.
  const int period = 1000 / rate;
  const std::uint64_t total_ticks = static_cast<std::uint64_t>(seconds) * 1000;
  std::uint64_t tick = 0, published = 0;
  Stream backend;
  std::vector<Stream> device_streams(qos == 1 ? devices : 0);
  std::vector<char> buffer(65536);
  epoll_event ready[64];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds + 10);
  while ((tick < total_ticks || backend.publishes < published ||
          (qos == 1 && [&] {
            std::uint64_t acknowledged = 0;
            for (const auto& stream : device_streams) acknowledged += stream.acknowledgements;
            return acknowledged < published;
          }())) &&
         std::chrono::steady_clock::now() < deadline) {
    const int count = epoll_wait(epoll, ready, 64, 100);
    for (int i = 0; i < count; ++i) {
      const std::uint64_t who = ready[i].data.u64;
      if (who == static_cast<std::uint64_t>(devices) + 1) {
        std::uint64_t expirations = 0;
        if (read(ticks, &expirations, sizeof expirations) != sizeof expirations) continue;
        for (std::uint64_t e = 0; e < expirations && tick < total_ticks; ++e, ++tick) {
          for (int device = static_cast<int>(tick % period); device < devices; device += period) {
            send_all(sockets[device], messages[device]);
            ++published;
          }
        }
      } else {
        const int fd = who == static_cast<std::uint64_t>(devices) ? subscriber : sockets[who];
        Stream& stream = who == static_cast<std::uint64_t>(devices) ? backend : device_streams[who];
        for (;;) {
          const ssize_t got = recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
          if (got == 0) fail("the broker closed a connection");
          if (got < 0) break;
          stream.take(buffer.data(), static_cast<std::size_t>(got), qos == 1);
          if (static_cast<std::size_t>(got) < buffer.size()) break;
        }
        if (!stream.replies.empty()) {
          send_all(fd, stream.replies);
          stream.replies.clear();
        }
      }
    }
  }
  std::printf("%llu messages published, %llu delivered to the subscriber\n",
              static_cast<unsigned long long>(published), static_cast<unsigned long long>(backend.publishes));
  return backend.publishes == published ? 0 : 4;
}
