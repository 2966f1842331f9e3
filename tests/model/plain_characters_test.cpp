// '.', '*', '>', spaces, '%', '\' and a '$' that does not start the topic are plain characters in MQTT 3.1.1: a
// filter matches them only where it holds the same bytes [MQTT-4.7.3-4], and only '+', '#' and '/' mean anything
// [MQTT-3.3.2-3]. Some brokers treat them as separators or wildcards (AMQP and JMS habits) or decode them; the
// topics.*_is_plain cases send the publications such a broker mismatches. These are their broken histories: the
// copy such a broker delivers through an unrelated filter, and the copy it withholds from a wildcard.
#include <gtest/gtest.h>

#include <string>

#include "checker_expectations.hpp"

namespace mqtt::model {
namespace {

using history::CloseReason;
using testing::HistoryBuilder;
using testing::judge;
using testing::publish;
using testing::seconds;

// A subscriber holding `filter`, a QoS 0 publication on `topic` that the broker provably read (the publisher's
// PINGRESP), and, when `delivered`, the copy reaching the subscriber unchanged.
HistoryBuilder publication(const std::string& filter, const std::string& topic, bool delivered) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, filter, QoS::at_most_once);
  h.connected(2, "pub");
  h.sent(2, publish(topic, "mh1 plain"));
  h.sent(2, Pingreq{});
  h.received(2, Pingresp{});
  if (delivered) h.received(1, publish(topic, "mh1 plain"));
  h.after(2 * seconds);
  h.closed(1, CloseReason::local_close);
  return h;
}

struct Mismatch {
  const char* filter;
  const char* topic;  // a topic the filter does not match, though a broker with the habit below matches it
  const char* habit;
};

constexpr Mismatch mismatches[] = {
    {"p/a/b", "p/a.b", "'.' read as a level separator"},
    {"p/s/*", "p/s/x", "'*' read as a one-level wildcard"},
    {"p/g/>", "p/g/x/y", "'>' read as a multi-level wildcard"},
    {"p/ab", "p/a b", "spaces removed"},
    {"p/p q?x=1&y:z,w/v", "p/p%20q?x=1&y:z,w\\v", "'%20' decoded and '\\' read as a separator"},
};

TEST(PlainCharacters, ADeliveryThroughAFilterThatOnlyATranslationMatchesIsMQTT_3_3_2_3) {
  for (const auto& mismatch : mismatches) {
    SCOPED_TRACE(std::string(mismatch.habit) + ": filter " + mismatch.filter + ", topic " + mismatch.topic);
    EXPECT_ONLY_STATEMENT(judge(publication(mismatch.filter, mismatch.topic, true)), "MQTT-3.3.2-3");
    EXPECT_SETTLED(judge(publication(mismatch.filter, mismatch.topic, false)));
  }
}

TEST(PlainCharacters, TheExactTopicIsDeliveredAndExercisesByteExactMatching) {
  for (const auto& mismatch : mismatches) {
    for (const std::string topic : {mismatch.filter, mismatch.topic}) {  // none of them holds a wildcard
      SCOPED_TRACE(topic);
      const auto verdicts = judge(publication(topic, topic, true));
      EXPECT_SETTLED(verdicts);
      EXPECT_TRUE(verdicts.exercised.contains("MQTT-4.7.3-4"));
      EXPECT_TRUE(verdicts.exercised.contains("MQTT-3.3.2-3"));
    }
  }
}

TEST(PlainCharacters, AWildcardThatSkipsADollarInsideTheTopicBreaksTheDelivery) {
  // Only a leading '$' keeps a topic from '+' and '#' [MQTT-4.7.2-1]; "p/$x" is an ordinary level.
  EXPECT_ONLY_STATEMENT(judge(publication("p/+", "p/$x", false)), "MQTT-4.5.0-1");
  const auto delivered = judge(publication("p/+", "p/$x", true));
  EXPECT_SETTLED(delivered);
  EXPECT_TRUE(delivered.exercised.contains("MQTT-4.5.0-1"));
}

}  // namespace
}  // namespace mqtt::model
