// Test support: a child process that runs while the test watches it and sends it signals (reports/child_process.hpp
// runs one to its end). The child gets its own process group; its stderr comes through a pipe the test reads as
// it arrives, its stdout goes to a file. Every wait polls descriptors with a deadline, never sleeps, and the
// destructor kills the group of a child still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "tests/reports/child_process.hpp"

namespace mqtt::test_support {

class RunningChild {
 public:
  // argv[0] is looked up on PATH. Throws std::runtime_error if the child cannot be started.
  explicit RunningChild(const std::vector<std::string>& argv);
  ~RunningChild();
  RunningChild(const RunningChild&) = delete;
  RunningChild& operator=(const RunningChild&) = delete;

  pid_t pid() const { return pid_; }
  // Reads stderr until it holds `text` or `deadline` passes; returns whether it appeared.
  bool wait_for_error_text(std::string_view text, std::chrono::milliseconds deadline);
  // Sends `signal_number` to the child itself (not its group, as a terminal would).
  void signal(int signal_number);
  // Sends it to the child's process group, as timeout(1) does right after signalling its command.
  void signal_group(int signal_number);
  // Sends it to the child from a short-lived process of its own (another sender, as `kill` in a second terminal),
  // and returns once that process has.
  void signal_from_another_process(int signal_number);
  // Waits for the child to exit and its stderr to end; after `deadline` its group is killed (timed_out). The
  // elapsed time counts from this call.
  reports::testing::ChildResult wait(std::chrono::milliseconds deadline);
  const std::string& errors() const { return errors_; }

 private:
  bool read_errors(int timeout_ms);  // false at the end of stderr

  reports::testing::TemporaryDirectory directory_{"mqtt-running-child"};
  pid_t pid_ = -1;
  int process_descriptor_ = -1;
  int errors_descriptor_ = -1;
  bool exited_ = false;
  std::string errors_;
};

}  // namespace mqtt::test_support
