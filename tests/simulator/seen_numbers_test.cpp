// Seen numbers tell a repeat from a first sighting in a window that slides and never outgrows max_words.
#include <gtest/gtest.h>

#include "simulator/seen_numbers.hpp"

namespace mqtt::simulator {
namespace {

TEST(SeenNumbers, TellRepeatsInABoundedWindow) {
  SeenNumbers numbers;
  EXPECT_FALSE(numbers.seen(7));
  EXPECT_FALSE(numbers.mark(7));
  EXPECT_TRUE(numbers.mark(7));
  EXPECT_TRUE(numbers.seen(5));  // below the first number marked
  for (std::uint64_t number = 8; number < 100'000; ++number) EXPECT_FALSE(numbers.mark(number));
  EXPECT_LE(numbers.words(), 2U);  // everything seen: the window slid along
  EXPECT_TRUE(numbers.seen(50'000));
  EXPECT_FALSE(numbers.mark(1'000'000'000));  // a jump moves the window, never past max_words
  EXPECT_LE(numbers.words(), SeenNumbers::max_words);
}

}  // namespace
}  // namespace mqtt::simulator
