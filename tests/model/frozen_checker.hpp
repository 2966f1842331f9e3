// The monolithic checker as it was before the split (harness/model/checker.cpp at 3c7b95a), frozen in its own
// namespace so the differential test can compare it with the split checker. Temporary: removed once the split is
// proven verdict-identical.
#pragma once

#include "model/checker.hpp"

namespace mqtt::model::frozen {

class Checker {
 public:
  explicit Checker(CheckOptions options = {});
  ~Checker();
  Checker(Checker&&) noexcept;
  Checker& operator=(Checker&&) noexcept;

  void observe(const history::Event& event);
  std::vector<Expectation> outstanding() const;
  std::size_t violations_so_far() const;
  Verdicts finish(std::int64_t end_time_ns);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Verdicts check(const history::History& history, const CheckOptions& options = {});

}  // namespace mqtt::model::frozen
