// `inspect` interrupted while reading an endless capture; a second signal stops it at once without reports.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "tests/capture/pcap_builder.hpp"
#include "tests/cli/interrupted_run_support.hpp"

namespace mqtt::cli::interrupted_run {
namespace {

// ---- inspect ------------------------------------------------------------------------------------------------

// `count` QoS 1 sessions (10 frames each), client ports from `first`, as pcap records (no file header).
Bytes session_records(std::uint32_t first, std::uint32_t count) {
  using namespace capture::test;
  PcapBuilder builder(Link::ethernet);
  for (std::uint32_t index = first; index < first + count; ++index) {
    const std::uint16_t port = static_cast<std::uint16_t>(10'000 + index % 50'000);
    for (const auto& segment : qos1_session({"10.0.0.2", port}, {"10.0.0.1", 1883}, "dtu-" + std::to_string(index)))
      builder.add(segment);
  }
  const auto& bytes = builder.bytes();
  return Bytes(bytes.begin() + 24, bytes.end());  // without the 24-byte pcap file header
}

Bytes pcap_file_header() {
  const capture::test::PcapBuilder empty(capture::test::Link::ethernet);
  return Bytes(empty.bytes().begin(), empty.bytes().begin() + 24);
}

// Writes a capture into a FIFO for as long as someone reads it: a capture with no end, so only an interruption
// ends `inspect`. `consumed` is set once more than `proof_bytes` went in: less the pipe's buffer (64 KiB) and the
// reader's own (PcapSource reads through 1 MiB), the reader has analysed the rest.
class EndlessCapture {
 public:
  EndlessCapture(const fs::path& fifo, std::size_t proof_bytes) : fifo_(fifo) {
    if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
    writer_ = std::thread([this, proof_bytes] { write_all(proof_bytes); });
  }
  ~EndlessCapture() {
    // A writer still blocked in open() (the reader never came) is released by a reader that goes at once.
    const int unblock = ::open(fifo_.c_str(), O_RDONLY | O_NONBLOCK);
    if (unblock >= 0) ::close(unblock);
    stop_ = true;
    writer_.join();
  }
  std::future<void> consumed() { return consumed_.get_future(); }

 private:
  void write_all(std::size_t proof_bytes) {
    const int out = ::open(fifo_.c_str(), O_WRONLY | O_CLOEXEC);
    if (out < 0) return;
    std::size_t written = 0;
    bool proved = false;
    auto put = [&](const Bytes& bytes) {
      std::size_t at = 0;
      while (at < bytes.size()) {
        const auto got = ::write(out, bytes.data() + at, bytes.size() - at);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;  // EPIPE: the reader is gone
        at += static_cast<std::size_t>(got);
      }
      written += bytes.size();
      return true;
    };
    bool open = put(pcap_file_header());
    for (std::uint32_t next = 0; open && !stop_; next += 100) {
      open = put(session_records(next, 100));
      if (!proved && written > proof_bytes) {
        proved = true;
        consumed_.set_value();
      }
    }
    if (!proved) consumed_.set_value();  // reader gone early: the test's own checks say what went wrong
    ::close(out);
  }

  fs::path fifo_;
  std::atomic<bool> stop_{false};
  std::promise<void> consumed_;
  std::thread writer_;
};

class IgnoreBrokenPipes : public ::testing::Test {
 protected:
  void SetUp() override { previous_ = ::signal(SIGPIPE, SIG_IGN); }
  void TearDown() override { ::signal(SIGPIPE, previous_); }

 private:
  sighandler_t previous_ = SIG_DFL;
};

using InterruptedInspect = IgnoreBrokenPipes;

TEST_F(InterruptedInspect, StopsReadingAnEndlessCaptureAndJudgesWhatItRead) {
  TemporaryDirectory work("mqtt-interrupt-inspect");
  EndlessCapture capture(work.path() / "live.pcap", 4 << 20);
  auto consumed = capture.consumed();
  RunningChild child({MQTT_HARNESS_BINARY, "inspect", (work.path() / "live.pcap").string(), "--history", "all", "-o",
                      (work.path() / "out").string()});
  ASSERT_EQ(consumed.wait_for(60s), std::future_status::ready) << child.errors();
  child.signal(SIGINT);
  const auto result = child.wait(60s);
  ASSERT_FALSE(result.timed_out) << describe(result);
  EXPECT_EQ(result.exit_code, 130) << describe(result);
  EXPECT_NE(result.output.find("verdict: interrupted"), std::string::npos) << result.output;

  const auto results = expect_interrupted_reports(work.path() / "out", "SIGINT");
  ASSERT_EQ(results.cases.size(), 1u);
  const auto& row = results.cases.front();
  EXPECT_EQ(row.verdict, results::Verdict::inconclusive) << row.message;
  EXPECT_NE(row.message.find("the capture was read only up to frame "), std::string::npos) << row.message;
  // At least the 4 MiB that went in before the signal, less 1.06 MiB of buffers: about 4,000 sessions of 754 bytes,
  // each judged.
  EXPECT_GT(count_events(row, history::EventKind::sent, PacketType::connect), 3000u);
  EXPECT_GT(count_events(row, history::EventKind::received, PacketType::puback), 3000u);
}

// The second signal: the command is writing its reports (into a FIFO nobody reads, so it cannot finish) when the
// first signal comes; the second stops it at once with one line, and the rest of the reports never appear. The
// second comes from another process, as from `kill` in a second terminal (the same signal from the same sender
// within a second is the first delivered twice: the next test).
TEST_F(InterruptedInspect, ASecondSignalStopsAtOnceWithoutTheReports) {
  TemporaryDirectory work("mqtt-interrupt-twice");
  const Bytes header = pcap_file_header();
  const Bytes records = session_records(0, 2000);  // results.json far beyond a pipe's 64 KiB
  Bytes file(header);
  file.insert(file.end(), records.begin(), records.end());
  write_file(work.path() / "big.pcap", std::string(file.begin(), file.end()));
  fs::create_directories(work.path() / "out");
  const auto fifo = work.path() / "out" / "results.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Opening the read end returns once the command opened results.json to write it.
  auto writing = std::async(std::launch::async, [&] { return ::open(fifo.c_str(), O_RDONLY | O_CLOEXEC); });

  RunningChild child({MQTT_HARNESS_BINARY, "inspect", (work.path() / "big.pcap").string(), "--history", "all", "-o",
                      (work.path() / "out").string()});
  const bool reached = writing.wait_for(60s) == std::future_status::ready;
  if (!reached) {  // release the open: a writer that goes at once
    const int release = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (release >= 0) ::close(release);
  }
  const int reader = writing.get();
  ASSERT_TRUE(reached) << "inspect never started its reports\n" << child.errors();
  child.signal(SIGINT);
  EXPECT_TRUE(child.wait_for_error_text("interrupted by SIGINT after ", 30s)) << child.errors();
  child.signal_from_another_process(SIGINT);
  const auto result = child.wait(10s);
  ::close(reader);
  ASSERT_FALSE(result.timed_out) << describe(result);
  EXPECT_EQ(result.exit_code, 130) << describe(result);
  EXPECT_NE(result.errors.find("mqtt-harness inspect: SIGINT again: stopped at once; the reports were not written"),
            std::string::npos)
      << result.errors;
  for (const auto& name : {"report.html", "junit.xml", "summary.md", "history.jsonl", "history.pcap"}) {
    EXPECT_FALSE(fs::exists(work.path() / "out" / name)) << name;
  }
}

}  // namespace
}  // namespace mqtt::cli::interrupted_run
