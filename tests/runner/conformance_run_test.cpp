// Whole conformance runs: against a real mosquitto (anonymous and with a password file), an unreachable port, and
// hostile local servers that stay silent, truncate or refuse. Asserts are on structure, deadlines and verdicts.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "catalog/catalog.hpp"
#include "runner/case_loader.hpp"
#include "runner/conformance.hpp"
#include "runner/accepted_deviations.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/scripted_server.hpp"

namespace mqtt::runner {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() / ("mqtt-runner-run-" + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~TemporaryDirectory() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path_ / name) << text; }

 private:
  std::filesystem::path path_;
};

// Tiny cases of our own, so these tests do not depend on the shipped suite's contents.
// Each claims only what its history exercises (a QoS 1 PUBLISH answered with PUBACK), or the runner calls it
// inconclusive.
const char* const tiny_cases = R"({
  "suite": "mqtt-3.1.1",
  "cases": [
    {"id": "tiny.connect", "title": "connect and leave", "section": "3.1", "statements": ["MQTT-3.2.0-1"],
     "timeout_ms": 4000,
     "steps": [{"connect": "device", "timeout_ms": 1000}, {"disconnect": "device"}]},
    {"id": "tiny.qos1", "title": "a QoS 1 message reaches a subscriber", "section": "3.3", "statements": ["MQTT-4.3.2-2"],
     "timeout_ms": 5000,
     "steps": [{"connect": "sub", "timeout_ms": 1000},
               {"subscribe": "sub", "filters": [{"filter": "{prefix}/a", "qos": 1}], "timeout_ms": 1000},
               {"connect": "pub", "timeout_ms": 1000},
               {"publish": "pub", "topic": "{prefix}/a", "qos": 1, "timeout_ms": 1000},
               {"wait": "sub", "for": "publish", "timeout_ms": 1000},
               {"note": "delivered"},
               {"settle": true, "timeout_ms": 1000, "quiet_ms": 100}]},
    {"id": "tiny.retain", "title": "a retained message is cleared afterwards", "section": "3.3", "statements": ["MQTT-4.3.2-2"],
     "timeout_ms": 4000,
     "steps": [{"connect": "pub", "timeout_ms": 1000},
               {"publish": "pub", "topic": "{prefix}/kept", "qos": 1, "retain": true, "payload": "state", "timeout_ms": 1000}]},
    {"id": "tiny.needs_credentials", "title": "skipped without credentials", "section": "3.1", "statements": ["MQTT-3.2.0-1"],
     "requires": ["credentials"],
     "steps": [{"connect": "device", "username": "{username}", "password": "{password}"}]}
  ]
})";

class TinyCases : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* statement : {"MQTT-3.2.0-1", "MQTT-4.3.2-2"}) {
      ASSERT_NE(catalog::find(statement), nullptr) << statement << " is missing from the catalog";
    }
    directory_.write("tiny.json", tiny_cases);
  }
  ConformanceOptions options_for(const std::string& target) const {
    ConformanceOptions options;
    options.target = target;
    options.cases_dir = directory_.path();
    options.seed = 1234;
    options.jobs = 2;
    return options;
  }
  TemporaryDirectory directory_;
};

const results::CaseResult& case_named(const results::Results& results, const std::string& id) {
  for (const auto& one : results.cases) {
    if (one.id == id) return one;
  }
  throw std::runtime_error("no result for " + id);
}

TEST_F(TinyCases, RunAgainstMosquittoCoversEveryCaseWithinItsDeadline) {
  test_support::MosquittoBroker broker;
  auto options = options_for(broker.url());
  std::vector<std::string> progress;
  options.progress = [&](const CaseProgress& step) {
    progress.push_back(step.id);
    EXPECT_LE(step.finished, step.total);
  };
  const auto start = Clock::now();
  const results::Results results = run_conformance(options);
  EXPECT_LT(seconds_since(start), 30.0);

  EXPECT_EQ(results.kind, "conformance");
  EXPECT_EQ(results.seed, 1234u);
  EXPECT_EQ(results.mqtt_version, "3.1.1");
  EXPECT_FALSE(results.started_at.empty());
  ASSERT_EQ(results.cases.size(), 4u);
  EXPECT_EQ(std::set<std::string>(progress.begin(), progress.end()),
            (std::set<std::string>{"tiny.connect", "tiny.qos1", "tiny.retain", "tiny.needs_credentials"}));
  for (const auto& one : results.cases) {
    EXPECT_NE(one.verdict, results::Verdict::error) << one.id << ": " << one.message;
    if (one.verdict != results::Verdict::skipped) {
      EXPECT_FALSE(one.history.empty()) << one.id;
      EXPECT_LE(one.duration_ms, 5000.0 + 3000.0 + 1000.0) << one.id;
    }
    EXPECT_EQ(one.verdict == results::Verdict::failed,
              std::any_of(one.violations.begin(), one.violations.end(),
                          [](const results::Violation& violation) { return violation.level == "MUST"; }))
        << one.id;
  }
  const auto& skipped = case_named(results, "tiny.needs_credentials");
  EXPECT_EQ(skipped.verdict, results::Verdict::skipped);
  EXPECT_NE(skipped.message.find("credentials"), std::string::npos);

  // The runner clears what the case retained: an empty retained PUBLISH from its clean-up client.
  const auto& retained = case_named(results, "tiny.retain");
  EXPECT_TRUE(std::any_of(retained.history.begin(), retained.history.end(), [](const history::Event& event) {
    const auto* publish = event.packet ? std::get_if<Publish>(&*event.packet) : nullptr;
    return event.actor == "cleanup" && event.kind == history::EventKind::sent && publish != nullptr &&
           publish->retain && publish->payload.empty();
  }));
  // A note step lands in the history.
  const auto& qos1 = case_named(results, "tiny.qos1");
  EXPECT_TRUE(std::any_of(qos1.history.begin(), qos1.history.end(), [](const history::Event& event) {
    return event.kind == history::EventKind::note && event.detail == "delivered";
  }));

  EXPECT_EQ(results.statements.size(), catalog::statements("3.1.1").size());
  const int code = exit_code(results);
  EXPECT_EQ(code == 1, results.summary.failed > 0) << code;
  EXPECT_TRUE(code == 0 || code == 1) << code;
}

TEST_F(TinyCases, SameSeedGivesTheSameNames) {
  test_support::MosquittoBroker broker;
  auto options = options_for(broker.url());
  options.filter = "tiny.connect";
  const auto first = run_conformance(options);
  const auto second = run_conformance(options);
  ASSERT_EQ(first.cases.size(), 1u);
  ASSERT_FALSE(first.cases[0].history.empty());
  ASSERT_FALSE(second.cases[0].history.empty());
  // The first event is the runner's note naming the case and its prefix.
  EXPECT_EQ(first.cases[0].history[0].detail, second.cases[0].history[0].detail);
  auto connect_id = [](const results::CaseResult& result) {
    for (const auto& event : result.history) {
      if (event.packet && std::holds_alternative<Connect>(*event.packet)) return std::get<Connect>(*event.packet).client_id;
    }
    return std::string();
  };
  EXPECT_FALSE(connect_id(first.cases[0]).empty());
  EXPECT_EQ(connect_id(first.cases[0]), connect_id(second.cases[0]));
}

TEST_F(TinyCases, UnreachableTargetIsInconclusiveWithOneLineAndExitCodeThreeQuickly) {
  const std::string port = test_support::free_loopback_port();
  const auto start = Clock::now();
  const auto results = run_conformance(options_for("mqtt://127.0.0.1:" + port));
  EXPECT_LT(seconds_since(start), 5.0);
  ASSERT_EQ(results.cases.size(), 4u);
  for (const auto& one : results.cases) {
    if (one.id == "tiny.needs_credentials") {
      EXPECT_EQ(one.verdict, results::Verdict::skipped);
      continue;
    }
    EXPECT_EQ(one.verdict, results::Verdict::inconclusive) << one.id << ": not a harness error";
    EXPECT_TRUE(one.message.starts_with("target unreachable")) << one.message;
  }
  EXPECT_EQ(results.summary.inconclusive, 3);
  EXPECT_EQ(results.target_problem, "target unreachable: connection refused by 127.0.0.1:" + port);
  EXPECT_EQ(exit_code(results), 3);
}

TEST_F(TinyCases, ACaseThatHitsItsTimeoutIsInconclusiveNotAnError) {
  // The target accepts the session and then says nothing: the SUBACK never comes and the case's own deadline ends it.
  test_support::ScriptedServer server(test_support::ServerScript::connack_then_silent());
  directory_.write("slow.json", R"({"cases": [
    {"id": "slow.subscribe", "title": "a subscribe the target never answers", "section": "3.8",
     "statements": ["MQTT-3.3.1-5"], "timeout_ms": 700,
     "steps": [{"connect": "sub", "timeout_ms": 500},
               {"subscribe": "sub", "filters": [{"filter": "{prefix}/a", "qos": 1}], "timeout_ms": 3000}]}]})");
  auto options = options_for(server.url());
  options.filter = "slow.*";
  const auto results = run_conformance(options);
  ASSERT_EQ(results.cases.size(), 1u);
  EXPECT_EQ(results.cases[0].verdict, results::Verdict::inconclusive) << results.cases[0].message;
  EXPECT_TRUE(results.cases[0].message.starts_with("the case exceeded its timeout of 700 ms")) << results.cases[0].message;
  EXPECT_EQ(results.target_problem, "") << "the target accepted the session";
  EXPECT_EQ(exit_code(results), 5);
}

TEST_F(TinyCases, ExcludedCasesAreListedAsSkippedAndAnEmptySelectionIsAnInputError) {
  test_support::MosquittoBroker broker;
  auto options = options_for(broker.url());
  options.filter = "!tiny.qos1,!tiny.retain";
  options.exclude = {"tiny.needs_*"};
  const auto results = run_conformance(options);
  ASSERT_EQ(results.cases.size(), 4u);
  EXPECT_EQ(case_named(results, "tiny.connect").verdict, results::Verdict::passed);
  for (const char* id : {"tiny.qos1", "tiny.retain", "tiny.needs_credentials"}) {
    EXPECT_EQ(case_named(results, id).verdict, results::Verdict::skipped) << id;
    EXPECT_EQ(case_named(results, id).message, "excluded") << id;
  }
  options.filter = "tiny.*";
  options.exclude = {"*"};
  try {
    run_conformance(options);
    ADD_FAILURE() << "a filter that leaves nothing to run must be an input error";
  } catch (const ConformanceInputError& error) {
    EXPECT_NE(std::string(error.what()).find("all excluded"), std::string::npos) << error.what();
  }
}

TEST(ConformanceInputs, BadUrlAndEmptySelectionAreInputErrors) {
  ConformanceOptions options;
  options.target = "http://nowhere";
  EXPECT_THROW(run_conformance(options), ConformanceInputError);
  options.target = "mqtt://127.0.0.1:1";
  options.filter = "no.such.case.*";
  EXPECT_THROW(run_conformance(options), ConformanceInputError);
}

// (Filter globs are unit-tested in case_selection_test.cpp.)

const char* const hostile_case = R"({"cases": [
  {"id": "hostile.flow", "title": "a full flow against a peer that is not a broker", "section": "3.1",
   "statements": ["MQTT-3.2.0-1"], "timeout_ms": 3000,
   "steps": [{"connect": "sub", "timeout_ms": 500},
             {"subscribe": "sub", "filters": [{"filter": "{prefix}/a", "qos": 1}], "timeout_ms": 500},
             {"publish": "sub", "topic": "{prefix}/a", "qos": 2, "retain": true, "timeout_ms": 500},
             {"wait": "sub", "for": "publish", "timeout_ms": 500},
             {"settle": true, "timeout_ms": 500, "quiet_ms": 100},
             {"wait": "sub", "for": "close", "timeout_ms": 5000}]}
]})";

results::Results run_against_hostile_peer(const test_support::ScriptedServer& peer, const TemporaryDirectory& directory) {
  ConformanceOptions options;
  options.target = peer.url();
  options.cases_dir = directory.path();
  options.seed = 99;
  return run_conformance(options);
}

TEST(HostilePeers, SilentPeerEndsTheCaseByItsDeadlineAndNeverPasses) {
  ASSERT_NE(catalog::find("MQTT-3.2.0-1"), nullptr);
  TemporaryDirectory directory;
  directory.write("hostile.json", hostile_case);
  test_support::ScriptedServer peer(test_support::ServerScript::silent());
  const auto start = Clock::now();
  const auto results = run_against_hostile_peer(peer, directory);
  // Case deadline (3 s) plus the clean-up budget (3 s) bounds it, whatever the peer does.
  EXPECT_LT(seconds_since(start), 3.0 + 3.0 + 2.0);
  ASSERT_EQ(results.cases.size(), 1u);
  const auto& one = results.cases[0];
  EXPECT_EQ(one.verdict, results::Verdict::inconclusive) << results::to_string(one.verdict) << ": " << one.message;
  EXPECT_EQ(one.message, "target did not answer the CONNECT of client 'sub' within 500 ms");
  EXPECT_FALSE(one.history.empty());
  EXPECT_EQ(results.target_problem, "target did not answer CONNECT within 500 ms");
  EXPECT_EQ(exit_code(results), 3);
}

TEST(HostilePeers, GarbageAnswerIsRecordedAsADecodeErrorAndNeverPasses) {
  ASSERT_NE(catalog::find("MQTT-3.2.0-1"), nullptr);
  TemporaryDirectory directory;
  directory.write("hostile.json", hostile_case);
  test_support::ServerScript garbage;
  garbage.action = test_support::ServerScript::Action::answer_then_silent;
  garbage.bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 0x37};
  garbage.wait_for_client = false;
  test_support::ScriptedServer peer(garbage);
  const auto start = Clock::now();
  const auto results = run_against_hostile_peer(peer, directory);
  EXPECT_LT(seconds_since(start), 3.0 + 3.0 + 2.0);
  ASSERT_EQ(results.cases.size(), 1u);
  const auto& one = results.cases[0];
  EXPECT_NE(one.verdict, results::Verdict::passed) << one.message;
  EXPECT_TRUE(std::any_of(one.history.begin(), one.history.end(), [](const history::Event& event) {
    return event.kind == history::EventKind::decode_error;
  }));
  EXPECT_NE(exit_code(results), 0);
}

bool has_connect_step(const Case& one) {
  return std::any_of(one.steps.begin(), one.steps.end(), [](const Step& step) { return step.kind == StepKind::connect; });
}

// The whole suite against a server that is no broker: no case that needs a session may pass, and the run says why in
// one line (the target problem) with exit code 3.
results::Results run_suite_against(const test_support::ScriptedServer& server) {
  ConformanceOptions options;
  options.target = server.url();
  options.seed = 11;
  options.jobs = 32;  // the cases mostly wait out their deadlines
  options.keep_history = false;
  return run_conformance(options);
}

void expect_no_case_with_a_session_passed(const results::Results& results) {
  std::map<std::string, const Case*> by_id;
  const auto all = load_embedded_cases();
  for (const auto& one : all) by_id[one.id] = &one;
  int with_connect = 0;
  for (const auto& one : results.cases) {
    ASSERT_TRUE(by_id.contains(one.id)) << one.id;
    if (!has_connect_step(*by_id[one.id])) continue;
    ++with_connect;
    EXPECT_NE(one.verdict, results::Verdict::passed) << one.id << " passed against a target that accepted no session";
    EXPECT_NE(one.verdict, results::Verdict::error) << one.id << ": " << one.message;
  }
  EXPECT_GT(with_connect, 80);
}

TEST(HostileServers, SilentServerPassesNoCaseWithASessionAndExitsThree) {
  test_support::ScriptedServer server(test_support::ServerScript::silent());
  const auto start = Clock::now();
  const auto results = run_suite_against(server);
  std::printf("silent server: %.1f s, %d inconclusive, %d failed\n", seconds_since(start),
              results.summary.inconclusive, results.summary.failed);
  expect_no_case_with_a_session_passed(results);
  EXPECT_EQ(results.summary.passed, 0);
  EXPECT_EQ(results.target_problem, "target did not answer CONNECT within 3000 ms");
  EXPECT_EQ(exit_code(results), 3);
}

TEST(HostileServers, TruncatedConnackPassesNoCaseWithASessionAndExitsThree) {
  test_support::ScriptedServer server(test_support::ServerScript::send_then_close({0x20, 0x02, 0x00}));
  const auto results = run_suite_against(server);
  expect_no_case_with_a_session_passed(results);
  EXPECT_EQ(results.target_problem, "target closed the connection before answering CONNECT");
  EXPECT_EQ(exit_code(results), 3);
}

TEST(HostileServers, ResetAfterConnectPassesNoCaseWithASessionAndExitsThree) {
  test_support::ScriptedServer server(test_support::ServerScript::send_then_reset({}));
  const auto results = run_suite_against(server);
  expect_no_case_with_a_session_passed(results);
  EXPECT_EQ(results.target_problem, "target reset the connection before answering CONNECT");
  EXPECT_EQ(exit_code(results), 3);
}

TEST(HostileServers, ConnackFiveEverywhereIsTheRefusalLine) {
  test_support::ScriptedServer server(test_support::ServerScript::connack(5));
  const auto results = run_suite_against(server);
  expect_no_case_with_a_session_passed(results);
  EXPECT_EQ(results.target_problem,
            "target refused CONNECT: return code 5 (not authorized) — check the credentials in --target "
            "(user:password@host) or the profile");
  EXPECT_EQ(exit_code(results), 3);
  const auto& refused = case_named(results, "connect.accept.valid");
  EXPECT_EQ(refused.verdict, results::Verdict::inconclusive);
  EXPECT_EQ(refused.message, "target refused the CONNECT of client 'device': return code 5 (not authorized)");

  // With credentials in the target, the cases about the user name and password flags still send their bytes as
  // written, and a refusal says so.
  ConformanceOptions with_credentials;
  with_credentials.target = "mqtt://user:secret@127.0.0.1:" + std::to_string(server.port());
  with_credentials.filter = "connect.password_without_username";
  with_credentials.seed = 12;
  const auto as_written = run_conformance(with_credentials);
  ASSERT_EQ(as_written.cases.size(), 1u);
  EXPECT_EQ(as_written.cases[0].verdict, results::Verdict::inconclusive);
  EXPECT_EQ(as_written.cases[0].message,
            "target refused the hand-made CONNECT of client 'raw' (sent as written, without the target's "
            "credentials): return code 5 (not authorized)");
}

double one_timeout(const std::vector<Case>& all, const std::string& id) {
  for (const auto& one : all) {
    if (one.id == id) return one.timeout_ms;
  }
  return 0;
}

// With user and password in the target URL the authentication cases run: mosquitto with a password file and
// no anonymous access must refuse a wrong password with CONNACK 4 or 5, close, and deliver nothing.
TEST(EmbeddedSuite, AuthenticationCasesRunAgainstMosquittoWithAPasswordFile) {
  test_support::MosquittoOptions broker_options;
  broker_options.allow_anonymous = false;
  broker_options.users = {{"dtu-operator", "field-secret-42"}};
  test_support::MosquittoBroker broker(broker_options);
  ConformanceOptions options;
  options.target = broker.url_with_credentials("dtu-operator", "field-secret-42");
  options.filter = "auth.*";
  options.seed = 2026;
  const auto results = run_conformance(options);
  int ran = 0;
  for (const auto& one : results.cases) {
    if (one.verdict == results::Verdict::skipped) {
      EXPECT_EQ(one.id, "auth.unauthorised_publish") << one.message;  // needs an ACL declared in a profile
      continue;
    }
    ++ran;
    EXPECT_EQ(one.verdict, results::Verdict::passed) << one.id << ": " << one.message;
  }
  EXPECT_EQ(ran, 3);
  EXPECT_EQ(results.target.find("field-secret-42"), std::string::npos) << results.target;
  EXPECT_EQ(exit_code(results), 0);
}

// Case ids in the first column of the 3.1.1 deviation table (the first section): rows like "| `malformed.pingreq_flags` | MQTT-... |".
std::set<std::string> documented_mosquitto_deviations() {
  std::ifstream in(std::string(MQTT_SOURCE_DIR) + "/docs/mosquitto-deviations.md");
  EXPECT_TRUE(in.good()) << "docs/mosquitto-deviations.md is missing";
  std::set<std::string> ids;
  std::string line;
  int top_headings = 0;
  while (std::getline(in, line)) {
    // The file's second top-level section is the MQTT 5.0 suite's table, which this 3.1.1 run does not cover.
    if (line.starts_with("# ") && ++top_headings > 1) break;
    if (!line.starts_with("| `")) continue;
    const auto end = line.find('`', 3);
    if (end != std::string::npos) ids.insert(line.substr(3, end - 3));
  }
  return ids;
}

TEST(EmbeddedSuite, RunsCompletelyAgainstMosquittoWithinItsDeadline) {
  const auto all = load_embedded_cases();
  std::size_t selected = 0;
  for (const auto& one : all) {
    if (one.mqtt == ProtocolVersion::v3_1_1) {
      ++selected;
    }
  }
  ASSERT_GT(selected, 0u);
  test_support::MosquittoBroker broker;
  ConformanceOptions options;
  options.target = broker.url();
  options.seed = 2026;
  options.jobs = 8;
  options.keep_history = false;
  const auto start = Clock::now();
  const auto results = run_conformance(options);
  EXPECT_LT(seconds_since(start), 240.0);
  EXPECT_EQ(results.cases.size(), selected);
  std::set<std::string> ids;
  for (const auto& one : results.cases) {
    ids.insert(one.id);
    // No case may outlive its own deadline plus the clean-up budget (and a little scheduling slack).
    EXPECT_LE(one.duration_ms, one_timeout(all, one.id) + 3000.0 + 2000.0) << one.id;
    EXPECT_FALSE(one.message.starts_with("internal error")) << one.id << ": " << one.message;
    EXPECT_FALSE(one.message.starts_with("target unreachable")) << one.id << ": " << one.message;
  }
  EXPECT_EQ(ids.size(), selected);
  EXPECT_EQ(results.summary.passed + results.summary.failed + results.summary.warned + results.summary.skipped +
                results.summary.errors + results.summary.inconclusive + results.summary.accepted,
            static_cast<int>(selected));
  // Against a working broker every case that ran was exercised: an inconclusive case here is a vacuous case.
  EXPECT_EQ(results.summary.inconclusive, 0);
  // The checker's verdicts against mosquitto must be exactly the deviations documented, with evidence, in
  // docs/mosquitto-deviations.md: a new failure is a harness bug or an undocumented finding, a missing one a
  // stale document. Verdicts come from the model; this only keeps the document and the verdicts in step.
  std::set<std::string> failing;
  for (const auto& one : results.cases) {
    if (one.verdict == results::Verdict::failed || one.verdict == results::Verdict::error) failing.insert(one.id);
  }
  EXPECT_EQ(failing, documented_mosquitto_deviations());
  EXPECT_EQ(exit_code(results), failing.empty() ? 0 : 1);
  std::printf("embedded suite: %d passed, %d failed, %d warned, %d skipped, %d errors in %.1f s\n",
              results.summary.passed, results.summary.failed, results.summary.warned, results.summary.skipped,
              results.summary.errors, seconds_since(start));
  for (const auto& one : results.cases) {
    if (one.verdict != results::Verdict::passed) {
      std::printf("  %s %s: %s\n", std::string(results::to_string(one.verdict)).c_str(), one.id.c_str(),
                  one.message.c_str());
    }
  }
}

const std::string operator_name = "dtu-operator";
const std::string operator_password = "field-secret-42";

test_support::MosquittoOptions with_password_file() {
  test_support::MosquittoOptions options;
  options.allow_anonymous = false;
  options.users = {{operator_name, operator_password}};
  return options;
}

// With the right credentials in the target URL, hand-made CONNECTs carry them too: the raw CONNECT cases are judged
// on what they test, not on the login, and the failures are the documented deviations and nothing else.
TEST(EmbeddedSuite, PasswordProtectedMosquittoIsJudgedOnWhatEachCaseTests) {
  test_support::MosquittoBroker broker(with_password_file());
  ConformanceOptions options;
  options.target = broker.url_with_credentials(operator_name, operator_password);
  options.seed = 2027;
  options.jobs = 16;
  options.keep_history = false;
  const auto results = run_conformance(options);
  EXPECT_EQ(results.target_problem, "");
  std::set<std::string> failing;
  for (const auto& one : results.cases) {
    if (one.verdict == results::Verdict::failed || one.verdict == results::Verdict::error) failing.insert(one.id);
    for (const auto& violation : one.violations) {
      EXPECT_EQ(violation.message.find("CONNACK 5"), std::string::npos) << one.id << ": " << violation.message;
      EXPECT_EQ(violation.message.find("CONNACK 4"), std::string::npos) << one.id << ": " << violation.message;
    }
  }
  EXPECT_EQ(failing, documented_mosquitto_deviations());
  // Empty client id with clean session 0: judged on the client id (CONNACK 2), not refused for the login.
  const auto& empty_persistent = case_named(results, "connect.client_id.empty_persistent");
  EXPECT_EQ(empty_persistent.verdict, results::Verdict::passed) << empty_persistent.message;
  // The cases about the user name and password flags send their bytes as written; a login refusal makes them
  // inconclusive (with that reason), never failed and never passed on the refusal.
  for (const auto& one : results.cases) {
    if (one.verdict != results::Verdict::inconclusive) continue;
    EXPECT_NE(one.message.find("sent as written, without the target's credentials"), std::string::npos)
        << one.id << ": " << one.message;
  }
  for (const auto& one : results.cases) {
    EXPECT_EQ(one.message.find(operator_password), std::string::npos) << one.id;
  }
  std::printf("password-protected mosquitto: %d passed, %d failed, %d inconclusive, %d skipped\n",
              results.summary.passed, results.summary.failed, results.summary.inconclusive, results.summary.skipped);
}

TEST(EmbeddedSuite, WrongOrMissingCredentialsAreOneRefusalLineAndExitThree) {
  test_support::MosquittoBroker broker(with_password_file());
  for (const std::string& target : {broker.url_with_credentials(operator_name, "wrong-password"), broker.url()}) {
    ConformanceOptions options;
    options.target = target;
    options.seed = 2028;
    options.keep_history = false;
    const auto results = run_conformance(options);
    EXPECT_TRUE(results.target_problem.starts_with("target refused CONNECT: return code 5 (not authorized) — check "
                                                    "the credentials in --target"))
        << target << ": " << results.target_problem;
    EXPECT_EQ(exit_code(results), 3) << target;
    EXPECT_EQ(case_named(results, "connect.accept.valid").verdict, results::Verdict::inconclusive);
    EXPECT_EQ(results.summary.failed, 0) << target;
  }
}

// The committed accepted-deviations file for Debian's mosquitto makes the CI recipes green: the documented
// deviations are accepted (with their evidence kept), nothing else fails, nothing in the file is stale.
TEST(EmbeddedSuite, MosquittoWithItsAcceptedDeviationsFileExitsZero) {
  test_support::MosquittoBroker broker;
  ConformanceOptions options;
  options.target = broker.url();
  options.seed = 2029;
  options.keep_history = false;
  options.accepted = load_accepted_deviations(std::string(MQTT_SOURCE_DIR) + "/ci/accepted/mosquitto-2.0.11.json");
  const auto results = run_conformance(options);
  std::set<std::string> accepted;
  for (const auto& one : results.cases) {
    if (one.verdict == results::Verdict::accepted) accepted.insert(one.id);
    EXPECT_NE(one.verdict, results::Verdict::failed) << one.id << ": " << one.message;
  }
  EXPECT_EQ(accepted, documented_mosquitto_deviations());
  EXPECT_TRUE(results.stale_accepted.empty()) << results.stale_accepted.front().statement;
  EXPECT_EQ(exit_code(results), 0);
}

}  // namespace
}  // namespace mqtt::runner
