// Seen numbers tell a repeat from a first sighting in a window that slides and never outgrows max_words.
#include <gtest/gtest.h>

#include "simulator/seen_numbers.hpp"

#include <algorithm>
#include <random>
#include <vector>

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

// The window as first written, every mark out of line: mark() takes a shortcut for numbers inside the window's
// words, which must answer the same and leave the same window.
class ReferenceWindow {
 public:
  bool mark(std::uint64_t number) {
    if (!started_) {
      started_ = true;
      base_ = number;
    }
    if (number < base_) return true;
    if ((number - base_) / 64 >= SeenNumbers::max_words) {
      const auto shift = (number - base_) / 64 - SeenNumbers::max_words + 1;
      if (shift >= words_.size()) {
        words_.clear();
      } else {
        words_.erase(words_.begin(), words_.begin() + static_cast<std::ptrdiff_t>(shift));
      }
      base_ += 64 * shift;
    }
    const auto offset = number - base_;
    const auto word = static_cast<std::size_t>(offset / 64);
    if (word >= words_.size()) words_.resize(word + 1, 0);
    const std::uint64_t bit = std::uint64_t{1} << (offset % 64);
    const bool already = (words_[word] & bit) != 0;
    words_[word] |= bit;
    std::size_t drop = 0;
    while (drop < words_.size() &&
           (words_[drop] == ~std::uint64_t{0} || words_.size() - drop > SeenNumbers::max_words)) {
      ++drop;
    }
    words_.erase(words_.begin(), words_.begin() + static_cast<std::ptrdiff_t>(drop));
    base_ += 64 * drop;
    return already;
  }
  std::size_t words() const { return words_.size(); }

 private:
  bool started_ = false;
  std::uint64_t base_ = 0;
  std::vector<std::uint64_t> words_;
};

TEST(SeenNumbers, MarkAnswersAsTheWindowAsFirstWritten) {
  for (const std::uint32_t seed : {1U, 2U, 3U}) {
    std::mt19937_64 random(seed);
    SeenNumbers numbers;
    ReferenceWindow reference;
    std::uint64_t next = 1000;
    for (int step = 0; step < 200'000; ++step) {
      // Mostly in order with repeats, gaps and stragglers; now and then a jump past the window.
      const auto roll = random() % 100;
      std::uint64_t number = next;
      if (roll < 70) {
        number = next++;
      } else if (roll < 85) {
        number = next - std::min<std::uint64_t>(next, random() % 300);
      } else if (roll < 97) {
        next += random() % 40;
        number = next;
      } else if (roll < 99) {
        number = next - std::min<std::uint64_t>(next, random() % 9000);
      } else {
        next += random() % 20'000;
        number = next;
      }
      ASSERT_EQ(numbers.mark(number), reference.mark(number)) << "seed " << seed << " step " << step;
      ASSERT_EQ(numbers.words(), reference.words()) << "seed " << seed << " step " << step;
    }
    // Every number, shuffled within blocks of 24: words fill up (the slide) from marks inside the window.
    SeenNumbers complete;
    ReferenceWindow complete_reference;
    std::vector<std::uint64_t> block(24);
    for (std::uint64_t start = 0; start < 50'000; start += block.size()) {
      for (std::size_t i = 0; i < block.size(); ++i) block[i] = start + i;
      std::shuffle(block.begin(), block.end(), random);
      for (const auto number : block) {
        ASSERT_EQ(complete.mark(number), complete_reference.mark(number)) << "seed " << seed << " " << number;
        ASSERT_EQ(complete.words(), complete_reference.words()) << "seed " << seed << " " << number;
      }
    }
  }
}

}  // namespace
}  // namespace mqtt::simulator
