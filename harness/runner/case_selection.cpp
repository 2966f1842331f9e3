#include "runner/case_selection.hpp"

#include <algorithm>

namespace mqtt::runner {

bool glob_matches(std::string_view pattern, std::string_view text) {
  // Iterative matcher with backtracking to the last '*': linear in practice, no recursion.
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

namespace {

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

bool any_matches(const std::vector<std::string>& patterns, std::string_view id) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [id](const std::string& pattern) { return glob_matches(pattern, id); });
}

}  // namespace

CaseSelection::CaseSelection(std::string_view filter, const std::vector<std::string>& excludes) {
  std::size_t start = 0;
  bool negated_only = true;
  while (start <= filter.size()) {
    std::size_t end = filter.find(',', start);
    if (end == std::string_view::npos) end = filter.size();
    const std::string_view pattern = trimmed(filter.substr(start, end - start));
    if (pattern.starts_with('!')) {
      if (const auto excluded = trimmed(pattern.substr(1)); !excluded.empty()) exclude_.emplace_back(excluded);
    } else if (!pattern.empty()) {
      include_.emplace_back(pattern);
      negated_only = false;
    }
    start = end + 1;
  }
  include_all_ = negated_only && !exclude_.empty();
  for (const auto& pattern : excludes) {
    if (const auto excluded = trimmed(pattern); !excluded.empty()) exclude_.emplace_back(excluded);
  }
}

CaseSelection::Choice CaseSelection::choose(std::string_view id) const {
  if (!include_all_ && !any_matches(include_, id)) return Choice::not_selected;
  return any_matches(exclude_, id) ? Choice::excluded : Choice::selected;
}

}  // namespace mqtt::runner
