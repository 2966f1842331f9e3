// Which cases a run takes: `--filter` globs on case ids (comma-separated; a glob starting with '!' excludes) and
// `--exclude` globs. An excluded case is still listed in the results, as skipped with the reason "excluded", so a
// report shows what was left out on purpose.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mqtt::runner {

// '*' any run of characters, '?' one character; everything else matches itself.
bool glob_matches(std::string_view pattern, std::string_view text);

class CaseSelection {
 public:
  // `filter`: "retain.*,will.*", "!malformed.*" or "*,!malformed.*" (a filter of exclusions only takes every
  // case but those); `excludes`: more exclusion globs, without the '!'.
  CaseSelection(std::string_view filter, const std::vector<std::string>& excludes = {});

  enum class Choice { not_selected, selected, excluded };
  Choice choose(std::string_view id) const;

 private:
  std::vector<std::string> include_;
  std::vector<std::string> exclude_;
  bool include_all_ = false;
};

}  // namespace mqtt::runner
