// MQTT 5.0 shared subscriptions ("$share/{ShareName}/{filter}", section 4.8.2): which sessions belong to each
// group and which one gets the next message. Pure state; the broker core routes, queues and re-sends.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mqtt::broker {

// The two parts of a shared subscription's filter.
struct SharedFilter {
  std::string share_name;
  std::string filter;  // the topic filter that matches publications
};

// nullopt unless `text` starts with "$share/", names a non-empty ShareName without '/', '+' or '#' and is
// followed by '/' and a non-empty topic filter [MQTT-4.8.2-1, MQTT-4.8.2-2]. The filter's own syntax is the
// caller's to check.
std::optional<SharedFilter> parse_shared_filter(std::string_view text);
bool is_shared_filter(std::string_view text);

// How the next member is chosen: the specification leaves it to the server (4.8.2).
enum class SharedDistribution : std::uint8_t { round_robin, sticky, random };

class SharedSubscriptions {
 public:
  explicit SharedSubscriptions(std::uint64_t seed = 0) : random_(seed) {}

  // Adds the session to the group (creating it); a session already in it stays once (4.8.2).
  void join(const std::string& shared_filter, const std::string& client_id);
  // Removes the session; the group ends with its last member. Returns false when it was not a member.
  bool leave(const std::string& shared_filter, const std::string& client_id);

  // Groups whose topic filter satisfies `matches`, in filter order.
  std::vector<std::string> matching(const std::function<bool(std::string_view filter)>& matches) const;

  // The member to send the next message of the group to: among those `preferred` accepts (online ones) when there
  // are any, otherwise among all except `excluded`; nullopt when nobody is left.
  std::optional<std::string> choose(const std::string& shared_filter, SharedDistribution distribution,
                                    const std::function<bool(const std::string& client_id)>& preferred,
                                    const std::string& excluded = {});

  const std::vector<std::string>* members(const std::string& shared_filter) const;
  std::size_t size() const { return groups_.size(); }

 private:
  struct Group {
    std::string filter;
    std::vector<std::string> members;  // join order
    std::size_t next = 0;              // round-robin cursor
  };

  std::map<std::string, Group> groups_;
  std::mt19937_64 random_;
};

}  // namespace mqtt::broker
