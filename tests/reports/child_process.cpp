#include "tests/reports/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mqtt::reports::testing {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int open_for_child(const std::filesystem::path& path) {
  const int descriptor = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (descriptor < 0) throw std::runtime_error(path.string() + ": " + std::strerror(errno));
  return descriptor;
}

}  // namespace

TemporaryDirectory::TemporaryDirectory(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error(pattern + ": mkdtemp: " + std::strerror(errno));
  path_ = pattern;
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& options) {
  if (argv.empty()) throw std::runtime_error("run_child: empty argv");
  const TemporaryDirectory capture("mqtt-child-output");
  const int output = open_for_child(capture.path() / "stdout");
  const int errors = open_for_child(capture.path() / "stderr");

  std::vector<char*> arguments;
  for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);

  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(output, STDOUT_FILENO);
    ::dup2(errors, STDERR_FILENO);
    const int null_input = ::open("/dev/null", O_RDONLY);
    if (null_input >= 0) ::dup2(null_input, STDIN_FILENO);
    if (!options.working_directory.empty() && ::chdir(options.working_directory.c_str()) != 0) ::_exit(126);
    for (const auto& variable : options.environment) ::putenv(const_cast<char*>(variable.c_str()));
    ::execvp(arguments[0], arguments.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent, so the group exists before we might need to kill it
  ::close(output);
  ::close(errors);

  ChildResult result;
  const int process_descriptor = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  bool exited = false;
  if (process_descriptor >= 0) {
    pollfd wait_for{process_descriptor, POLLIN, 0};
    int ready = 0;
    do {
      const auto remaining = options.deadline - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    std::chrono::steady_clock::now() - started);
      ready = ::poll(&wait_for, 1, static_cast<int>(std::max<std::int64_t>(0, remaining.count())));
    } while (ready < 0 && errno == EINTR);
    exited = ready > 0;
    ::close(process_descriptor);
  } else {
    const int open_error = errno;
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(open_error) +
                             " (needs Linux 5.3 or later)");
  }
  if (!exited) {
    result.timed_out = true;
    ::kill(-pid, SIGKILL);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  result.peak_memory_kb = usage.ru_maxrss;
  // Helpers the child left behind in its group (a browser's zygote, a broker a script started) go too.
  ::kill(-pid, SIGKILL);
  result.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.output = slurp(capture.path() / "stdout");
  result.errors = slurp(capture.path() / "stderr");
  return result;
}

}  // namespace mqtt::reports::testing
