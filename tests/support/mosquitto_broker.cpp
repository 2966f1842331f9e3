#include "support/mosquitto_broker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace mqtt::test_support {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in loopback_address(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// The lowest port the kernel hands out for outgoing connections (32768 unless configured otherwise).
std::uint16_t ephemeral_range_start() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned low = 32768;
  range >> low;
  return static_cast<std::uint16_t>(std::clamp(low, 2048u, 65535u));
}

bool can_bind(std::uint16_t port) {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (socket_fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address = loopback_address(port);
  const bool bound = ::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(socket_fd);
  return bound;
}

// A free port below the ephemeral range: a port the kernel handed out (bind to port 0) can meanwhile become the
// local port of another test's outgoing connection, which then shares the broker's port number (a packet capture
// filtered on the port records that stranger too). Below the range no outgoing connection takes it. The probe
// order is spread by process id, so concurrent test programs start at different places; no randomness involved.
std::uint16_t free_port_number() {
  static std::uint32_t calls = 0;
  const std::uint32_t low = 1024;
  const std::uint32_t high = ephemeral_range_start();
  if (high > low + 1000) {
    const std::uint32_t span = high - low;
    const std::uint32_t start = (static_cast<std::uint32_t>(::getpid()) * 7919u + calls++ * 104729u) % span;
    for (std::uint32_t step = 0; step < 2000; ++step) {
      const auto port = static_cast<std::uint16_t>(low + (start + step * 7u) % span);
      if (can_bind(port)) return port;
    }
  }
  // Fall back to a port the kernel chooses.
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (socket_fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address = loopback_address(0);
  if (::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(socket_fd);
    throw std::runtime_error(std::string("bind 127.0.0.1:0: ") + std::strerror(error));
  }
  socklen_t length = sizeof address;
  ::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(socket_fd);
  return ntohs(address.sin_port);
}

// One connection attempt to 127.0.0.1:port, waiting at most `timeout` for the handshake.
bool port_accepts(std::uint16_t port, std::chrono::milliseconds timeout) {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (socket_fd < 0) return false;
  sockaddr_in address = loopback_address(port);
  bool connected = ::connect(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  if (!connected && errno == EINPROGRESS) {
    pollfd descriptor{socket_fd, POLLOUT, 0};
    if (::poll(&descriptor, 1, static_cast<int>(timeout.count())) == 1) {
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(socket_fd, SOL_SOCKET, SO_ERROR, &error, &length);
      connected = error == 0;
    }
  }
  ::close(socket_fd);
  return connected;
}

// Waits up to `timeout` for the child to exit, without sleeping: a pidfd becomes readable when it does.
// Returns true when the child has exited (and reaps it into `status`).
bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout, int& status) {
  const auto until = Clock::now() + timeout;
  const int pid_fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  for (;;) {
    const pid_t reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped == pid || (reaped < 0 && errno == ECHILD)) {
      if (pid_fd >= 0) ::close(pid_fd);
      return true;
    }
    const auto now = Clock::now();
    if (now >= until) break;
    const int remaining = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count()) + 1;
    if (pid_fd >= 0) {
      pollfd descriptor{pid_fd, POLLIN, 0};
      ::poll(&descriptor, 1, remaining);
    } else {
      ::poll(nullptr, 0, std::min(remaining, 20));  // no pidfd support: bounded poll timeout between checks
    }
  }
  if (pid_fd >= 0) ::close(pid_fd);
  return false;
}

std::filesystem::path make_temporary_directory() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mqtt-harness-mosquitto-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  }
  return pattern;
}

int run_command(const std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string free_loopback_port() { return std::to_string(free_port_number()); }
std::uint16_t free_loopback_port_number() { return free_port_number(); }

bool wait_until_accepting(std::uint16_t port, std::chrono::milliseconds deadline) {
  const auto until = Clock::now() + deadline;
  while (Clock::now() < until) {
    if (port_accepts(port, std::chrono::milliseconds(100))) return true;
    ::poll(nullptr, 0, 10);  // a refused connect returns at once: pace the attempts
  }
  return false;
}

MosquittoBroker::MosquittoBroker(MosquittoOptions options) : options_(std::move(options)) {
  directory_ = make_temporary_directory();
  try {
    // Readable by the unprivileged user mosquitto switches to when started as root.
    std::filesystem::permissions(directory_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                                 std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                                 std::filesystem::perms::others_exec);
    start();
  } catch (...) {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
    throw;
  }
}

MosquittoBroker::~MosquittoBroker() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

// Another test program may take the port between the probe and mosquitto's bind (many run at once under ctest):
// then mosquitto exits at once saying so, and it starts again on another port.
void MosquittoBroker::start() {
  constexpr int attempts = 5;
  int attempt = 1;
  while (!start_once(attempt < attempts)) ++attempt;
}

bool MosquittoBroker::start_once(bool may_retry) {
  port_ = free_port_number();
  const auto config_path = directory_ / "mosquitto.conf";
  {
    std::ofstream config(config_path);
    config << "listener " << port_ << " 127.0.0.1\n";
    config << "allow_anonymous " << (options_.allow_anonymous ? "true" : "false") << "\n";
    config << "persistence false\n";
    config << "log_dest stdout\n";
    config << "log_type " << options_.log_type << "\n";
    if (!options_.users.empty()) {
      const auto password_path = directory_ / "passwords";
      bool first = true;
      for (const auto& [user, password] : options_.users) {
        std::vector<std::string> command{"/usr/bin/mosquitto_passwd", "-b"};
        if (first) command.push_back("-c");
        command.insert(command.end(), {password_path.string(), user, password});
        if (run_command(command) != 0) throw std::runtime_error("mosquitto_passwd failed for user " + user);
        first = false;
      }
      // mosquitto started as root drops to the "mosquitto" user before reading the password file.
      std::filesystem::permissions(password_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                                      std::filesystem::perms::group_read | std::filesystem::perms::others_read);
      config << "password_file " << password_path.string() << "\n";
    }
    for (const auto& line : options_.extra_config_lines) config << line << "\n";
    for (const auto& listener : options_.extra_listeners) {
      config << "listener " << listener.port << " 127.0.0.1\n";
      for (const auto& line : listener.lines) config << line << "\n";
    }
  }

  const std::string log_path = (directory_ / "mosquitto.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const std::string binary = options_.binary.string();
  const std::string config_argument = config_path.string();
  std::vector<char*> argv{const_cast<char*>(binary.c_str()), const_cast<char*>("-c"),
                          const_cast<char*>(config_argument.c_str()), nullptr};
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) throw std::runtime_error("cannot start " + binary + ": " + std::strerror(spawn_error));
  pid_ = pid;

  const auto until = Clock::now() + options_.start_deadline;
  while (Clock::now() < until) {
    if (port_accepts(port_, std::chrono::milliseconds(100))) {
      // Listeners open in the order of the file: the last one accepting means all do.
      for (const auto& listener : options_.extra_listeners) {
        if (!wait_until_accepting(listener.port, std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()))) {
          throw std::runtime_error("mosquitto did not accept connections on its listener 127.0.0.1:" +
                                   std::to_string(listener.port) + "; log:\n" + log());
        }
      }
      return true;
    }
    int status = 0;
    // Also the pause between attempts: returns early if the broker dies instead of listening.
    if (wait_for_exit(pid_, std::chrono::milliseconds(20), status)) {
      pid_ = -1;
      // The extra listeners' ports are the test's own: only the broker's main port can be chosen again.
      if (may_retry && options_.extra_listeners.empty() && log().find("Address already in use") != std::string::npos) {
        return false;
      }
      throw std::runtime_error("mosquitto exited during start-up (status " + std::to_string(status) + "); log:\n" +
                               log());
    }
  }
  throw std::runtime_error("mosquitto did not accept connections on 127.0.0.1:" + std::to_string(port_) +
                           " within " + std::to_string(options_.start_deadline.count()) + " ms; log:\n" + log());
}

std::optional<int> MosquittoBroker::stop() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  ::kill(pid_, SIGTERM);
  if (!wait_for_exit(pid_, options_.stop_deadline, status)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  return status;
}

std::string MosquittoBroker::url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }

std::string MosquittoBroker::url_with_credentials(const std::string& user, const std::string& password) const {
  return "mqtt://" + user + ":" + password + "@127.0.0.1:" + std::to_string(port_);
}

std::string MosquittoBroker::log() const {
  std::ifstream in(directory_ / "mosquitto.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace mqtt::test_support
