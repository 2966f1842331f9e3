#include "simulator/broker_restart.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

extern char** environ;

namespace mqtt::simulator {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

double rounded(double value, double unit) { return std::round(value / unit) * unit; }

}  // namespace

BrokerRestarts::BrokerRestarts(BrokerRestartMethod method, std::string method_name)
    : method_(std::move(method)), method_name_(std::move(method_name)) {}

BrokerRestarts::~BrokerRestarts() { wait(); }

bool BrokerRestarts::begin(double at_s, std::uint32_t down_ms) {
  if (!method_) {
    skip(at_s, down_ms, "no way to restart the broker");
    return false;
  }
  if (running_.valid()) {
    skip(at_s, down_ms, "the previous restart was still running");
    return false;
  }
  log_.push_back({{"at_s", rounded(at_s, 0.001)}, {"down_ms", down_ms}, {"method", method_name_}});
  running_since_ = Clock::now();
  running_ = std::async(std::launch::async, method_, down_ms);
  return true;
}

std::optional<BrokerRestartOutcome> BrokerRestarts::poll() {
  if (!running_.valid() || running_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    return std::nullopt;
  }
  BrokerRestartOutcome outcome;
  try {
    outcome = running_.get();
  } catch (const std::exception& error) {
    outcome = {false, error.what()};
  }
  auto& entry = log_.back();
  entry["outcome"] = outcome.succeeded ? "restarted" : "failed";
  entry["detail"] = outcome.text;
  entry["seconds"] = rounded(std::chrono::duration<double>(Clock::now() - running_since_).count(), 0.01);
  return outcome;
}

void BrokerRestarts::skip(double at_s, std::uint32_t down_ms, const std::string& why) {
  log_.push_back({{"at_s", rounded(at_s, 0.001)}, {"down_ms", down_ms}, {"outcome", "skipped"}, {"detail", why}});
}

void BrokerRestarts::wait() {
  if (!running_.valid()) return;
  running_.wait();
  // Recorded even when the run ended first (its loop no longer polls).
  if (!log_.empty() && !log_.back().contains("outcome")) poll();
}

nlohmann::json BrokerRestarts::to_json() const { return log_; }

asio::awaitable<void> perform_broker_restart(BrokerRestarts* restarts, double at_s, std::uint32_t down_ms,
                                             BrokerRestartRecording recording) {
  if (restarts == nullptr || !restarts->can_restart()) {
    if (restarts != nullptr) restarts->begin(at_s, down_ms);  // records the skip
    recording.note("broker-restart skipped: no way to restart the broker was given (simulate "
                   "--broker-restart-command)");
    co_return;
  }
  // The fault first: the connections the restart ends were ended by the harness, not by a broker's choice.
  recording.fault("broker restart, down " + std::to_string(down_ms) + " ms, by " + restarts->method_name());
  if (!restarts->begin(at_s, down_ms)) {
    recording.note("broker-restart skipped: the previous restart was still running");
    co_return;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    if (const auto outcome = restarts->poll()) {
      recording.note(std::string("broker-restart ") + (outcome->succeeded ? "done: " : "failed: ") + outcome->text);
      co_return;
    }
    timer.expires_after(std::chrono::milliseconds(20));
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

BrokerRestartOutcome run_restart_command(const std::string& command, std::uint32_t down_ms,
                                         std::chrono::milliseconds deadline) {
  std::vector<std::string> environment;
  for (char** variable = environ; *variable != nullptr; ++variable) environment.emplace_back(*variable);
  environment.push_back("MQTT_HARNESS_BROKER_DOWN_MS=" + std::to_string(down_ms));
  std::vector<char*> environment_pointers;
  for (auto& variable : environment) environment_pointers.push_back(variable.data());
  environment_pointers.push_back(nullptr);
  std::string shell = "/bin/sh", flag = "-c", text = command;
  char* arguments[] = {shell.data(), flag.data(), text.data(), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  // Nothing else of ours: the broker the command starts would otherwise hold the harness's sockets open for as
  // long as it runs (Asio does not mark them close-on-exec), and a link the fault proxy closes with RST would then
  // stay open on the device's side, since the socket outlives our close (found in the 10-minute soak: one device
  // kept publishing into a link that no longer led anywhere).
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group: killed whole at the deadline, and a Ctrl-C meant for the harness does not stop the
  // broker the command starts.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t child = 0;
  const int spawned = posix_spawn(&child, "/bin/sh", &actions, &attributes, arguments, environment_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return {false, std::string("cannot run /bin/sh: ") + std::strerror(spawned)};

  // Polled rather than blocked on, so the deadline holds whatever the command does.
  const auto end = Clock::now() + deadline;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(child, &status, WNOHANG);
    if (done == child) break;
    if (done < 0) return {false, std::string("lost the command: ") + std::strerror(errno)};
    if (Clock::now() >= end) {
      ::kill(-child, SIGKILL);
      ::waitpid(child, &status, 0);
      char text[64];
      std::snprintf(text, sizeof text, "killed after the %.1f s deadline", static_cast<double>(deadline.count()) / 1000);
      return {false, text};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status)) return {WEXITSTATUS(status) == 0, "exit " + std::to_string(WEXITSTATUS(status))};
  if (WIFSIGNALED(status)) return {false, "ended by signal " + std::to_string(WTERMSIG(status))};
  return {false, "ended with status " + std::to_string(status)};
}

}  // namespace mqtt::simulator
