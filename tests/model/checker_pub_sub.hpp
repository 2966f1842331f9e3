// The setting most 3.1.1 checker tests start from. Those tests (checker_*_test.cpp) hold hand-written histories,
// one per promise of MQTT 3.1.1: the conformant version is judged clean and each broken version is caught with
// its statement id and the smallest evidence.
#pragma once

#include <cstdint>

#include "checker_expectations.hpp"

namespace mqtt::model::testing {

// A subscriber on connection 1 (filter "a/#" at `granted`) and a publisher on connection 2.
struct PubSub {
  HistoryBuilder h;
  std::uint64_t suback = 0;
  explicit PubSub(QoS granted = QoS::exactly_once, bool clean = true) {
    h.connected(1, "sub", clean);
    suback = h.subscribed(1, 1, "a/#", granted);
    h.connected(2, "pub");
  }
};

}  // namespace mqtt::model::testing
