// Hostile data files (cases, profiles, scenarios all go through DataDocument): deep nesting, numbers beyond a
// double, repeated keys, huge keys, terminal escapes and invalid bytes, directories. Each is one short line
// naming FILE:LINE:COL (or FILE for the file as a whole), never a crash or a raw byte on the terminal.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "history/json_reader.hpp"
#include "runner/data_document.hpp"
#include "runner/source_position.hpp"

namespace mqtt::runner {
namespace {

std::string error_of(std::string_view text) {
  try {
    DataDocument document("data.json", text);
  } catch (const DataFileError& error) {
    return error.what();
  }
  return "no error";
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(DataDocument, RejectsNestingDeeperThanTheLimitAtTheBracketThatGoesTooDeep) {
  EXPECT_EQ(error_of(nested_arrays(history::max_json_nesting)), "no error");
  const std::string too_deep = "{\n  \"a\": " + nested_arrays(35'000) + "}";
  // Level 1 is the object; the array opening level 65 is the 64th '[' on line 2, which starts at column 8.
  EXPECT_EQ(error_of(too_deep),
            "data.json:2:71: invalid data: arrays and objects nested more than 64 levels deep");
}

TEST(DataDocument, BracketsInsideStringsDoNotCountAsNesting) {
  EXPECT_EQ(error_of("{\"a\": \"" + std::string(1000, '[') + "\\\"[[\"}"), "no error");
}

TEST(DataDocument, ANumberBeyondADoubleIsABadValueAtItsPosition) {
  EXPECT_EQ(error_of("{\n  \"duration_ms\": 1e400\n}"),
            "data.json:2:18: invalid number: 1e400 is beyond the range of a double");
  EXPECT_EQ(error_of("[1, -2e999]"), "data.json:1:5: invalid number: -2e999 is beyond the range of a double");
}

TEST(DataDocument, ARepeatedKeyIsRejectedNamingBothPositions) {
  EXPECT_EQ(error_of("{\"groups\": [{\"name\": \"a\",\n  \"count\": 1,\n  \"name\": \"b\"}]}"),
            "data.json:3:3: key \"groups[0].name\" appears twice in one object (first at 1:14); JSON readers "
            "silently keep only one of them");
  // The same key spelt with an escape is the same key.
  EXPECT_NE(error_of("{\"name\": 1, \"n\\u0061me\": 2}").find("key \"name\" appears twice"), std::string::npos);
  // The same key in two different objects is fine.
  EXPECT_EQ(error_of("[{\"name\": 1}, {\"name\": 2}]"), "no error");
}

TEST(DataDocument, AHugeKeyIsCutInTheMessage) {
  const std::string key(10'000'000, 'k');
  const std::string text = "{\"a\": 1, \"" + key + "\": 2, \"" + key + "\": 3}";
  const std::string error = error_of(text);
  EXPECT_LT(error.size(), 400u) << error.substr(0, 400);
  EXPECT_NE(error.find("…(10000000 bytes)"), std::string::npos) << error.substr(0, 400);
}

TEST(DataDocument, TerminalEscapesAndInvalidBytesAreNeverShownRaw) {
  for (const std::string& text : {std::string("{\"na\x1b[2Jme\": 1}"), std::string("{\"name\": \"x\xff\xfe\"}"),
                                  std::string("{\"a\": 1,\n\"a\x1b[31m\": 2}"), std::string("\x1b]0;title\x07")}) {
    const std::string error = error_of(text);
    EXPECT_EQ(error.find('\x1b'), std::string::npos) << error;
    EXPECT_EQ(error.find('\x07'), std::string::npos) << error;
    EXPECT_EQ(error.find('\xff'), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST(DataDocument, ObjectReaderNamesKeysFromTheFile) {
  const DataDocument document("data.json", "{\"a\\u001b\": 1}");
  const ObjectReader reader(document, document.root(), "");
  try {
    reader.allow_only({"b"});
    FAIL() << "unknown key accepted";
  } catch (const DataFileError& error) {
    EXPECT_STREQ(error.what(), "data.json:1:2: key \"a\\x1b\": unknown key");
  }
}

TEST(DataFile, ADirectoryOrAMissingFileIsSaidSo) {
  const auto directory = std::filesystem::temp_directory_path();
  try {
    read_data_file(directory, "a target profile");
    FAIL() << "a directory was read";
  } catch (const DataFileError& error) {
    EXPECT_EQ(std::string(error.what()), directory.string() + ": is a directory, not a target profile");
  }
  try {
    read_data_file("/nonexistent/profile.json", "a target profile");
    FAIL() << "a missing file was read";
  } catch (const DataFileError& error) {
    EXPECT_STREQ(error.what(), "/nonexistent/profile.json: no such file");
  }
}

TEST(DataFile, AnEndlessFileStopsAtTheCeiling) {
  try {
    read_data_file("/dev/zero", "a fleet scenario file");
    FAIL() << "/dev/zero was read whole";
  } catch (const DataFileError& error) {
    EXPECT_STREQ(error.what(), "/dev/zero: larger than 64 MiB: too large for a fleet scenario file");
  }
}

// The index is built iteratively, one node per value and each key once: 300,000 levels (far past what a
// document may hold, but the index takes any text) neither overflows the stack nor copies a pointer per level.
TEST(JsonSourceIndex, IndexesHundredsOfThousandsOfLevelsWithoutRecursion) {
  constexpr std::size_t depth = 300'000;
  const JsonSourceIndex index(nested_arrays(depth));
  std::string pointer;
  for (int level = 0; level < 3; ++level) pointer += "/0";
  EXPECT_EQ(index.value_position(pointer), (SourcePosition{1, 4}));
  EXPECT_EQ(index.value_position(pointer + "/7"), (SourcePosition{1, 4})) << "a missing element falls back";
}

TEST(JsonSourceIndex, TextThatIsNotJsonEndsTheScan) {
  for (const std::string text : {"[}", "{]", "{\"a\" 1 2 3", "[,,,", "{{{{", "\"\\", "{\"a\":", "]]]]", "{1:2}"}) {
    const JsonSourceIndex index(text);  // must return
    EXPECT_EQ(index.locate("/nothing").line, 1) << text;
  }
}

}  // namespace
}  // namespace mqtt::runner
