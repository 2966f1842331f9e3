// Whole conformance runs: against a real mosquitto, an unreachable port, and hostile local peers. Asserts are on
// structure, deadlines and the checker's verdicts, never on what mosquitto happens to answer.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "catalog/catalog.hpp"
#include "runner/case_loader.hpp"
#include "runner/conformance.hpp"
#include "support/mosquitto_broker.hpp"

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
const char* const tiny_cases = R"({
  "suite": "mqtt-3.1.1",
  "cases": [
    {"id": "tiny.connect", "title": "connect and leave", "section": "3.1", "statements": ["MQTT-3.2.0-1"],
     "timeout_ms": 4000,
     "steps": [{"connect": "device", "timeout_ms": 1000}, {"disconnect": "device"}]},
    {"id": "tiny.qos1", "title": "a QoS 1 message reaches a subscriber", "section": "3.3", "statements": ["MQTT-3.3.1-5"],
     "timeout_ms": 5000,
     "steps": [{"connect": "sub", "timeout_ms": 1000},
               {"subscribe": "sub", "filters": [{"filter": "{prefix}/a", "qos": 1}], "timeout_ms": 1000},
               {"connect": "pub", "timeout_ms": 1000},
               {"publish": "pub", "topic": "{prefix}/a", "qos": 1, "timeout_ms": 1000},
               {"wait": "sub", "for": "publish", "timeout_ms": 1000},
               {"note": "delivered"},
               {"settle": true, "timeout_ms": 1000, "quiet_ms": 100}]},
    {"id": "tiny.retain", "title": "a retained message is cleared afterwards", "section": "3.3", "statements": ["MQTT-3.3.1-5"],
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
    for (const char* statement : {"MQTT-3.2.0-1", "MQTT-3.3.1-5"}) {
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

TEST_F(TinyCases, UnreachableTargetIsAnErrorWithExitCodeThreeQuickly) {
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
    EXPECT_EQ(one.verdict, results::Verdict::error) << one.id;
    EXPECT_TRUE(one.message.starts_with("target unreachable")) << one.message;
  }
  EXPECT_EQ(results.summary.errors, 3);
  EXPECT_EQ(exit_code(results), 3);
}

TEST(ConformanceInputs, BadUrlAndEmptySelectionAreInputErrors) {
  ConformanceOptions options;
  options.target = "http://nowhere";
  EXPECT_THROW(run_conformance(options), ConformanceInputError);
  options.target = "mqtt://127.0.0.1:1";
  options.filter = "no.such.case.*";
  EXPECT_THROW(run_conformance(options), ConformanceInputError);
}

TEST(ConformanceInputs, FilterGlobs) {
  EXPECT_TRUE(matches_filter("*", "a.b"));
  EXPECT_TRUE(matches_filter("publish.*", "publish.retain.replace"));
  EXPECT_FALSE(matches_filter("publish.*", "subscribe.one"));
  EXPECT_TRUE(matches_filter("x.?, subscribe.*", "subscribe.one"));
  EXPECT_TRUE(matches_filter("*.replace", "publish.retain.replace"));
  EXPECT_FALSE(matches_filter("", "a"));
}

// A local TCP peer that is not an MQTT broker: it accepts connections and then either says nothing at all or
// answers with bytes that are not MQTT. Connections stay open until the peer is destroyed.
class HostilePeer {
 public:
  explicit HostilePeer(std::vector<std::uint8_t> answer) : answer_(std::move(answer)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 16) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~HostilePeer() {
    stop_ = true;
    thread_.join();
    for (int connection : connections_) ::close(connection);
    ::close(listener_);
  }
  std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }

 private:
  void serve() {
    while (!stop_) {
      pollfd waiting{listener_, POLLIN, 0};
      if (::poll(&waiting, 1, 50) <= 0) continue;  // wakes up to notice stop_
      const int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0) continue;
      if (!answer_.empty()) {
        [[maybe_unused]] const auto written = ::write(connection, answer_.data(), answer_.size());
      }
      connections_.push_back(connection);
    }
  }
  std::vector<std::uint8_t> answer_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<int> connections_;
  std::thread thread_;
};

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

results::Results run_against_hostile_peer(const HostilePeer& peer, const TemporaryDirectory& directory) {
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
  HostilePeer peer({});
  const auto start = Clock::now();
  const auto results = run_against_hostile_peer(peer, directory);
  // Case deadline (3 s) plus the clean-up budget (3 s) bounds it, whatever the peer does.
  EXPECT_LT(seconds_since(start), 3.0 + 3.0 + 2.0);
  ASSERT_EQ(results.cases.size(), 1u);
  const auto& one = results.cases[0];
  EXPECT_TRUE(one.verdict == results::Verdict::failed || one.verdict == results::Verdict::error)
      << results::to_string(one.verdict) << ": " << one.message;
  EXPECT_FALSE(one.history.empty());
  EXPECT_NE(exit_code(results), 0);
}

TEST(HostilePeers, GarbageAnswerIsRecordedAsADecodeErrorAndNeverPasses) {
  ASSERT_NE(catalog::find("MQTT-3.2.0-1"), nullptr);
  TemporaryDirectory directory;
  directory.write("hostile.json", hostile_case);
  HostilePeer peer({0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 0x37});
  const auto start = Clock::now();
  const auto results = run_against_hostile_peer(peer, directory);
  EXPECT_LT(seconds_since(start), 3.0 + 3.0 + 2.0);
  ASSERT_EQ(results.cases.size(), 1u);
  const auto& one = results.cases[0];
  EXPECT_TRUE(one.verdict == results::Verdict::failed || one.verdict == results::Verdict::error)
      << results::to_string(one.verdict) << ": " << one.message;
  EXPECT_TRUE(std::any_of(one.history.begin(), one.history.end(), [](const history::Event& event) {
    return event.kind == history::EventKind::decode_error;
  }));
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

// Case ids in the first column of the deviation table: rows like "| `malformed.pingreq_flags` | MQTT-... |".
std::set<std::string> documented_mosquitto_deviations() {
  std::ifstream in(std::string(MQTT_SOURCE_DIR) + "/docs/mosquitto-deviations.md");
  EXPECT_TRUE(in.good()) << "docs/mosquitto-deviations.md is missing";
  std::set<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
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
                results.summary.errors,
            static_cast<int>(selected));
  // The checker's verdicts against mosquitto must be exactly the deviations documented, with evidence, in
  // docs/mosquitto-deviations.md: a new failure is a harness bug or an undocumented finding, a missing one a
  // stale document. Verdicts come from the model; this only keeps the document and the verdicts in step.
  std::set<std::string> failing;
  for (const auto& one : results.cases) {
    if (one.verdict == results::Verdict::failed || one.verdict == results::Verdict::error) failing.insert(one.id);
  }
  EXPECT_EQ(failing, documented_mosquitto_deviations());
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

}  // namespace
}  // namespace mqtt::runner
