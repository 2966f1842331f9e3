// Which statements ModelState::exercise has already entered, per judged version (3.1, 3.1.1, 5.0). Citing a
// statement and filing it in the verdicts depends on (version, statement text) only, so each pair is entered
// once; a fan-in exercises some twenty statements per message, always the same ones, and answering "already
// entered" was still about a tenth of the model's instructions (issue 16).
//
// Two ways in:
// - by text (`entered_text`): a hash set per version, fronted by a small cache keyed by the text's address whose
//   slot also keeps the text, since a std::string's buffer may be reused for other text;
// - by a literal (`entered_literal`): the text of a string literal (or another constant array) never changes at
//   its address, so the address alone answers: an open-addressing table of addresses, a bit per version. No
//   text is hashed or compared on a repeat.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "codec/packet.hpp"

namespace mqtt::model::detail {

class StatementMemo {
 public:
  // Whether `statement` was entered for `judged` before; if not, it counts as entered from now on. A version
  // the model never decodes (not 3, 4 or 5) is never remembered: always false.
  bool entered_text(std::string_view statement, ProtocolVersion judged) {
    const auto address = reinterpret_cast<std::uintptr_t>(statement.data());
    auto& recent = recent_[(address >> 3) % std::size(recent_)];
    if (recent.address == statement.data() && recent.judged == judged && recent.statement == statement) return true;
    const auto slot = version_slot(judged);
    if (slot >= versions) return false;
    auto& entered = entered_[slot];
    const bool known = entered.find(statement) != entered.end();
    if (!known) entered.emplace(statement);
    recent.address = statement.data();
    recent.judged = judged;
    recent.statement.assign(statement);
    return known;
  }

  // `literal` was entered for `judged` through entered_literal's slow path (the caller entered it by text).
  bool literal_known(const char* literal, ProtocolVersion judged) const {
    const auto slot = version_slot(judged);
    if (slot >= versions || literals_.empty()) return false;
    for (auto at = home(literal);; at = (at + 1) & (literals_.size() - 1)) {
      const auto& entry = literals_[at];
      if (entry.address == literal) return (entry.versions & (1u << slot)) != 0;
      if (entry.address == nullptr) return false;
    }
  }
  // Remembers that `literal` was entered for `judged` (its text through entered_text).
  void remember_literal(const char* literal, ProtocolVersion judged) {
    const auto slot = version_slot(judged);
    if (slot >= versions) return;
    if ((literal_count_ + 1) * 2 > literals_.size()) grow();
    auto at = home(literal);
    while (literals_[at].address != nullptr && literals_[at].address != literal) {
      at = (at + 1) & (literals_.size() - 1);
    }
    if (literals_[at].address == nullptr) {
      literals_[at].address = literal;
      ++literal_count_;
    }
    literals_[at].versions |= static_cast<std::uint8_t>(1u << slot);
  }

 private:
  static constexpr std::size_t versions = 3;

  static std::size_t version_slot(ProtocolVersion judged) {
    return static_cast<std::size_t>(judged) - static_cast<std::size_t>(ProtocolVersion::v3_1);
  }

  std::size_t home(const char* literal) const {
    // Fibonacci hashing: literals sit a few bytes apart in one section, so the address's low bits alone cluster.
    const auto address = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(literal));
    return static_cast<std::size_t>((address * 0x9E3779B97F4A7C15ull) >> 32) & (literals_.size() - 1);
  }

  void grow() {
    auto old = std::move(literals_);
    literals_.assign(old.empty() ? 256 : old.size() * 2, Literal{});
    literal_count_ = 0;
    for (const auto& entry : old) {
      if (entry.address == nullptr) continue;
      auto at = home(entry.address);
      while (literals_[at].address != nullptr) at = (at + 1) & (literals_.size() - 1);
      literals_[at] = entry;
      ++literal_count_;
    }
  }

  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view statement) const { return std::hash<std::string_view>{}(statement); }
  };
  std::unordered_set<std::string, TextHash, std::equal_to<>> entered_[versions];
  struct RecentText {
    const char* address = nullptr;
    ProtocolVersion judged = ProtocolVersion::v3_1_1;
    std::string statement;
  };
  RecentText recent_[64];
  struct Literal {
    const char* address = nullptr;
    std::uint8_t versions = 0;  // a bit per version_slot
  };
  std::vector<Literal> literals_;  // a power of two in size, at most half full
  std::size_t literal_count_ = 0;
};

}  // namespace mqtt::model::detail
