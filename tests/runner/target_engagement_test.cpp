// One line when the target took no part in a run: what the CONNECTs of its history (or its cases) came to.
#include <gtest/gtest.h>

#include "runner/target_engagement.hpp"

namespace mqtt::runner {
namespace {

class HistoryBuilder {
 public:
  HistoryBuilder& connect(std::uint32_t connection, std::int64_t time_ms) {
    return add(connection, time_ms, history::EventKind::sent, Packet{Connect{}});
  }
  HistoryBuilder& connack(std::uint32_t connection, std::int64_t time_ms, std::uint8_t code) {
    Connack connack;
    connack.reason_code = code;
    return add(connection, time_ms, history::EventKind::received, Packet{connack});
  }
  HistoryBuilder& closed(std::uint32_t connection, std::int64_t time_ms, history::CloseReason reason) {
    add(connection, time_ms, history::EventKind::closed, std::nullopt);
    history_.events.back().close_reason = reason;
    return *this;
  }
  HistoryBuilder& open_failed(std::string reason) {
    add(0, 0, history::EventKind::open_failed, std::nullopt);
    history_.events.back().detail = std::move(reason);
    return *this;
  }
  const history::History& history() const { return history_; }

 private:
  HistoryBuilder& add(std::uint32_t connection, std::int64_t time_ms, history::EventKind kind,
                      std::optional<Packet> packet) {
    history::Event event;
    event.sequence = history_.events.size() + 1;
    event.time_ns = time_ms * 1'000'000;
    event.connection = connection;
    event.kind = kind;
    event.packet = std::move(packet);
    history_.events.push_back(std::move(event));
    return *this;
  }
  history::History history_;
};

TEST(TargetEngagement, OneAcceptedSessionMeansTheTargetTookPart) {
  HistoryBuilder history;
  history.connect(1, 0).connack(1, 1, 5).connect(2, 2).connack(2, 3, 0);
  const auto tally = tally_connects(history.history());
  EXPECT_EQ(tally.accepted, 1u);
  EXPECT_EQ(tally.refused.at(5), 1u);
  EXPECT_EQ(target_problem(tally), "");
}

TEST(TargetEngagement, EveryConnectRefusedNamesTheCodeAndTheCredentials) {
  HistoryBuilder history;
  history.connect(1, 0).connack(1, 1, 5).closed(1, 2, history::CloseReason::clean_eof);
  history.connect(2, 3).connack(2, 4, 5).connect(3, 5).connack(3, 6, 2);
  const auto line = target_problem(tally_connects(history.history()));
  EXPECT_EQ(line.rfind("target refused CONNECT: return code 5 (not authorized) — check the credentials (-u, -P, --password-file or user:password@ in --target)", 0),
            0u)
      << line;
}

TEST(TargetEngagement, OtherRefusalsDoNotBlameTheCredentials) {
  HistoryBuilder history;
  history.connect(1, 0).connack(1, 1, 3);
  EXPECT_EQ(target_problem(tally_connects(history.history())), "target refused CONNECT: return code 3 (server unavailable)");
}

TEST(TargetEngagement, SilenceCloseAndResetAreToldApart) {
  HistoryBuilder silent;
  silent.connect(1, 0).closed(1, 3000, history::CloseReason::local_close).connect(2, 10);  // never closed: to the end
  silent.connect(3, 2500);
  const auto tally = tally_connects(silent.history());
  EXPECT_EQ(tally.unanswered, 3u);
  EXPECT_EQ(tally.unanswered_wait_ms, 3000);
  EXPECT_EQ(target_problem(tally), "target did not answer CONNECT within 3000 ms");

  HistoryBuilder closing;
  closing.connect(1, 0).closed(1, 1, history::CloseReason::clean_eof);
  EXPECT_EQ(target_problem(tally_connects(closing.history())), "target closed the connection before answering CONNECT");

  HistoryBuilder resetting;
  resetting.connect(1, 0).closed(1, 1, history::CloseReason::reset);
  EXPECT_EQ(target_problem(tally_connects(resetting.history())), "target reset the connection before answering CONNECT");
}

TEST(TargetEngagement, UnreachableOnlyWhenNothingWasReached) {
  HistoryBuilder unreachable;
  unreachable.open_failed("connection refused by 127.0.0.1:1").open_failed("connection refused by 127.0.0.1:1");
  EXPECT_EQ(target_problem(tally_connects(unreachable.history())),
            "target unreachable: connection refused by 127.0.0.1:1");

  HistoryBuilder partly;
  partly.open_failed("connection refused").connect(1, 0).connack(1, 1, 5);
  EXPECT_EQ(target_problem(tally_connects(partly.history())).rfind("target refused CONNECT", 0), 0u);
}

TEST(TargetEngagement, NothingTriedIsNoProblem) {
  EXPECT_EQ(target_problem(ConnectTally{}), "");
}

TEST(TargetEngagement, TalliesAddUp) {
  ConnectTally first;
  first.refused[5] = 2;
  first.unanswered = 1;
  first.unanswered_wait_ms = 1000;
  ConnectTally second;
  second.refused[5] = 1;
  second.unanswered_wait_ms = 3000;
  second.unreachable = 1;
  second.unreachable_reason = "no route";
  first.add(second);
  EXPECT_EQ(first.refused[5], 3u);
  EXPECT_EQ(first.unanswered_wait_ms, 3000);
  EXPECT_EQ(first.unreachable_reason, "no route");
}

TEST(TargetEngagement, ReturnCodesHaveTheirMeanings) {
  EXPECT_EQ(describe_return_code(4), "return code 4 (bad user name or password)");
  EXPECT_EQ(describe_return_code(1), "return code 1 (unacceptable protocol version)");
  EXPECT_EQ(describe_return_code(0x87), "return code 135 (not authorized)");
  EXPECT_EQ(describe_return_code(9), "return code 9 (reserved)");
}

TEST(TargetEngagement, FindTargetProblemReadsTheCaseHistories) {
  HistoryBuilder history;
  history.connect(1, 0).connack(1, 1, 4);
  results::Results results;
  results.cases.emplace_back();
  results.cases.back().history = history.history().events;
  find_target_problem(results);
  EXPECT_EQ(results.target_problem.rfind("target refused CONNECT: return code 4 (bad user name or password)", 0), 0u);
}

}  // namespace
}  // namespace mqtt::runner
