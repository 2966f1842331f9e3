// InterruptWatch (harness/cli/interrupt.hpp) on its own: the first SIGINT or SIGTERM requests the stop and is
// recorded with its name and time, the dispositions return to the default afterwards, and a second signal ends the
// process at once with 128 + its number and one line on stderr (in a forked child, so the test survives it).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <stop_token>
#include <string>

#include "cli/interrupt.hpp"

namespace mqtt::cli {
namespace {

using namespace std::chrono_literals;

// Waits until `token` is stopped or the deadline passes.
bool stopped_within(std::stop_token token, std::chrono::milliseconds deadline) {
  std::promise<void> stopped;
  auto future = stopped.get_future();
  const std::stop_callback on_stop(token, [&stopped] { stopped.set_value(); });
  return future.wait_for(deadline) == std::future_status::ready;
}

class InterruptWatchSignal : public ::testing::TestWithParam<int> {};

TEST_P(InterruptWatchSignal, TheFirstSignalRequestsTheStopAndIsRecorded) {
  const int number = GetParam();
  {
    InterruptWatch watch("test");
    EXPECT_FALSE(watch.token().stop_requested());
    EXPECT_FALSE(watch.interruption());
    ASSERT_EQ(::raise(number), 0);
    ASSERT_TRUE(stopped_within(watch.token(), 10s));
    const auto interruption = watch.interruption();
    ASSERT_TRUE(interruption);
    EXPECT_EQ(interruption->signal, number == SIGINT ? "SIGINT" : "SIGTERM");
    EXPECT_EQ(interruption->signal_number, number);
    EXPECT_GE(interruption->after_ms, 0.0);
    results::Results results;
    watch.record(results);
    ASSERT_TRUE(results.interrupted);
    EXPECT_EQ(results::describe(*results.interrupted).rfind("interrupted by " + interruption->signal + " after ", 0),
              0u);
  }
  // The watch is gone: the signal's default action (ending the process) is back.
  struct sigaction current {};
  ASSERT_EQ(::sigaction(number, nullptr, &current), 0);
  EXPECT_EQ(current.sa_handler, SIG_DFL);
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptWatchSignal, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) { return std::string(info.param == SIGINT ? "SIGINT" : "SIGTERM"); });

TEST(InterruptWatch, ARunThatWasNotInterruptedIsNotMarked) {
  InterruptWatch watch("test");
  results::Results results;
  watch.record(results);
  EXPECT_FALSE(results.interrupted);
}

TEST(InterruptWatch, ASecondSignalExitsAtOnceWithOneLine) {
  int errors[2];
  ASSERT_EQ(::pipe2(errors, O_CLOEXEC), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::dup2(errors[1], STDERR_FILENO);
    InterruptWatch watch("conform");
    ::raise(SIGINT);
    if (!stopped_within(watch.token(), 10s)) ::_exit(98);
    ::raise(SIGTERM);  // ends the process in the handler
    ::_exit(99);
  }
  ::close(errors[1]);
  const int process = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
  ASSERT_GE(process, 0);
  pollfd exit_wait{process, POLLIN, 0};
  const bool exited = ::poll(&exit_wait, 1, 20'000) == 1;
  if (!exited) ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(process);
  std::string text;
  char buffer[1024];
  for (ssize_t got; (got = ::read(errors[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(got));
  ::close(errors[0]);
  ASSERT_TRUE(exited);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal instead of exiting";
  EXPECT_EQ(WEXITSTATUS(status), 143);
  EXPECT_NE(text.find("mqtt-harness conform: interrupted by SIGINT after "), std::string::npos) << text;
  EXPECT_NE(text.find("mqtt-harness conform: SIGTERM again: stopped at once; the reports were not written\n"),
            std::string::npos)
      << text;
}

// The same signal again from the same process at once (timeout(1) signals its command, then the command's group)
// is the first delivered twice: the process carries on. raise() delivers to the calling thread before it returns.
TEST(InterruptWatch, TheSameSignalFromTheSameSenderAtOnceIsOneRequest) {
  int errors[2];
  ASSERT_EQ(::pipe2(errors, O_CLOEXEC), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::dup2(errors[1], STDERR_FILENO);
    {
      InterruptWatch watch("simulate");
      const auto first = std::chrono::steady_clock::now();
      ::raise(SIGINT);
      if (!stopped_within(watch.token(), 10s)) ::_exit(98);
      // Past the window, the repeat would be a second request; the test must be able to tell which it checked.
      if (std::chrono::steady_clock::now() - first >= std::chrono::nanoseconds(repeat_window_ns)) ::_exit(97);
      ::raise(SIGINT);  // handled before raise returns: ignored, or the process ends here with 130
      if (!watch.interruption() || watch.interruption()->signal != "SIGINT") ::_exit(96);
    }
    ::_exit(0);
  }
  ::close(errors[1]);
  int status = 0;
  const int process = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
  ASSERT_GE(process, 0);
  pollfd exit_wait{process, POLLIN, 0};
  const bool exited = ::poll(&exit_wait, 1, 20'000) == 1;
  if (!exited) ::kill(child, SIGKILL);
  ::waitpid(child, &status, 0);
  ::close(process);
  std::string text;
  char buffer[1024];
  for (ssize_t got; (got = ::read(errors[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(got));
  ::close(errors[0]);
  ASSERT_TRUE(exited);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "97: the repeat came after the window; 130: it ended the process\n" << text;
  EXPECT_EQ(text.find("again: stopped at once"), std::string::npos) << text;
  EXPECT_NE(text.find("mqtt-harness simulate: interrupted by SIGINT after "), std::string::npos) << text;
}

TEST(InterruptWatch, NamesTheSignals) {
  EXPECT_EQ(signal_name(SIGINT), "SIGINT");
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(SIGHUP), "signal " + std::to_string(SIGHUP));
}

}  // namespace
}  // namespace mqtt::cli
