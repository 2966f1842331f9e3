#include "cli/interrupt.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "cli/terminal.hpp"

namespace mqtt::cli {
namespace {

// What the handler may touch: lock-free atomics, a descriptor and bytes prepared before it was installed.
std::atomic<int> signals_received{0};
std::atomic<int> pipe_write_end{-1};
// The first signal: its number, the process that sent it (0 when the kernel did, as for a terminal's Ctrl-C) and
// when it came, to tell a repeat of the same delivery from a second request.
std::atomic<int> first_number{0};
std::atomic<pid_t> first_sender{0};
std::atomic<std::int64_t> first_time_ns{0};

struct PreparedLine {
  char text[512];
  std::size_t size = 0;
};
PreparedLine again_after_sigint;
PreparedLine again_after_sigterm;

static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free counter");
static_assert(std::atomic<pid_t>::is_always_lock_free && std::atomic<std::int64_t>::is_always_lock_free,
              "the signal handler needs lock-free atomics");

std::int64_t monotonic_ns() {  // clock_gettime is async-signal-safe
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// The sending process, or 0 for a signal the kernel generated (a terminal's Ctrl-C, SI_KERNEL). Codes <= 0
// (SI_USER, SI_QUEUE, SI_TKILL) are those of kill(), sigqueue() and tgkill().
pid_t sender_of(const siginfo_t* info) { return info != nullptr && info->si_code <= 0 ? info->si_pid : 0; }

void prepare(PreparedLine& line, const std::string& text) {
  line.size = std::min(text.size(), sizeof line.text);
  std::memcpy(line.text, text.data(), line.size);
}

void on_interrupt_signal(int number, siginfo_t* info, void*) {
  const int saved_errno = errno;
  const std::int64_t now = monotonic_ns();
  const pid_t sender = sender_of(info);
  if (signals_received.fetch_add(1) == 0) {
    first_number = number;
    first_sender = sender;
    first_time_ns = now;
    // The watcher thread does the rest; a full pipe cannot happen (one byte, once).
    const unsigned char byte = static_cast<unsigned char>(number);
    [[maybe_unused]] const auto written = ::write(pipe_write_end.load(), &byte, 1);
  } else if (sender != 0 && sender == first_sender.load() && number == first_number.load() &&
             now - first_time_ns.load() < repeat_window_ns) {
    // The same request delivered twice: timeout(1) signals its command and then the command's process group, so
    // `timeout -s INT 1h mqtt-harness simulate ...` would otherwise lose its reports half the time.
  } else {
    const PreparedLine& line = number == SIGTERM ? again_after_sigterm : again_after_sigint;
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, line.text, line.size);
    ::_exit(128 + number);
  }
  errno = saved_errno;
}

void install_handler(int number) {
  struct sigaction action {};
  action.sa_sigaction = on_interrupt_signal;
  sigemptyset(&action.sa_mask);
  // Both signals are held while the handler runs, so its branches never interleave.
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  ::sigaction(number, &action, nullptr);
}

void restore_default(int number) {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  ::sigaction(number, &action, nullptr);
}

}  // namespace

std::string signal_name(int signal_number) {
  if (signal_number == SIGINT) return "SIGINT";
  if (signal_number == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal_number);
}

InterruptWatch::InterruptWatch(std::string_view command)
    : command_(command), started_(std::chrono::steady_clock::now()) {
  if (::pipe2(pipe_, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("cannot watch for SIGINT and SIGTERM: pipe: ") + std::strerror(errno));
  }
  int expected = -1;
  if (!pipe_write_end.compare_exchange_strong(expected, pipe_[1])) {
    ::close(pipe_[0]);
    ::close(pipe_[1]);
    throw std::logic_error("InterruptWatch: only one watch at a time");
  }
  signals_received = 0;
  for (const int number : {SIGINT, SIGTERM}) {
    prepare(number == SIGINT ? again_after_sigint : again_after_sigterm,
            fmt::format("mqtt-harness {}: {} again: stopped at once; the reports were not written\n", command_,
                        signal_name(number)));
  }
  watcher_ = std::thread([this] { watch(); });
  install_handler(SIGINT);
  install_handler(SIGTERM);
}

InterruptWatch::~InterruptWatch() {
  restore_default(SIGINT);
  restore_default(SIGTERM);
  const unsigned char quit = 0;  // not a signal number: tells the watcher to end
  while (::write(pipe_[1], &quit, 1) < 0 && errno == EINTR) {
  }
  if (watcher_.joinable()) watcher_.join();
  pipe_write_end = -1;
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

std::optional<results::Interruption> InterruptWatch::interruption() const {
  std::lock_guard lock(mutex_);
  return interruption_;
}

void InterruptWatch::watch() {
  for (;;) {
    unsigned char number = 0;
    const auto got = ::read(pipe_[0], &number, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0 || number == 0) return;
    results::Interruption interruption;
    interruption.signal = signal_name(number);
    interruption.signal_number = number;
    interruption.after_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
    {
      std::lock_guard lock(mutex_);
      interruption_ = interruption;
    }
    // On a terminal the line starts below the progress line and the echoed ^C.
    fmt::print(stderr,
               "{}mqtt-harness {}: {}: stopping, judging what was recorded and writing the reports ({} again stops "
               "at once, without them)\n",
               is_terminal(stderr) ? "\n" : "", command_, results::describe(interruption), interruption.signal);
    std::fflush(stderr);
    stop_.request_stop();
  }
}

}  // namespace mqtt::cli
