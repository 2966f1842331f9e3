// A real capture: tcpdump on loopback records mosquitto_pub and mosquitto_sub talking to a mosquitto started
// by the fixture; the capture is then inspected (library and CLI) and mosquitto's conformant traffic must
// yield no violation; then it is replayed against mosquitto (same answers) and a defective embedded broker
// (differences, violation). Skipped, with the reason, where tcpdump cannot capture (no permission).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "capture/capture_analyser.hpp"
#include "runner/history_judgement.hpp"
#include "support/mosquitto_broker.hpp"

namespace mqtt::capture::test {
namespace {

using Clock = std::chrono::steady_clock;

// tcpdump as a child process whose stderr we read until it says it is listening.
class Tcpdump {
 public:
  Tcpdump(const std::filesystem::path& file, std::uint16_t port) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(pipe_fds[1], STDERR_FILENO);
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDOUT_FILENO);
      ::close(pipe_fds[0]);
      const std::string filter = "port " + std::to_string(port);
      ::execlp("tcpdump", "tcpdump", "-i", "lo", "--immediate-mode", "-B", "65536", "-U", "-w", file.c_str(),
               filter.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(pipe_fds[1]);
    stderr_fd_ = pipe_fds[0];
  }
  ~Tcpdump() {
    stop(std::chrono::seconds(5));
    if (stderr_fd_ >= 0) ::close(stderr_fd_);
  }

  // Waits for "listening on" on stderr; false (with what it said) when it exits or the deadline passes.
  bool wait_listening(std::chrono::milliseconds deadline) {
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
      pollfd entry{stderr_fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      if (::poll(&entry, 1, static_cast<int>(std::max<long long>(left, 1))) <= 0) continue;
      char buffer[512];
      const auto count = ::read(stderr_fd_, buffer, sizeof buffer);
      if (count <= 0) return false;
      output_.append(buffer, static_cast<std::size_t>(count));
      if (output_.find("listening on") != std::string::npos) return true;
    }
    return false;
  }

  // SIGINT (tcpdump flushes and exits), SIGKILL if it has not exited by the deadline.
  void stop(std::chrono::milliseconds deadline) {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGINT);
    const auto until = Clock::now() + deadline;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() >= until) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      pollfd entry{stderr_fd_, POLLIN, 0};
      ::poll(&entry, 1, 20);  // wakes on output or after 20 ms, to check the child again
      char buffer[512];
      if ((entry.revents & POLLIN) != 0) {
        const auto count = ::read(stderr_fd_, buffer, sizeof buffer);
        if (count > 0) output_.append(buffer, static_cast<std::size_t>(count));
      }
    }
    pid_ = -1;
  }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  std::string output_;
};

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(LiveCapture, MosquittoTrafficIsDecodedAndConformant) {
  if (run("command -v tcpdump > /dev/null") != 0) GTEST_SKIP() << "tcpdump is not installed";
  test_support::MosquittoBroker broker;
  const auto file =
      std::filesystem::temp_directory_path() / ("mqtt-live-" + std::to_string(::getpid()) + ".pcap");
  std::optional<Tcpdump> tcpdump(std::in_place, file, broker.port());
  if (!tcpdump->wait_listening(std::chrono::seconds(10))) {
    GTEST_SKIP() << "tcpdump cannot capture on lo here: " << tcpdump->output();
  }
  const std::string port = std::to_string(broker.port());
  // A retained QoS 1 message, then a subscriber that receives it and exits after one message.
  ASSERT_EQ(run("timeout 10 mosquitto_pub -h 127.0.0.1 -p " + port +
                " -i cap-pub -q 1 -r -t capture/live -m hello-capture"),
            0);
  ASSERT_EQ(run("timeout 10 mosquitto_sub -h 127.0.0.1 -p " + port +
                " -i cap-sub -q 1 -t capture/live -C 1 -W 10 > /dev/null"),
            0);
  // Both clients have exited; the broker's FINs follow at once. Stopping tcpdump flushes the file.
  tcpdump->stop(std::chrono::seconds(5));
  tcpdump.reset();

  const auto analysis = analyse_capture_file(file);
  ASSERT_EQ(analysis.connections.size(), 2u) << "frames: " << analysis.frames;
  const auto& publisher = analysis.connections[0];
  const auto& subscriber = analysis.connections[1];
  EXPECT_EQ(publisher.client_id, "cap-pub");
  EXPECT_EQ(publisher.sent.at("CONNECT"), 1u);
  EXPECT_EQ(publisher.publish_qos_sent[1], 1u);
  EXPECT_EQ(publisher.received.at("PUBACK"), 1u);
  EXPECT_TRUE(publisher.topics.contains("capture/live"));
  EXPECT_EQ(subscriber.client_id, "cap-sub");
  EXPECT_EQ(subscriber.sent.at("SUBSCRIBE"), 1u);
  EXPECT_EQ(subscriber.received.at("SUBACK"), 1u);
  EXPECT_EQ(subscriber.received.at("PUBLISH"), 1u);
  EXPECT_TRUE(subscriber.filters.contains("capture/live"));
  for (const auto& row : analysis.connections) {
    EXPECT_TRUE(row.from_syn);
    EXPECT_TRUE(row.judged);
    EXPECT_EQ(row.decode_errors, 0u);
    for (const auto& note : row.notes) ADD_FAILURE() << "unexpected note: " << note;
  }

  runner::HistorySource source;
  source.id = "capture:live";
  source.history = analysis.history;
  runner::HistoryJudgementOptions options;
  options.started_at = "2026-01-01T00:00:00Z";
  std::vector<runner::HistorySource> sources;
  sources.push_back(std::move(source));
  const auto results = runner::judge_histories(std::move(sources), options);
  for (const auto& violation : results.violations) {
    ADD_FAILURE() << violation.statement << ": " << violation.message;
  }
  EXPECT_EQ(results.summary.failed, 0u);

  // The CLI: the same capture passes (exit 0); a truncated copy is bad input (exit 2) naming the frame.
  EXPECT_EQ(run(std::string(MQTT_HARNESS_BINARY) + " inspect --quiet " + file.string()), 0);
  const auto truncated = file.string() + ".truncated";
  std::filesystem::copy_file(file, truncated, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(truncated, std::filesystem::file_size(file) - 7);
  const auto error_file = file.string() + ".err";
  EXPECT_EQ(run(std::string(MQTT_HARNESS_BINARY) + " inspect " + truncated + " 2> " + error_file), 2);
  std::string error;
  std::getline(std::ifstream(error_file), error);
  EXPECT_NE(error.find("frame "), std::string::npos) << error;
  std::filesystem::remove(truncated);

  // replay: mosquitto answers the replayed sessions as it did when captured (under a prefix, so the retained
  // message of the capture does not interfere); the embedded broker that never sends PUBACK is shown to
  // differ.
  const auto output_file = file.string() + ".out";
  auto slurp = [&] {
    std::ifstream in(output_file);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  EXPECT_EQ(run(std::string(MQTT_HARNESS_BINARY) + " replay " + file.string() + " --target " + broker.url() +
                " --seed 1 --settle 0.5 > " + output_file + " 2>&1"),
            0)
      << slurp();
  EXPECT_NE(slurp().find("answered every session as the captured broker did"), std::string::npos) << slurp();
  broker::BrokerOptions defective;
  defective.defects.insert(broker::Defect::no_puback);
  broker::EmbeddedBroker embedded(defective);
  // The model's verdict on this history is the checker's business (exit 0 or 1); the difference is ours.
  const int defective_exit =
      run(std::string(MQTT_HARNESS_BINARY) + " replay " + file.string() +
          " --as-fast-as-possible --answer-deadline 0.5 --target mqtt://127.0.0.1:" +
          std::to_string(embedded.port()) + " --settle 0.5 > " + output_file + " 2>&1");
  const auto output = slurp();
  EXPECT_TRUE(defective_exit == 0 || defective_exit == 1) << output;
  EXPECT_NE(output.find(
                "differs #1 \"cap-pub\": answer 2 differs: captured broker PUBACK, live broker sent nothing "
                "more"),
            std::string::npos)
      << output;
  EXPECT_EQ(output.find("differs #2"), std::string::npos) << output;
  std::filesystem::remove(output_file);
  std::filesystem::remove(error_file);
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace mqtt::capture::test
