// The broker-restart fault: the broker itself stops and starts again in the middle of a run, the way an operator's
// upgrade or a crash-and-restart does, so a soak run shows what the broker keeps across it (persistent sessions,
// queued QoS 1/2 messages, retained messages). The harness cannot restart a remote broker by itself: the user
// names how (`simulate --broker-restart-command`, run through /bin/sh), or the embedded broker is restarted in
// process (its state is in memory, so its sessions are lost: a true finding the checker reports). Without a way,
// each restart is skipped with a warning, never silently.
//
// The restart runs on its own thread, so the fleet's event loop keeps serving the devices while the command runs.
// Each restart is recorded in the history before it begins, as a `fault` event of the broker (connection 0: every
// open connection was cut by the harness's doing), and its outcome as a note when it ends.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

namespace mqtt::simulator {

struct BrokerRestartOutcome {
  bool succeeded = false;
  std::string text;  // "exit 0", "exit 3", "killed after the 60 s deadline", "restarted in-process"
};

// How a restart is performed, on the restart thread: stop the broker, stay down `down_ms`, start it again, and
// return when it listens again (or failed). It must end by its own deadline.
using BrokerRestartMethod = std::function<BrokerRestartOutcome(std::uint32_t down_ms)>;

// The run's broker restarts: the method (none: every restart is skipped) and what each restart did, for
// results.json stats.broker_restarts. Used from the fleet's thread; the method runs on a thread of its own.
class BrokerRestarts {
 public:
  // `method_name` says how, without secrets: "--broker-restart-command", "embedded broker, in-process".
  BrokerRestarts(BrokerRestartMethod method, std::string method_name);
  BrokerRestarts() = default;  // no method: restarts are skipped
  ~BrokerRestarts();           // waits for a restart still running (bounded by the method's deadline)
  BrokerRestarts(const BrokerRestarts&) = delete;
  BrokerRestarts& operator=(const BrokerRestarts&) = delete;

  bool can_restart() const { return static_cast<bool>(method_); }
  const std::string& method_name() const { return method_name_; }

  // Starts a restart (at `at_s` of the run) on its own thread, unless one is still running: then this one is
  // recorded as skipped and false returned.
  bool begin(double at_s, std::uint32_t down_ms);
  // The running restart's outcome once it has ended (recorded in the log), nullopt while it runs.
  std::optional<BrokerRestartOutcome> poll();
  void skip(double at_s, std::uint32_t down_ms, const std::string& why);  // recorded, nothing done
  void wait();  // for the running restart, if any

  // [{"at_s", "down_ms", "outcome": "restarted" | "failed" | "skipped", "detail", "seconds"}, ...]
  nlohmann::json to_json() const;

 private:
  BrokerRestartMethod method_;
  std::string method_name_;
  std::future<BrokerRestartOutcome> running_;
  std::chrono::steady_clock::time_point running_since_{};
  nlohmann::json log_ = nlohmann::json::array();
};

// What the fault loop records in the history: the fault event (before the restart begins) and the outcome note.
struct BrokerRestartRecording {
  std::function<void(const std::string& detail)> fault;
  std::function<void(const std::string& text)> note;
};

// Performs one scheduled broker-restart fault on the calling coroutine's executor (the fleet's loop): records it,
// begins it and waits for it without blocking the loop, polling every 20 ms. `restarts` null: skipped (noted).
boost::asio::awaitable<void> perform_broker_restart(BrokerRestarts* restarts, double at_s, std::uint32_t down_ms,
                                                    BrokerRestartRecording recording);

// Runs `command` through /bin/sh -c (stdout to /dev/null, stderr inherited) with MQTT_HARNESS_BROKER_DOWN_MS set
// to `down_ms`, and waits at most `deadline` for it to exit; past it the command's process group is killed. The
// command text is never part of the outcome (it may hold credentials).
BrokerRestartOutcome run_restart_command(const std::string& command, std::uint32_t down_ms,
                                         std::chrono::milliseconds deadline);

}  // namespace mqtt::simulator
