// Test fixture: a real Debian mosquitto on a free loopback port, in its own temporary directory.
// Start in a test (or SetUp), use url()/port(), and let the destructor stop it (SIGTERM, then SIGKILL after a
// deadline) and remove the directory, so a failing test never leaks a broker process.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace mqtt::test_support {

// Binds 127.0.0.1 port 0, reads the port the kernel chose, closes the socket. Returns it as text ("40123").
std::string free_loopback_port();
std::uint16_t free_loopback_port_number();

// Waits until 127.0.0.1:port accepts TCP; false when it does not within `deadline`.
bool wait_until_accepting(std::uint16_t port, std::chrono::milliseconds deadline);

// A further listener on 127.0.0.1:port (port from free_loopback_port()), with its own lines after the
// `listener` line (certfile, keyfile, require_certificate, ...): TLS listeners for the transport tests.
struct MosquittoListener {
  std::uint16_t port = 0;
  std::vector<std::string> lines;
};

struct MosquittoOptions {
  bool allow_anonymous = true;
  // user -> password; when non-empty a password file is made with `mosquitto_passwd -b -c` (then -b).
  std::vector<std::pair<std::string, std::string>> users;
  std::vector<std::string> extra_config_lines;  // appended verbatim (e.g. "max_keepalive 10")
  // Tests log every packet (the log is attached to a failure); benchmarks log like a production broker
  // ("error"), since logging each packet costs mosquitto CPU the comparison would charge to it.
  std::string log_type = "all";
  std::vector<MosquittoListener> extra_listeners;  // start-up also waits until each accepts TCP
  std::chrono::milliseconds start_deadline{10'000};
  std::chrono::milliseconds stop_deadline{5'000};  // SIGTERM, then SIGKILL after this
  std::filesystem::path binary = "/usr/sbin/mosquitto";
};

class MosquittoBroker {
 public:
  // Starts the broker and waits until its port accepts TCP; throws std::runtime_error (with the broker log
  // attached) if it does not within options.start_deadline.
  explicit MosquittoBroker(MosquittoOptions options = {});
  ~MosquittoBroker();
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const;  // "mqtt://127.0.0.1:PORT"
  std::string url_with_credentials(const std::string& user, const std::string& password) const;
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  const std::filesystem::path& directory() const { return directory_; }
  std::string log() const;  // the broker's stdout/stderr so far

  // Stops it now (SIGTERM, SIGKILL after the deadline, waitpid). Idempotent. Returns the exit status
  // as reported by waitpid, or nullopt if it was not running.
  std::optional<int> stop();

 private:
  void start();
  bool start_once(bool may_retry);  // false: mosquitto found its port taken and exited (only if may_retry)
  MosquittoOptions options_;
  std::filesystem::path directory_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace mqtt::test_support
