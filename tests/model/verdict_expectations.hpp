// What checker tests assert about verdicts: judge a built history, find a finding by statement, and the
// EXPECT_CLEAN / EXPECT_VIOLATION / EXPECT_UNRESOLVED macros that print the whole verdict list when they fail.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "history_builder.hpp"
#include "model/checker.hpp"

namespace mqtt::model::testing {

using Evidence = std::vector<std::uint64_t>;

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

}  // namespace mqtt::model::testing

#define EXPECT_CLEAN(verdicts) EXPECT_TRUE((verdicts).violations.empty()) << ::mqtt::model::testing::listing(verdicts)

// No violation and nothing left unresolved: the history settled every obligation.
#define EXPECT_SETTLED(verdicts)                                                                  \
  do {                                                                                            \
    const auto verdicts_ = (verdicts);                                                            \
    EXPECT_TRUE(verdicts_.violations.empty() && verdicts_.unresolved.empty()) << ::mqtt::model::testing::listing(verdicts_); \
  } while (false)

#define EXPECT_VIOLATION(verdicts, statement, expected_evidence)                                     \
  do {                                                                                              \
    const Verdicts verdicts_ = (verdicts);                                                          \
    const auto* finding_ = ::mqtt::model::testing::find(verdicts_, (statement));                                            \
    ASSERT_NE(finding_, nullptr) << "expected " << (statement) << "\n" << ::mqtt::model::testing::listing(verdicts_);       \
    auto expected_ = ::mqtt::model::testing::Evidence(expected_evidence);                                                   \
    std::sort(expected_.begin(), expected_.end());                                                  \
    EXPECT_EQ(finding_->evidence, expected_) << finding_->message;                                  \
    EXPECT_FALSE(finding_->message.empty());                                                        \
  } while (false)

// An unresolved obligation of `kind` whose reason contains `words`, and no violation.
#define EXPECT_UNRESOLVED(verdicts, kind, words)                                                     \
  do {                                                                                              \
    const Verdicts verdicts_ = (verdicts);                                                          \
    EXPECT_TRUE(verdicts_.violations.empty()) << ::mqtt::model::testing::listing(verdicts_);                                \
    const auto* open_ = ::mqtt::model::testing::find_unresolved(verdicts_, (kind));                                         \
    ASSERT_NE(open_, nullptr) << "expected an unresolved obligation\n" << ::mqtt::model::testing::listing(verdicts_);       \
    EXPECT_NE(open_->reason.find(words), std::string::npos) << open_->reason;                       \
  } while (false)
