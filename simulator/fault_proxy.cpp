#include "simulator/fault_proxy.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "codec/decoder.hpp"

namespace mqtt::simulator {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {
constexpr std::size_t read_chunk = 2048;
constexpr std::size_t slow_read_chunk = 256;
}  // namespace

struct FaultProxy::Link : std::enable_shared_from_this<Link> {
  struct Chunk {
    Clock::time_point due;
    Bytes bytes;
  };
  struct Pipe {
    Direction direction;
    tcp::socket* from;
    tcp::socket* to;
    std::deque<Chunk> queue;
    asio::steady_timer wake;
    Clock::time_point last_due{};
    bool reader_done = false;
    bool reader_reset = false;  // the reader ended with an error other than EOF
    bool finished = false;
    Pipe(Direction d, tcp::socket* f, tcp::socket* t, const asio::any_io_executor& executor)
        : direction(d), from(f), to(t), wake(executor) {}
  };

  FaultProxy* proxy;
  tcp::socket device;
  tcp::socket broker;
  std::uint16_t device_port;  // the device's local port: how expect_link names the link
  Pipe up;
  Pipe down;
  std::string client_id;
  bool bound = false;
  bool ended = false;
  StreamDecoder connect_decoder{DecoderOptions{Sender::client, ProtocolVersion::v3_1_1}};
  Bytes held;

  Link(FaultProxy* owner, tcp::socket accepted, std::uint16_t port)
      : proxy(owner),
        device(std::move(accepted)),
        broker(device.get_executor()),
        device_port(port),
        up(Direction::upstream, &device, &broker, device.get_executor()),
        down(Direction::downstream, &broker, &device, device.get_executor()) {}

  const FaultParameters* active(FaultKind kind, const Pipe& pipe) const {
    if (!bound || proxy == nullptr) return nullptr;
    const ActiveFaults* faults = proxy->faults_of(client_id);
    if (faults == nullptr) return nullptr;
    auto found = faults->faults.find(kind);
    if (found == faults->faults.end()) return nullptr;
    const Direction direction = found->second.direction;
    if (direction != Direction::both && direction != pipe.direction) return nullptr;
    return &found->second;
  }
  bool dropping(const Pipe& pipe) const {
    return active(FaultKind::blackhole, pipe) != nullptr || active(FaultKind::partition, pipe) != nullptr;
  }

  void wake_all() {
    up.wake.cancel();
    down.wake.cancel();
  }

  void end(bool reset) {
    if (ended) return;
    ended = true;
    error_code ignored;
    for (tcp::socket* socket : {&device, &broker}) {
      if (!socket->is_open()) continue;
      if (reset) {
        socket->set_option(asio::socket_base::linger(true, 0), ignored);
      } else {
        socket->shutdown(tcp::socket::shutdown_both, ignored);
      }
      socket->close(ignored);
    }
    wake_all();
    if (proxy != nullptr) proxy->forget(this);
  }

  void push(Pipe& pipe, Bytes bytes) {
    if (dropping(pipe)) {
      if (proxy != nullptr) proxy->statistics_.bytes_dropped += bytes.size();
      return;
    }
    Clock::time_point due = Clock::now();
    if (const auto* latency = active(FaultKind::latency, pipe)) {
      std::uint32_t jitter = 0;
      if (latency->jitter_ms > 0) {
        jitter = std::uniform_int_distribution<std::uint32_t>(0, latency->jitter_ms)(proxy->random_);
      }
      due += std::chrono::milliseconds(latency->latency_ms + jitter);
    }
    due = std::max(due, pipe.last_due);  // TCP never reorders: jitter may delay, not overtake
    pipe.last_due = due;
    pipe.queue.push_back(Chunk{due, std::move(bytes)});
    pipe.wake.cancel();
  }

  // Until the first CONNECT is complete the link's owner is unknown: hold the bytes, then bind and release
  // them.
  // A link the device named (expect_link: TLS or WebSocket bytes, no CONNECT to read) is bound at its first byte.
  void identify(const std::uint8_t* data, std::size_t size) {
    held.insert(held.end(), data, data + size);
    std::string id;
    if (auto named = proxy != nullptr ? proxy->take_expected_link(device_port) : std::nullopt) {
      id = std::move(*named);
    } else {
      connect_decoder.feed(std::span<const std::uint8_t>(data, size));
      auto result = connect_decoder.next();
      if (std::holds_alternative<NeedMoreData>(result)) return;
      if (auto* decoded = std::get_if<DecodedPacket>(&result)) {
        if (const auto* connect = std::get_if<Connect>(&decoded->packet)) id = connect->client_id;
      }
    }
    bound = true;
    client_id = id;
    if (proxy != nullptr) proxy->bind(shared_from_this(), id);
    push(up, std::move(held));
    held.clear();
  }

  asio::awaitable<void> reader(std::shared_ptr<Link> self, Pipe& pipe) {
    std::array<std::uint8_t, read_chunk> buffer{};
    asio::steady_timer pace(device.get_executor());
    while (!ended) {
      // A slow reader asks the kernel for little at a time, so the broker's side of the link fills up.
      const auto* slow =
          pipe.direction == Direction::downstream ? active(FaultKind::slow_reader, pipe) : nullptr;
      const std::size_t limit = slow != nullptr ? slow_read_chunk : buffer.size();
      error_code error;
      const std::size_t size = co_await pipe.from->async_read_some(
          asio::buffer(buffer.data(), limit), asio::redirect_error(asio::use_awaitable, error));
      if (ended) break;
      // Checked again after the read: the fault may have started while the read was pending.
      // (Values are copied: the fault may be cleared, and its entry freed, while this coroutine waits.)
      const auto* slow_fault =
          pipe.direction == Direction::downstream ? active(FaultKind::slow_reader, pipe) : nullptr;
      const std::uint64_t slow_rate = slow_fault != nullptr ? slow_fault->bytes_per_second : 0;
      if (size > 0) {
        if (pipe.direction == Direction::upstream && !bound) {
          identify(buffer.data(), size);
        } else if (slow_rate > 0) {
          // The device takes the bytes in small pieces at the fault's rate.
          for (std::size_t offset = 0; offset < size && !ended; offset += slow_read_chunk) {
            const std::size_t piece = std::min(slow_read_chunk, size - offset);
            pace.expires_after(std::chrono::nanoseconds(piece * 1'000'000'000ULL / slow_rate));
            error_code ignored;
            co_await pace.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            if (ended) break;
            push(pipe, Bytes(buffer.begin() + static_cast<std::ptrdiff_t>(offset),
                             buffer.begin() + static_cast<std::ptrdiff_t>(offset + piece)));
          }
        } else {
          push(pipe, Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(size)));
        }
      }
      if (error) {
        pipe.reader_done = true;
        pipe.reader_reset = error != asio::error::eof;
        pipe.wake.cancel();
        break;
      }
    }
    (void)self;
  }

  asio::awaitable<void> writer(std::shared_ptr<Link> self, Pipe& pipe) {
    asio::steady_timer pace(device.get_executor());
    while (!ended) {
      error_code error;
      const bool holding = active(FaultKind::stall, pipe) != nullptr;
      if (pipe.queue.empty() || holding) {
        if (pipe.queue.empty() && pipe.reader_done && !dropping(pipe)) {
          // The source ended: pass the end on (a reset as a reset), unless the fault swallows it for now.
          if (pipe.reader_reset) {
            end(true);
            break;
          }
          pipe.to->shutdown(tcp::socket::shutdown_send, error);
          pipe.finished = true;
          if (up.finished && down.finished) end(false);
          break;
        }
        pipe.wake.expires_at(Clock::time_point::max());
        co_await pipe.wake.async_wait(asio::redirect_error(asio::use_awaitable, error));
        continue;
      }
      if (pipe.queue.front().due > Clock::now()) {
        pipe.wake.expires_at(pipe.queue.front().due);
        co_await pipe.wake.async_wait(asio::redirect_error(asio::use_awaitable, error));
        continue;
      }
      Chunk chunk = std::move(pipe.queue.front());
      pipe.queue.pop_front();
      std::size_t offset = 0;
      while (offset < chunk.bytes.size() && !ended) {
        std::size_t piece = chunk.bytes.size() - offset;
        const auto* fragment = active(FaultKind::fragment, pipe);
        if (fragment != nullptr)
          piece = std::min<std::size_t>(piece, std::max<std::uint32_t>(1, fragment->fragment_bytes));
        const auto* bandwidth = active(FaultKind::bandwidth, pipe);
        const std::uint64_t rate =
            bandwidth != nullptr ? bandwidth->bytes_per_second : 0;  // copied: see reader
        if (rate > 0) piece = std::min<std::size_t>(piece, std::max<std::uint64_t>(1, rate / 20));
        co_await asio::async_write(*pipe.to, asio::buffer(chunk.bytes.data() + offset, piece),
                                   asio::redirect_error(asio::use_awaitable, error));
        if (error) {
          end(true);
          break;
        }
        offset += piece;
        if (proxy != nullptr) {
          ++proxy->statistics_.writes;
          (pipe.direction == Direction::upstream ? proxy->statistics_.bytes_upstream
                                                 : proxy->statistics_.bytes_downstream) += piece;
        }
        if (rate > 0) {
          pace.expires_after(std::chrono::nanoseconds(piece * 1'000'000'000ULL / rate));
          co_await pace.async_wait(asio::redirect_error(asio::use_awaitable, error));
        }
      }
    }
    (void)self;
  }

  asio::awaitable<void> run(std::shared_ptr<Link> self, tcp::endpoint upstream) {
    error_code error;
    co_await broker.async_connect(upstream, asio::redirect_error(asio::use_awaitable, error));
    if (error || ended) {
      if (proxy != nullptr && error) ++proxy->statistics_.upstream_failures;
      end(false);
      co_return;
    }
    broker.set_option(tcp::no_delay(true), error);
    const auto executor = device.get_executor();
    asio::co_spawn(executor, reader(self, up), asio::detached);
    asio::co_spawn(executor, reader(self, down), asio::detached);
    asio::co_spawn(executor, writer(self, up), asio::detached);
    asio::co_spawn(executor, writer(self, down), asio::detached);
  }
};

FaultProxy::FaultProxy(asio::any_io_executor executor, std::string upstream_host, std::uint16_t upstream_port,
                       std::uint64_t seed, std::string listen_address)
    : executor_(std::move(executor)),
      upstream_host_(std::move(upstream_host)),
      upstream_port_(upstream_port),
      listen_address_(std::move(listen_address)),
      acceptor_(executor_),
      random_(seed) {
  const tcp::endpoint endpoint(asio::ip::make_address(listen_address_), 0);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(executor_, accept_loop(), asio::detached);
}

FaultProxy::~FaultProxy() { stop(); }

asio::awaitable<void> FaultProxy::accept_loop() {
  // Resolve once: the broker's address does not change during a run.
  error_code error;
  tcp::resolver resolver(executor_);
  auto endpoints = co_await resolver.async_resolve(upstream_host_, std::to_string(upstream_port_),
                                                   asio::redirect_error(asio::use_awaitable, error));
  tcp::endpoint upstream;
  if (!error && !endpoints.empty()) upstream = *endpoints.begin();
  while (!stopped_) {
    tcp::socket socket(executor_);
    co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, error));
    if (stopped_) break;
    if (error) {
      if (error == asio::error::operation_aborted) break;
      // E.g. too many open files: pause instead of spinning; the device's open times out and it retries.
      asio::steady_timer pause(executor_, std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
      continue;
    }
    socket.set_option(tcp::no_delay(true), error);
    const auto remote = socket.remote_endpoint(error);
    auto link = std::make_shared<Link>(this, std::move(socket), error ? std::uint16_t{0} : remote.port());
    links_.emplace(link.get(), link);
    ++statistics_.links_accepted;
    ++statistics_.links_open;
    asio::co_spawn(executor_, link->run(link, upstream), asio::detached);
  }
}

void FaultProxy::bind(const std::shared_ptr<Link>& link, const std::string& client_id) {
  links_by_client_[client_id].push_back(link.get());
}

void FaultProxy::expect_link(std::uint16_t device_port, const std::string& client_id) {
  expected_links_[device_port] = client_id;
}

std::optional<std::string> FaultProxy::take_expected_link(std::uint16_t device_port) {
  auto found = expected_links_.find(device_port);
  if (found == expected_links_.end()) return std::nullopt;
  std::string client_id = std::move(found->second);
  expected_links_.erase(found);
  return client_id;
}

void FaultProxy::forget(Link* link) {
  auto found = links_.find(link);
  if (found == links_.end()) return;
  if (!link->bound) expected_links_.erase(link->device_port);  // it ended before its first byte
  if (link->bound) {
    auto& list = links_by_client_[link->client_id];
    list.erase(std::remove(list.begin(), list.end(), link), list.end());
    if (list.empty()) links_by_client_.erase(link->client_id);
  }
  link->proxy = nullptr;
  --statistics_.links_open;
  // The link's coroutines hold their own references; dropping ours last keeps it alive until they finish.
  auto keep = std::move(found->second);
  links_.erase(found);
}

void FaultProxy::wake_links(const std::string& client_id) {
  auto found = links_by_client_.find(client_id);
  if (found == links_by_client_.end()) return;
  for (Link* link : found->second) link->wake_all();
}

void FaultProxy::set_fault(const std::string& client_id, FaultKind kind, const FaultParameters& parameters) {
  faults_[client_id].faults[kind] = parameters;
  wake_links(client_id);
}

void FaultProxy::clear_fault(const std::string& client_id, FaultKind kind) {
  auto found = faults_.find(client_id);
  if (found == faults_.end()) return;
  found->second.faults.erase(kind);
  if (found->second.empty()) faults_.erase(found);
  wake_links(client_id);
}

const ActiveFaults* FaultProxy::faults_of(const std::string& client_id) const {
  auto found = faults_.find(client_id);
  return found == faults_.end() ? nullptr : &found->second;
}

std::size_t FaultProxy::close_links(const std::string& client_id, bool reset) {
  auto found = links_by_client_.find(client_id);
  if (found == links_by_client_.end()) return 0;
  const std::vector<Link*> links = found->second;  // end() unregisters
  for (Link* link : links) {
    auto keep = link->shared_from_this();
    link->end(reset);
  }
  return links.size();
}

std::size_t FaultProxy::open_links(const std::string& client_id) const {
  auto found = links_by_client_.find(client_id);
  return found == links_by_client_.end() ? 0 : found->second.size();
}

void FaultProxy::stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  std::vector<std::shared_ptr<Link>> links;
  for (auto& [pointer, link] : links_) links.push_back(link);
  for (auto& link : links) link->end(true);
}

}  // namespace mqtt::simulator
