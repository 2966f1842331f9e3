#include "tests/cli/running_child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mqtt::test_support {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  return static_cast<int>(std::max<std::int64_t>(0, left));
}

}  // namespace

RunningChild::RunningChild(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::runtime_error("RunningChild: empty argv");
  int errors[2];
  if (::pipe2(errors, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const auto output_path = directory_.path() / "stdout";
  const int output = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (output < 0) throw std::runtime_error(output_path.string() + ": " + std::strerror(errno));

  std::vector<char*> arguments;
  for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::dup2(output, STDOUT_FILENO);
    ::dup2(errors[1], STDERR_FILENO);
    const int null_input = ::open("/dev/null", O_RDONLY);
    if (null_input >= 0) ::dup2(null_input, STDIN_FILENO);
    // The test may ignore SIGPIPE or block signals; the child starts from the defaults.
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvp(arguments[0], arguments.data());
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
  ::close(output);
  ::close(errors[1]);
  errors_descriptor_ = errors[0];
  process_descriptor_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (process_descriptor_ < 0) {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    exited_ = true;
    throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));
  }
}

RunningChild::~RunningChild() {
  if (!exited_ && pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (process_descriptor_ >= 0) ::close(process_descriptor_);
  if (errors_descriptor_ >= 0) ::close(errors_descriptor_);
}

bool RunningChild::read_errors(int timeout_ms) {
  if (errors_descriptor_ < 0) return false;
  pollfd wait_for{errors_descriptor_, POLLIN, 0};
  const int ready = ::poll(&wait_for, 1, timeout_ms);
  if (ready <= 0) return true;  // nothing yet (or EINTR): the caller checks its deadline
  char buffer[4096];
  const auto got = ::read(errors_descriptor_, buffer, sizeof buffer);
  if (got > 0) {
    errors_.append(buffer, static_cast<std::size_t>(got));
    return true;
  }
  if (got < 0 && errno == EINTR) return true;
  ::close(errors_descriptor_);
  errors_descriptor_ = -1;
  return false;
}

bool RunningChild::wait_for_error_text(std::string_view text, std::chrono::milliseconds deadline) {
  const auto until = Clock::now() + deadline;
  while (errors_.find(text) == std::string::npos) {
    if (Clock::now() >= until) return false;
    if (!read_errors(remaining_ms(until))) return errors_.find(text) != std::string::npos;
  }
  return true;
}

void RunningChild::signal(int signal_number) {
  if (!exited_) ::kill(pid_, signal_number);
}

void RunningChild::signal_group(int signal_number) {
  if (!exited_) ::kill(-pid_, signal_number);
}

void RunningChild::signal_from_another_process(int signal_number) {
  if (exited_) return;
  const pid_t sender = ::fork();
  if (sender < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (sender == 0) {
    // Only async-signal-safe calls after fork() in a threaded process.
    ::_exit(::kill(pid_, signal_number) == 0 ? 0 : 1);
  }
  int status = 0;
  while (::waitpid(sender, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("the sending process failed");
}

reports::testing::ChildResult RunningChild::wait(std::chrono::milliseconds deadline) {
  reports::testing::ChildResult result;
  const auto started = Clock::now();
  const auto until = started + deadline;
  bool ended = false;
  while (!ended && Clock::now() < until) {
    pollfd waits[2] = {{process_descriptor_, POLLIN, 0}, {errors_descriptor_, POLLIN, 0}};
    const int ready = ::poll(waits, errors_descriptor_ >= 0 ? 2 : 1, remaining_ms(until));
    if (ready < 0 && errno != EINTR) break;
    if (errors_descriptor_ >= 0 && (waits[1].revents & (POLLIN | POLLHUP)) != 0) read_errors(0);
    ended = (waits[0].revents & POLLIN) != 0;
  }
  if (!ended) {
    result.timed_out = true;
    ::kill(-pid_, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exited_ = true;
  ::kill(-pid_, SIGKILL);  // whatever it left in its group
  const auto drain_until = Clock::now() + std::chrono::seconds(5);  // the rest of stderr, up to its end
  while (errors_descriptor_ >= 0 && Clock::now() < drain_until) read_errors(remaining_ms(drain_until));
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(directory_.path() / "stdout", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  result.output = text.str();
  result.errors = errors_;
  return result;
}

}  // namespace mqtt::test_support
