// The topic filters a connection has SUBSCRIBEd and not UNSUBSCRIBEd since, and whether a delivered topic matches
// one of them (the flood limit counts PUBLISH packets that match none). The filters are validated once, when they
// are added, not again per delivered topic as topic::matches does; the connection still remembers matched topics,
// as a lookup costs fewer instructions than even this match (docs/benchmarks.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mqtt::client {

class RequestedFilters {
 public:
  // `filter` as sent, a shared subscription's "$share/group/" prefix included (it is matched without it).
  void add(std::string_view filter);
  void remove(std::string_view filter);
  bool empty() const { return filters_.empty(); }
  std::size_t size() const { return filters_.size(); }
  // Whether `topic` matches one of the filters, as topic::matches would say for each of them.
  bool match(std::string_view topic) const;

  // topic::matches(filter, topic) for a filter known to be valid (topic::is_valid_filter), without validating
  // it again.
  static bool valid_filter_matches(std::string_view filter, std::string_view topic);

 private:
  struct Filter {
    std::string text;
    bool valid = false;  // an invalid filter matches nothing (topic::matches); it is kept for remove()
    bool exact = false;  // valid and without wildcards: matched by comparing the strings
  };
  std::vector<Filter> filters_;
};

}  // namespace mqtt::client
