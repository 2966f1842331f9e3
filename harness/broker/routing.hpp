// Which of a session's subscriptions a topic reaches, and at what QoS. Matching is the shared rule from
// model/topic.hpp; two defects bend it here and nowhere else.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/defect.hpp"
#include "codec/packet.hpp"

namespace mqtt::broker {

bool filter_matches(std::string_view filter, std::string_view topic, const DefectSet& defects);

// Overlapping subscriptions: the message is delivered once, at the highest QoS granted among the matching
// subscriptions [MQTT-3.3.5-1]. nullopt when no subscription matches.
std::optional<QoS> matching_qos(const std::map<std::string, QoS>& subscriptions, std::string_view topic,
                                const DefectSet& defects);

// The overlap-one-copy-per-subscription variation: the grant of every matching subscription, in filter order
// (one copy each). Empty when none matches.
std::vector<QoS> matching_grants(const std::map<std::string, QoS>& subscriptions, std::string_view topic,
                                 const DefectSet& defects);

}  // namespace mqtt::broker
