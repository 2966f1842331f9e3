// The on-disk history log gives back exactly the events appended to it, reaches the disk by its flush policy
// (a full buffer, or the interval, or close), and a file cut short inside a record reads up to the record before.
#include "history/event_log_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <vector>

#include "history/json.hpp"
#include "mixed_history.hpp"

namespace mqtt::history {
namespace {

namespace fs = std::filesystem;

class EventLogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    directory = fs::temp_directory_path() / ("mqtt-event-log-file-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(directory);
  }
  void TearDown() override { fs::remove_all(directory); }
  fs::path directory;
};

void expect_events(const std::vector<Event>& read, const std::vector<Event>& expected) {
  ASSERT_EQ(read.size(), expected.size());
  for (std::size_t index = 0; index < expected.size(); ++index) {
    EXPECT_EQ(read[index], expected[index]) << "event " << index + 1 << " (" << to_string(expected[index].kind) << ")";
  }
}

TEST_F(EventLogFile, ReadsBackExactlyWhatWasAppended) {
  const auto recorded = mixed_history();
  const auto path = directory / "history.log";
  {
    EventLogWriter writer(path);
    for (const auto& item : recorded) writer.append(item.event);
    EXPECT_EQ(writer.events(), recorded.size());
    writer.close();
    EXPECT_EQ(writer.bytes(), fs::file_size(path));
  }
  EXPECT_TRUE(is_event_log(path));
  const auto contents = read_event_log(path);
  EXPECT_FALSE(contents.cut_short);
  expect_events(contents.history.events, numbered(recorded));
}

// The buffer stays in memory until it is full or the interval has passed; close() writes the rest.
TEST_F(EventLogFile, ReachesTheDiskByItsFlushPolicy) {
  const auto recorded = mixed_history();
  const auto path = directory / "history.log";
  EventLogWriter writer(path, EventLogPolicy{.buffer_bytes = 1 << 20, .interval = std::chrono::hours(1)});
  EXPECT_EQ(fs::file_size(path), 8u) << "the header is written at once: an empty log is readable";
  for (const auto& item : recorded) writer.append(item.event);
  writer.tick();
  EXPECT_EQ(fs::file_size(path), 8u) << "neither full nor due";
  EXPECT_TRUE(read_event_log(path).history.events.empty());
  writer.close();
  expect_events(read_event_log(path).history.events, numbered(recorded));

  // A small buffer goes out as it fills: what is on disk is a prefix of the history, whole records only.
  const auto small = directory / "small.log";
  EventLogWriter eager(small, EventLogPolicy{.buffer_bytes = 64, .interval = std::chrono::hours(1)});
  for (std::size_t index = 0; index < 10; ++index) eager.append(recorded[index].event);
  const auto prefix = read_event_log(small);
  EXPECT_FALSE(prefix.cut_short);
  EXPECT_GE(prefix.history.events.size(), 9u);
  EXPECT_LE(prefix.history.events.size(), 10u);
  auto expected = numbered(recorded);
  expected.resize(prefix.history.events.size());
  expect_events(prefix.history.events, expected);

  // An interval of zero writes on every append.
  const auto prompt = directory / "prompt.log";
  EventLogWriter every(prompt, EventLogPolicy{.buffer_bytes = 1 << 20, .interval = std::chrono::milliseconds(0)});
  every.append(recorded[0].event);
  EXPECT_EQ(read_event_log(prompt).history.events.size(), 1u);
}

// How many records of each type (1 actor, 2 packet, 3 event as JSON) a log file holds.
std::map<int, std::size_t> record_types(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<int, std::size_t> types;
  for (std::size_t offset = 8; offset + 5 <= bytes.size();) {
    std::uint32_t size = 0;
    std::memcpy(&size, bytes.data() + offset, 4);
    ++types[static_cast<unsigned char>(bytes[offset + 4])];
    offset += 4 + size;
  }
  return types;
}

// The writer keeps per connection number what the connection's CONNECT said (its version, which makes a packet
// compact); numbers too large for its flat table take another way there, with the same records.
TEST_F(EventLogFile, LargeConnectionNumbersGetCompactRecordsToo) {
  const auto recorded = mixed_history();
  const auto write = [&](const fs::path& path, std::uint32_t offset) {
    EventLogWriter writer(path);
    for (const auto& item : recorded) {
      Event event = item.event;
      event.connection += offset;
      writer.append(event);
    }
    writer.close();
  };
  const auto small = directory / "small.log", large = directory / "large.log";
  write(small, 0);
  write(large, 4'000'000'000u);
  const auto types = record_types(small);
  EXPECT_GT(types.at(2), 0u);
  EXPECT_EQ(record_types(large), types);
  auto expected = numbered(recorded);
  for (auto& event : expected) event.connection += 4'000'000'000u;
  expect_events(read_event_log(large).history.events, expected);
}

// A kill between two writes of a record leaves it partly on disk: every byte short of its end is read as the
// end of the log, never as an error or a wrong event.
TEST_F(EventLogFile, ACutShortRecordEndsTheLog) {
  const auto recorded = mixed_history();
  const auto path = directory / "history.log";
  {
    EventLogWriter writer(path);
    for (const auto& item : recorded) writer.append(item.event);
  }
  const auto whole = fs::file_size(path);
  const auto all = read_event_log(path).history.events;
  for (const std::uintmax_t cut : {std::uintmax_t{1}, std::uintmax_t{3}, std::uintmax_t{20}}) {
    const auto copy = directory / ("cut-" + std::to_string(cut) + ".log");
    fs::copy_file(path, copy);
    fs::resize_file(copy, whole - cut);
    const auto contents = read_event_log(copy);
    EXPECT_TRUE(contents.cut_short) << cut;
    ASSERT_EQ(contents.history.events.size(), all.size() - 1) << cut;
    expect_events(contents.history.events, std::vector<Event>(all.begin(), all.end() - 1));
  }
}

TEST_F(EventLogFile, AFileThatIsNotALogIsOneClearError) {
  const auto path = directory / "history.jsonl";
  std::ofstream(path) << R"({"kind":"note"})" << "\n";
  EXPECT_FALSE(is_event_log(path));
  try {
    read_event_log(path);
    ADD_FAILURE() << "no error";
  } catch (const FormatError& error) {
    EXPECT_EQ(std::string(error.what()), path.string() + ": not a history log (it does not start with MQHLOG1)");
  }
  // A complete record of an unknown type names its byte offset.
  const auto bad = directory / "bad.log";
  std::ofstream(bad, std::ios::binary).write("MQHLOG1\n\x02\x00\x00\x00\x09x", 14);
  try {
    read_event_log(bad);
    ADD_FAILURE() << "no error";
  } catch (const FormatError& error) {
    EXPECT_EQ(std::string(error.what()), bad.string() + ": record at byte 8: unknown record type 9");
  }
}

}  // namespace
}  // namespace mqtt::history
