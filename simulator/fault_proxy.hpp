// The in-process fault layer: a TCP proxy between simulated devices and the broker, like a per-connection
// Toxiproxy. Devices connect to the proxy's loopback port; the proxy opens one upstream connection to the
// broker per device connection (a "link") and pumps bytes both ways through the faults active for that
// device.
//
// A link belongs to the client id of the first CONNECT the device sends (the proxy decodes it), so faults are
// set per client id and also hit links the device opens later while the fault lasts. Bytes before the CONNECT
// is complete are held, so even the CONNECT goes through the device's faults. Under TLS or WebSocket the proxy
// cannot read the CONNECT: the device names its link instead (expect_link, with the local port of its TCP
// connection, before it sends a byte), and every fault still acts on the TCP bytes below TLS and WebSocket.
//
// Threading: everything runs on the executor given to the constructor, which must be single-threaded (one
// io_context run by one thread, or a strand); call every member function from that executor.
// Randomness (latency jitter) comes from a generator seeded by the caller.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "simulator/fault.hpp"

namespace mqtt::simulator {

// The faults active for one client id, one entry per kind (a new fault of the same kind replaces the old
// one).
struct ActiveFaults {
  std::map<FaultKind, FaultParameters> faults;
  bool empty() const { return faults.empty(); }
};

struct ProxyStatistics {
  std::uint64_t links_accepted = 0;
  std::uint64_t links_open = 0;
  std::uint64_t bytes_upstream = 0;     // device -> broker, delivered
  std::uint64_t bytes_downstream = 0;   // broker -> device, delivered
  std::uint64_t bytes_dropped = 0;      // blackholed
  std::uint64_t writes = 0;             // socket writes made (fragmentation multiplies them)
  std::uint64_t upstream_failures = 0;  // the broker could not be reached for a link
};

class FaultProxy {
 public:
  // Listens on `listen_address`:0 (a free port). Throws std::system_error when it cannot listen.
  FaultProxy(boost::asio::any_io_executor executor, std::string upstream_host, std::uint16_t upstream_port,
             std::uint64_t seed, std::string listen_address = "127.0.0.1");
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& address() const { return listen_address_; }

  // Starts (or replaces) a fault of `kind` for the client id; close and flapping are driven by the caller
  // through close_links, the rest act on every byte from now on until clear_fault.
  void set_fault(const std::string& client_id, FaultKind kind, const FaultParameters& parameters);
  void clear_fault(const std::string& client_id, FaultKind kind);
  const ActiveFaults* faults_of(const std::string& client_id) const;
  // The link whose device end has local port `device_port` belongs to `client_id` (called by the device once its
  // TCP connection stands and before it sends anything, so the proxy need not read the CONNECT).
  void expect_link(std::uint16_t device_port, const std::string& client_id);
  // Ends every open link of the client id abruptly on both sides: RST (reset) or FIN. Returns how many.
  std::size_t close_links(const std::string& client_id, bool reset);
  std::size_t open_links(const std::string& client_id) const;

  ProxyStatistics statistics() const { return statistics_; }
  void stop();  // closes the listener and every link; idempotent

  struct Link;

 private:
  boost::asio::awaitable<void> accept_loop();
  void bind(const std::shared_ptr<Link>& link, const std::string& client_id);
  void forget(Link* link);
  void wake_links(const std::string& client_id);
  std::optional<std::string> take_expected_link(std::uint16_t device_port);

  boost::asio::any_io_executor executor_;
  std::string upstream_host_;
  std::uint16_t upstream_port_;
  std::string listen_address_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::mt19937_64 random_;
  std::unordered_map<std::string, ActiveFaults> faults_;
  std::unordered_map<Link*, std::shared_ptr<Link>> links_;
  std::unordered_map<std::string, std::vector<Link*>> links_by_client_;
  std::unordered_map<std::uint16_t, std::string> expected_links_;  // device's local port -> client id
  ProxyStatistics statistics_;
  bool stopped_ = false;
  friend struct Link;
};

}  // namespace mqtt::simulator
