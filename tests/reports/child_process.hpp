// Runs a program as a child in its own process group with a deadline; on expiry the whole group (a browser
// and its helpers, a shell and what it started) is killed. Waiting uses a pidfd with poll, so there is no
// sleep.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace mqtt::reports::testing {

struct ChildOptions {
  std::chrono::milliseconds deadline{30'000};
  // "NAME=value" added to (or replacing in) the inherited environment.
  std::vector<std::string> environment{};
  std::filesystem::path working_directory{};  // empty: the current one
};

struct ChildResult {
  int exit_code = -1;      // -1 when killed by a signal (timed_out says whether we killed it)
  bool timed_out = false;  // the deadline expired and the process group was killed
  std::chrono::milliseconds elapsed{0};
  std::string output;  // stdout
  std::string errors;  // stderr
  long peak_memory_kb = 0;  // the child's largest resident set (ru_maxrss from wait4)
};

// argv[0] is looked up on PATH. Throws std::runtime_error if the child cannot be started at all.
ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& options = {});

// A fresh empty directory under the system temporary directory, removed by the destructor.
class TemporaryDirectory {
 public:
  explicit TemporaryDirectory(const std::string& prefix);
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace mqtt::reports::testing
