// Case files: typed values from valid files, and one-line FILE:LINE:COL errors that point at the offending key.
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "runner/case_loader.hpp"

namespace mqtt::runner {
namespace {

const CaseValidation no_catalog{.check_statements = false};

std::string error_of(const std::string& text, const CaseValidation& validation = no_catalog) {
  try {
    parse_case_file("cases.json", text, validation);
  } catch (const DataFileError& error) {
    return error.what();
  }
  return "no error";
}

// A case file whose only case has the given steps, one step per line starting at line 8.
std::string file_with_steps(const std::vector<std::string>& steps) {
  std::string text =
      "{\n"                                          // 1
      "  \"suite\": \"mqtt-3.1.1\",\n"               // 2
      "  \"cases\": [\n"                             // 3
      "    {\"id\": \"test.one\", \"title\": \"t\",\n"  // 4
      "     \"section\": \"3.3.1\",\n"               // 5
      "     \"statements\": [\"MQTT-3.3.1-5\"],\n"   // 6
      "     \"steps\": [\n";                         // 7
  for (std::size_t index = 0; index < steps.size(); ++index) {
    text += "       " + steps[index] + (index + 1 < steps.size() ? ",\n" : "\n");  // 8, 9, ...
  }
  text += "     ]}\n  ]\n}\n";
  return text;
}

TEST(CaseLoader, ReadsEveryStepKindIntoTypedSteps) {
  const auto cases = parse_case_file(
      "cases.json",
      file_with_steps({
          R"({"connect": "sub", "clean_session": false, "keep_alive": 2, "will": {"topic": "{prefix}/will", "payload": "gone", "qos": 1, "retain": true}})",
          R"({"subscribe": "sub", "filters": [{"filter": "{prefix}/a/#", "qos": 2}]})",
          R"({"publish": "sub", "topic": "{prefix}/a", "qos": 1, "retain": true, "count": 3})",
          R"({"publish": "sub", "topic": "{prefix}/b", "payload_hex": "00 ff"})",
          R"({"send": "sub", "hex": "30 03 00 01 61"})",
          R"({"wait": "sub", "for": "pubrel", "timeout_ms": 500})",
          R"({"settle": true, "quiet_ms": 100})",
          R"({"note": "expect-auth-failure"})",
          R"({"open": "raw"})",
          R"({"unsubscribe": "sub", "filters": ["{prefix}/a/#"]})",
          R"({"silence": "sub"})",
          R"({"drop": "sub"})",
      }),
      no_catalog);
  ASSERT_EQ(cases.size(), 1u);
  const Case& one = cases[0];
  EXPECT_EQ(one.id, "test.one");
  EXPECT_EQ(one.mqtt, ProtocolVersion::v3_1_1);
  EXPECT_EQ(one.timeout_ms, default_case_timeout_ms);
  ASSERT_EQ(one.steps.size(), 12u);
  EXPECT_EQ(one.steps[0].kind, StepKind::connect);
  EXPECT_EQ(one.steps[0].clean_session, false);
  EXPECT_EQ(one.steps[0].keep_alive, 2);
  ASSERT_TRUE(one.steps[0].will.has_value());
  EXPECT_EQ(one.steps[0].will->topic, "{prefix}/will");
  EXPECT_EQ(one.steps[0].will->qos, QoS::at_least_once);
  EXPECT_EQ(one.steps[0].position, (SourcePosition{8, 8}));
  EXPECT_EQ(one.steps[1].filters.at(0).qos, QoS::exactly_once);
  EXPECT_EQ(one.steps[2].count, 3);
  EXPECT_FALSE(one.steps[2].payload.has_value());
  EXPECT_EQ(one.steps[3].payload_bytes, (Bytes{0x00, 0xff}));
  EXPECT_EQ(one.steps[4].bytes, (Bytes{0x30, 0x03, 0x00, 0x01, 0x61}));
  EXPECT_EQ(one.steps[5].wait_for, WaitFor::pubrel);
  EXPECT_EQ(one.steps[5].timeout_ms, 500);
  EXPECT_EQ(one.steps[6].kind, StepKind::settle);
  EXPECT_EQ(one.steps[6].quiet_ms, 100);
  EXPECT_EQ(one.steps[7].note, "expect-auth-failure");
  EXPECT_EQ(one.steps[7].client, "");
  EXPECT_EQ(one.steps[8].kind, StepKind::open);
  EXPECT_EQ(one.steps[9].filters.at(0).filter, "{prefix}/a/#");
  EXPECT_EQ(one.steps[2].text, "publish sub count=3 qos=1 retain=true topic={prefix}/a");
  EXPECT_EQ(one.client_names(), (std::vector<std::string>{"sub", "raw"}));
}

TEST(CaseLoader, SyntaxErrorNamesLineAndColumnOfTheBadCharacter) {
  const std::string text = "{\n  \"cases\": [\n    {\"id\": \"a\",}\n  ]\n}\n";
  const std::string error = error_of(text);
  EXPECT_TRUE(error.starts_with("cases.json:3:16: invalid JSON: ")) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(CaseLoader, OutOfRangeQosPointsAtTheQosKey) {
  // Line 9 is `       {"publish": "p", "topic": "t", "qos": 5}`: "qos" starts at column 39.
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "p"})", R"({"publish": "p", "topic": "t", "qos": 5})"})),
            "cases.json:9:39: key \"cases[0].steps[1].qos\": must be an integer from 0 to 2");
}

TEST(CaseLoader, UnknownStepKeyPointsAtThatKey) {
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "p", "clean_sesion": false})"})),
            "cases.json:8:25: key \"cases[0].steps[0].clean_sesion\": unknown key");
}

TEST(CaseLoader, StepWithoutActionPointsAtTheStep) {
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "p"})", R"({"for": "close"})"})),
            "cases.json:9:8: key \"cases[0].steps[1]\": a step needs an action key (connect, open, subscribe, "
            "unsubscribe, publish, disconnect, drop, silence, send, wait, settle, note, pause_ms or acknowledge)");
}

TEST(CaseLoader, PauseStepLetsTheScenariosTimePassWithoutAClient) {
  const auto cases = parse_case_file(
      "cases.json", file_with_steps({R"({"connect": "a"})", R"({"pause_ms": 250})", R"({"connect": "b"})"}),
      no_catalog);
  ASSERT_EQ(cases.size(), 1u);
  const Step& pause = cases[0].steps.at(1);
  EXPECT_EQ(pause.kind, StepKind::pause);
  EXPECT_EQ(pause.pause_ms, 250);
  EXPECT_EQ(pause.client, "");
  EXPECT_EQ(pause.text, "pause 250 ms");
  EXPECT_EQ(cases[0].client_names(), (std::vector<std::string>{"a", "b"}));

  // Line 8 is `       {"pause_ms": 0}`: the key starts at column 9.
  EXPECT_EQ(error_of(file_with_steps({R"({"pause_ms": 0})"})),
            "cases.json:8:9: key \"cases[0].steps[0].pause_ms\": must be an integer from 1 to 600000");
  EXPECT_EQ(error_of(file_with_steps({R"({"pause_ms": 250, "timeout_ms": 100})"})),
            "cases.json:8:26: key \"cases[0].steps[0].timeout_ms\": unknown key");
  const std::string text_value = error_of(file_with_steps({R"({"pause_ms": "250"})"}));
  EXPECT_TRUE(text_value.starts_with("cases.json:8:")) << text_value;
  EXPECT_NE(text_value.find("pause_ms"), std::string::npos) << text_value;
}

TEST(CaseLoader, StepWithTwoActionsIsRejected) {
  const std::string error = error_of(file_with_steps({R"({"connect": "p", "drop": "p"})"}));
  EXPECT_TRUE(error.starts_with("cases.json:8:")) << error;
  EXPECT_NE(error.find("exactly one action"), std::string::npos) << error;
}

TEST(CaseLoader, UnknownPlaceholderPointsAtTheString) {
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "p"})", R"({"publish": "p", "topic": "{prefx}/a"})"})),
            "cases.json:9:25: key \"cases[0].steps[1].topic\": unknown placeholder {prefx}");
}

TEST(CaseLoader, ClientPlaceholderMustNameAClientOfTheCase) {
  EXPECT_EQ(error_of(file_with_steps({R"({"connect": "p", "client_id": "{client:q}"})"})),
            "cases.json:8:25: key \"cases[0].steps[0].client_id\": placeholder {client:q} names client \"q\", "
            "which no step uses");
}

TEST(CaseLoader, MissingRequiredKeyPointsAtTheCaseObject) {
  const std::string text =
      "{\"cases\": [\n"
      "  {\"id\": \"x.y\", \"section\": \"1\", \"statements\": [\"MQTT-1.5.3-1\"], \"steps\": [{\"connect\": \"a\"}]}\n"
      "]}\n";
  EXPECT_EQ(error_of(text), "cases.json:2:3: key \"cases[0]\": missing required key \"title\"");
}

TEST(CaseLoader, UnknownRequirementPointsAtTheArrayElement) {
  const std::string text =
      "{\"cases\": [\n"
      "  {\"id\": \"x.y\", \"title\": \"t\", \"section\": \"1\", \"statements\": [\"MQTT-1.5.3-1\"],\n"
      "   \"requires\": [\"credentials\", \"telepathy\"], \"steps\": [{\"connect\": \"a\"}]}\n"
      "]}\n";
  const std::string error = error_of(text);
  EXPECT_TRUE(error.starts_with("cases.json:3:32: key \"cases[0].requires[1]\": must be one of: credentials")) << error;
}

TEST(CaseLoader, StatementMissingFromTheCatalogIsRejected) {
  const std::string text =
      "{\"cases\": [\n"
      "  {\"id\": \"x.y\", \"title\": \"t\", \"section\": \"1\",\n"
      "   \"statements\": [\"MQTT-9.9.9-99\"], \"steps\": [{\"connect\": \"a\"}]}\n"
      "]}\n";
  EXPECT_EQ(error_of(text, CaseValidation{}),
            "cases.json:3:19: key \"cases[0].statements[0]\": statement \"MQTT-9.9.9-99\" is not in the catalog");
}

TEST(CaseLoader, BadHexIsRejectedAtTheHexKey) {
  EXPECT_EQ(error_of(file_with_steps({R"({"open": "p"})", R"({"send": "p", "hex": "30 0"})"})),
            "cases.json:9:22: key \"cases[0].steps[1].hex\": must be pairs of hexadecimal digits");
}

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() / ("mqtt-runner-test-" + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~TemporaryDirectory() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path_ / name) << text; }

 private:
  std::filesystem::path path_;
};

TEST(CaseLoader, DirectoryLoadsFilesInNameOrderAndSkipsTheSchema) {
  TemporaryDirectory directory;
  const std::string body = R"(, "title": "t", "section": "1", "statements": ["MQTT-1.5.3-1"], "steps": [{"connect": "a"}]}]})";
  directory.write("b.json", R"({"cases": [{"id": "b.case")" + body);
  directory.write("a.json", R"({"cases": [{"id": "a.case")" + body);
  directory.write("schema.json", R"({"type": "object"})");
  directory.write("notes.txt", "not a case file");
  const auto cases = load_case_directory(directory.path(), no_catalog);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].id, "a.case");
  EXPECT_EQ(cases[1].id, "b.case");
  EXPECT_EQ(cases[0].file, (directory.path() / "a.json").string());
}

TEST(CaseLoader, DuplicateIdAcrossFilesPointsAtTheSecondId) {
  TemporaryDirectory directory;
  const std::string body = R"(, "title": "t", "section": "1", "statements": ["MQTT-1.5.3-1"], "steps": [{"connect": "a"}]}]})";
  directory.write("a.json", "{\"cases\": [{\"id\": \"same.case\"" + body);
  directory.write("b.json", "{\"cases\": [\n  {\"id\": \"same.case\"" + body);
  try {
    load_case_directory(directory.path(), no_catalog);
    FAIL() << "duplicate ids were accepted";
  } catch (const DataFileError& error) {
    EXPECT_EQ(std::string(error.what()), (directory.path() / "b.json").string() +
                                             ":2:4: key \"id\": duplicate case id \"same.case\" (first in " +
                                             (directory.path() / "a.json").string() + ":1)");
  }
}

TEST(CaseLoader, EmbeddedSuiteLoadsAndEveryStatementIsInTheCatalog) {
  std::vector<Case> cases;
  try {
    cases = load_embedded_cases();
  } catch (const DataFileError& error) {
    FAIL() << error.what();
  }
  EXPECT_FALSE(cases.empty());
  for (const auto& one : cases) {
    EXPECT_FALSE(one.steps.empty()) << one.id;
    EXPECT_TRUE(one.file.starts_with("scenarios/conformance/")) << one.file;
  }
}

}  // namespace
}  // namespace mqtt::runner

namespace mqtt::runner {
namespace {

std::string case_with_credentials(const std::string& value) {
  return "{\"cases\": [\n"
         "  {\"id\": \"x.y\", \"title\": \"t\", \"section\": \"3.1\", \"statements\": [\"MQTT-3.1.2-22\"],\n"
         "   \"credentials\": " + value + ",\n"
         "   \"steps\": [{\"open\": \"raw\"}, {\"send\": \"raw\", \"hex\": \"10 00\"}]}\n"
         "]}\n";
}

TEST(CaseLoader, CredentialsPolicyIsTargetUnlessTheCaseSaysAsWritten) {
  EXPECT_EQ(parse_case_file("cases.json", file_with_steps({R"({"connect": "p"})"}), no_catalog)[0].credentials,
            CredentialPolicy::target);
  EXPECT_EQ(parse_case_file("cases.json", case_with_credentials("\"as-written\""), no_catalog)[0].credentials,
            CredentialPolicy::as_written);
  EXPECT_EQ(parse_case_file("cases.json", case_with_credentials("\"target\""), no_catalog)[0].credentials,
            CredentialPolicy::target);
  EXPECT_EQ(error_of(case_with_credentials("\"none\"")),
            "cases.json:3:4: key \"cases[0].credentials\": must be \"target\" or \"as-written\"");
}

TEST(CaseLoader, TheSuiteSendsTheCredentialFlagCasesAsWritten) {
  std::set<std::string> as_written;
  for (const auto& one : load_embedded_cases()) {
    if (one.credentials == CredentialPolicy::as_written) as_written.insert(one.id);
  }
  EXPECT_EQ(as_written, (std::set<std::string>{"connect.password_without_username",
                                               "connect.username_flag_without_username",
                                               "connect.username_without_flag",
                                               "connect.password_flag_without_password",
                                               "connect.password_without_flag", "connect.username.invalid_utf8",
                                               // appended credentials would be read as the fields they lack
                                               "connect.will.fields_missing", "connect.client_id.missing",
                                               "v5.connect.username_flag_without_username",
                                               "v5.connect.username_without_flag",
                                               "v5.connect.password_flag_without_password",
                                               "v5.connect.password_without_flag"}));
}

}  // namespace
}  // namespace mqtt::runner
