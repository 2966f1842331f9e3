// Which of a session's subscriptions a topic reaches. Matching is the shared rule from model/topic.hpp; two
// defects bend it here and nowhere else.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "broker/defect.hpp"
#include "broker/session.hpp"

namespace mqtt::broker {

bool filter_matches(std::string_view filter, std::string_view topic, const DefectSet& defects);

// One subscription a topic reaches.
struct SubscriptionMatch {
  const std::string* filter = nullptr;
  const SubscriptionOptions* options = nullptr;
};

// Every subscription in `subscriptions` whose filter matches `topic`, in filter order.
std::vector<SubscriptionMatch> matching_subscriptions(const std::map<std::string, SubscriptionOptions>& subscriptions,
                                                      std::string_view topic, const DefectSet& defects);

// Overlapping subscriptions delivered as one copy: the highest QoS granted among them [MQTT-3.3.5-1 (3.1.1),
// MQTT-3.3.4-2 (5.0)].
QoS highest_grant(const std::vector<SubscriptionMatch>& matches);
// The lowest of them: what the overlap-lowest-qos defect delivers at. `matches` must not be empty.
QoS lowest_grant(const std::vector<SubscriptionMatch>& matches);

}  // namespace mqtt::broker
