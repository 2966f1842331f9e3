// What the checker's unit tests share: judging a built history, finding a violation by statement, and the
// expectations "clean", "settled" (no violation and nothing unresolved), "this violation with exactly this
// evidence", "this statement and no other" (one defect, one statement: issue 11 §3) and "unresolved, for this
// reason" (never a pass: issue 11 §1).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "history_builder.hpp"
#include "model/checker.hpp"

namespace mqtt::model::testing {

using Evidence = std::vector<std::uint64_t>;

// Observes every event, then ends the history `run_on` later (long enough for every deadline by default).
inline Verdicts judge(const HistoryBuilder& builder, std::int64_t run_on = 5 * seconds) {
  Checker checker;
  for (const auto& event : builder.history().events) checker.observe(event);
  return checker.finish(builder.now() + run_on);
}

inline const Finding* find(const Verdicts& verdicts, std::string_view statement) {
  auto it = std::find_if(verdicts.violations.begin(), verdicts.violations.end(),
                         [&](const Finding& finding) { return finding.statement == statement; });
  return it == verdicts.violations.end() ? nullptr : &*it;
}

inline std::set<std::string> violated_statements(const Verdicts& verdicts) {
  std::set<std::string> statements;
  for (const auto& finding : verdicts.violations) statements.insert(finding.statement);
  return statements;
}

inline const Unresolved* find_unresolved(const Verdicts& verdicts, UnresolvedKind kind) {
  auto it = std::find_if(verdicts.unresolved.begin(), verdicts.unresolved.end(),
                         [&](const Unresolved& open) { return open.kind == kind; });
  return it == verdicts.unresolved.end() ? nullptr : &*it;
}

inline std::string listing(const Verdicts& verdicts) {
  std::string text;
  for (const auto& finding : verdicts.violations) {
    text += finding.statement + ": " + finding.message + " [";
    for (auto sequence : finding.evidence) text += std::to_string(sequence) + " ";
    text += "]\n";
  }
  for (const auto& open : verdicts.unresolved) {
    text += "unresolved " + open.statement + ": " + open.reason + " [";
    for (auto sequence : open.evidence) text += std::to_string(sequence) + " ";
    text += "]\n";
  }
  return text;
}

inline const Observation* find_observation(const Verdicts& verdicts, std::string_view behaviour) {
  auto it = std::find_if(verdicts.observed.begin(), verdicts.observed.end(),
                         [&](const Observation& observation) { return observation.behaviour == behaviour; });
  return it == verdicts.observed.end() ? nullptr : &*it;
}

inline Publish publish(std::string topic, std::string_view payload, QoS qos = QoS::at_most_once,
                       std::optional<std::uint16_t> id = std::nullopt, bool retain = false,
                       bool dup = false) {
  return HistoryBuilder::publish(std::move(topic), payload, qos, id, retain, dup);
}

template <typename Ack>
Ack ack(std::uint16_t id) {
  return HistoryBuilder::ack<Ack>(id);
}

inline Will will_on(std::string topic, std::string_view payload, QoS qos = QoS::at_least_once,
                    bool retain = false) {
  Will will;
  will.topic = std::move(topic);
  will.payload = bytes_of(payload);
  will.qos = qos;
  will.retain = retain;
  return will;
}

}  // namespace mqtt::model::testing

#define EXPECT_CLEAN(verdicts) \
  EXPECT_TRUE((verdicts).violations.empty()) << ::mqtt::model::testing::listing(verdicts)

#define EXPECT_VIOLATION(verdicts, statement, expected_evidence)                 \
  do {                                                                           \
    const ::mqtt::model::Verdicts verdicts_ = (verdicts);                        \
    const auto* finding_ = ::mqtt::model::testing::find(verdicts_, (statement)); \
    ASSERT_NE(finding_, nullptr) << "expected " << (statement) << "\n"           \
                                 << ::mqtt::model::testing::listing(verdicts_);  \
    auto expected_ = ::mqtt::model::testing::Evidence(expected_evidence);        \
    std::sort(expected_.begin(), expected_.end());                               \
    EXPECT_EQ(finding_->evidence, expected_) << finding_->message;               \
    EXPECT_FALSE(finding_->message.empty());                                     \
  } while (false)

// The history breaks `statement` and nothing else: every violation found names it.
#define EXPECT_ONLY_STATEMENT(verdicts, statement)                                                        \
  do {                                                                                                    \
    const ::mqtt::model::Verdicts verdicts_ = (verdicts);                                                 \
    EXPECT_EQ(::mqtt::model::testing::violated_statements(verdicts_), std::set<std::string>{(statement)}) \
        << ::mqtt::model::testing::listing(verdicts_);                                                    \
  } while (false)

// No violation and nothing left unresolved: the history settled every obligation.
#define EXPECT_SETTLED(verdicts)                                                               \
  do {                                                                                         \
    const ::mqtt::model::Verdicts verdicts_ = (verdicts);                                      \
    EXPECT_TRUE(verdicts_.violations.empty() && verdicts_.unresolved.empty())                  \
        << ::mqtt::model::testing::listing(verdicts_);                                         \
  } while (false)

// An unresolved obligation of `kind` whose reason contains `words`, and no violation.
#define EXPECT_UNRESOLVED(verdicts, kind, words)                                                      \
  do {                                                                                                \
    const ::mqtt::model::Verdicts verdicts_ = (verdicts);                                             \
    EXPECT_TRUE(verdicts_.violations.empty()) << ::mqtt::model::testing::listing(verdicts_);          \
    const auto* open_ = ::mqtt::model::testing::find_unresolved(verdicts_, (kind));                   \
    ASSERT_NE(open_, nullptr) << "expected an unresolved obligation\n"                                \
                              << ::mqtt::model::testing::listing(verdicts_);                          \
    EXPECT_NE(open_->reason.find(words), std::string::npos) << open_->reason;                         \
  } while (false)
