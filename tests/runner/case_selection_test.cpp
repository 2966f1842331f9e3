// --filter and --exclude: globs on case ids; "!GLOB" inside --filter leaves cases out.
#include <gtest/gtest.h>

#include "runner/case_selection.hpp"
#include "runner/conformance.hpp"

namespace mqtt::runner {
namespace {

using Choice = CaseSelection::Choice;

TEST(CaseSelection, GlobsMatchWholeIds) {
  EXPECT_TRUE(glob_matches("*", "a.b"));
  EXPECT_TRUE(glob_matches("publish.*", "publish.retain.replace"));
  EXPECT_FALSE(glob_matches("publish.*", "subscribe.one"));
  EXPECT_TRUE(glob_matches("*.replace", "publish.retain.replace"));
  EXPECT_TRUE(glob_matches("a?c", "abc"));
  EXPECT_FALSE(glob_matches("a?c", "ac"));
  EXPECT_FALSE(glob_matches("", "a"));
}

TEST(CaseSelection, NegatedGlobAloneTakesEverythingElse) {
  const CaseSelection selection("!malformed.*");
  EXPECT_EQ(selection.choose("connect.accept.valid"), Choice::selected);
  EXPECT_EQ(selection.choose("malformed.pingreq_flags"), Choice::excluded);
}

TEST(CaseSelection, StarWithANegatedGlobIsTheSame) {
  const CaseSelection selection("*,!malformed.*");
  EXPECT_EQ(selection.choose("connect.accept.valid"), Choice::selected);
  EXPECT_EQ(selection.choose("malformed.pingreq_flags"), Choice::excluded);
  const CaseSelection spaced(" * , ! malformed.* ");
  EXPECT_EQ(spaced.choose("malformed.pingreq_flags"), Choice::excluded);
}

TEST(CaseSelection, ExcludeGlobsAddToTheFilter) {
  const CaseSelection selection("retain.*,will.*", {"will.qos2*", "retain.replace"});
  EXPECT_EQ(selection.choose("retain.kept"), Choice::selected);
  EXPECT_EQ(selection.choose("retain.replace"), Choice::excluded);
  EXPECT_EQ(selection.choose("will.qos2_delivered"), Choice::excluded);
  EXPECT_EQ(selection.choose("connect.accept.valid"), Choice::not_selected) << "outside the filter: not listed at all";
}

TEST(CaseSelection, EmptyFilterTakesNothing) {
  EXPECT_EQ(CaseSelection("").choose("a.b"), Choice::not_selected);
  EXPECT_EQ(CaseSelection("", {"x.*"}).choose("a.b"), Choice::not_selected);
}

TEST(CaseSelection, MatchesFilterIsTheSelection) {
  EXPECT_TRUE(matches_filter("*", "a.b"));
  EXPECT_TRUE(matches_filter("x.?, subscribe.*", "subscribe.one"));
  EXPECT_TRUE(matches_filter("!malformed.*", "subscribe.one"));
  EXPECT_FALSE(matches_filter("!malformed.*", "malformed.one"));
  EXPECT_FALSE(matches_filter("*,!malformed.*", "malformed.one"));
}

}  // namespace
}  // namespace mqtt::runner
