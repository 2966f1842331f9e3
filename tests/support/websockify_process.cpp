#include "support/websockify_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "support/mosquitto_broker.hpp"

extern char** environ;

namespace mqtt::test_support {

WebsockifyProcess::WebsockifyProcess(WebsockifyOptions options) {
  port_ = free_loopback_port_number();
  log_path_ = std::filesystem::temp_directory_path() / ("mqtt-harness-websockify-" + std::to_string(port_) + ".log");
  std::vector<std::string> arguments{options.binary.string()};
  if (!options.certificate.empty()) {
    arguments.insert(arguments.end(), {"--cert", options.certificate, "--key", options.key});
  }
  arguments.push_back("127.0.0.1:" + std::to_string(port_));
  arguments.push_back("127.0.0.1:" + std::to_string(options.target_port));
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group: the children it forks per connection are stopped with it.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  const int error = ::posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) throw std::runtime_error("cannot start " + arguments[0] + ": " + std::strerror(error));
  pid_ = pid;
  if (!wait_until_accepting(port_, std::chrono::seconds(10))) {
    const std::string output = log();
    stop();
    throw std::runtime_error("websockify did not accept connections on 127.0.0.1:" + std::to_string(port_) +
                             " within 10 s; output:\n" + output);
  }
}

WebsockifyProcess::~WebsockifyProcess() {
  stop();
  std::error_code ignored;
  std::filesystem::remove(log_path_, ignored);
}

void WebsockifyProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);  // a test bridge holds nothing worth a graceful end
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string WebsockifyProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace mqtt::test_support
