// Which numbers of one sequence were seen, in memory bounded by how far apart the recent ones are, not by how
// many there were. Device messages are numbered per publisher ("CLIENTID#N|", fleet_stats.hpp), and a
// subscriber gets them nearly in order, so the copies a subscriber got from one publisher fit in a short window of
// bits that slides forward: the fleet statistics tell a duplicate from a first copy with it long after the
// message itself was forgotten.
//
// Numbers below the window count as seen: those below the first number marked, those more than 4,096 under the
// newest, and runs of 64 that were all seen (the window slides past them). A number never seen (a lost copy)
// keeps its word until the window outgrows max_words: at most 512 bytes per sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mqtt::simulator {

class SeenNumbers {
 public:
  static constexpr std::size_t max_words = 64;  // a window of 4,096 numbers

  bool seen(std::uint64_t number) const;
  // Marks `number` seen; returns whether it was seen already. Inline for the usual case, a number inside the
  // window's words (twice per message in the fleet statistics); the rest (first number, below the window, a
  // new word, a slide) in mark_outside().
  bool mark(std::uint64_t number) {
    if (started_ && number >= base_) {
      const auto offset = number - base_;
      const auto word = static_cast<std::size_t>(offset / 64);
      if (word < words_.size()) {
        const std::uint64_t bit = std::uint64_t{1} << (offset % 64);
        const bool already = (words_[word] & bit) != 0;
        words_[word] |= bit;
        // Only the first word can have just filled (no other word was touched): slide past it then.
        if (word == 0 && words_[0] == ~std::uint64_t{0}) slide();
        return already;
      }
    }
    return mark_outside(number);
  }
  std::size_t words() const { return words_.size(); }

 private:
  bool mark_outside(std::uint64_t number);
  void slide();  // past the leading words all seen and anything beyond max_words

  bool started_ = false;
  std::uint64_t base_ = 0;            // numbers below it count as seen
  std::vector<std::uint64_t> words_;  // bit b of word w: number base_ + 64 w + b
};

}  // namespace mqtt::simulator
