#include "simulator/seen_numbers.hpp"

#include <algorithm>

namespace mqtt::simulator {

bool SeenNumbers::seen(std::uint64_t number) const {
  if (!started_) return false;
  if (number < base_) return true;
  const auto offset = number - base_;
  const auto word = offset / 64;
  return word < words_.size() && ((words_[word] >> (offset % 64)) & 1U) != 0;
}

bool SeenNumbers::mark_outside(std::uint64_t number) {
  if (!started_) {
    // Numbers below the first count as seen: a window that started lower would keep a word that never fills.
    started_ = true;
    base_ = number;
  }
  if (number < base_) return true;
  // A number beyond the window moves the window up to it first (never growing past max_words).
  if ((number - base_) / 64 >= max_words) {
    const auto shift = (number - base_) / 64 - max_words + 1;
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
  slide();
  return already;
}

void SeenNumbers::slide() {
  // Slide forward past words all seen, and past anything older than the window.
  std::size_t drop = 0;
  while (drop < words_.size() && (words_[drop] == ~std::uint64_t{0} || words_.size() - drop > max_words)) ++drop;
  if (drop > 0) {
    words_.erase(words_.begin(), words_.begin() + static_cast<std::ptrdiff_t>(drop));
    base_ += 64 * drop;
  }
}

}  // namespace mqtt::simulator
