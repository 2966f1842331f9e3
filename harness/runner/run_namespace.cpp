#include "runner/run_namespace.hpp"

#include <fmt/format.h>


namespace mqtt::runner {
namespace {

constexpr std::size_t longest_name = 64;

// SplitMix64's finaliser: neighbouring seeds (1, 2, 3 ...) get unrelated namespaces, and the high half of a seed
// counts as much as the low half.
std::uint64_t mix(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

bool name_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  std::size_t position = 0;
  while ((position = text.find(from, position)) != std::string::npos) {
    text.replace(position, from.size(), to);
    position += to.size();
  }
}

}  // namespace

RunNamespace::RunNamespace(std::string name) : name_(std::move(name)) {
  client_prefix_ = name_;
  for (char& c : client_prefix_) {
    if (c == '/') c = '-';
  }
  client_prefix_ += '-';
}

RunNamespace RunNamespace::derived_from_seed(std::string_view kind, std::uint64_t seed) {
  return RunNamespace(fmt::format("{}-{:08x}", kind, static_cast<std::uint32_t>(mix(seed) >> 32)));
}

std::variant<RunNamespace, std::string> RunNamespace::from_prefix(std::string_view prefix) {
  if (prefix.empty()) return RunNamespace();
  std::string name(prefix);
  if (name.back() == '/') name.pop_back();
  if (name.empty()) return std::string("a namespace needs a name (give '' for none)");
  if (name.size() > longest_name) {
    return fmt::format("a namespace name has at most {} characters, this one {}", longest_name, name.size());
  }
  for (std::size_t index = 0; index < name.size(); ++index) {
    const char c = name[index];
    if (c == '/') {
      if (index == 0) return std::string("a namespace name must not start with \"/\"");
      if (name[index - 1] == '/') {
        return fmt::format("a namespace name must not hold an empty level (\"//\" at character {})", index);
      }
      continue;
    }
    if (!name_character(c)) {
      const bool printable = c > ' ' && c < 0x7f;
      return fmt::format(
          "a namespace name holds letters, digits, \"-\", \"_\", \".\" and \"/\" between levels, not {} at "
          "character {}",
          printable ? fmt::format("\"{}\"", c) : fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c)),
          index + 1);
    }
  }
  return RunNamespace(std::move(name));
}

std::string RunNamespace::topic(std::string_view topic) const {
  if (name_.empty() || topic.empty() || topic.front() == '$') return std::string(topic);
  std::string result;
  result.reserve(name_.size() + 1 + topic.size());
  result.append(name_).append("/").append(topic);
  return result;
}

std::string RunNamespace::filter(std::string_view filter) const {
  constexpr std::string_view shared = "$share/";
  if (filter.starts_with(shared)) {
    const auto slash = filter.find('/', shared.size());
    if (slash == std::string_view::npos) return std::string(filter);  // malformed: sent as captured
    return std::string(filter.substr(0, slash + 1)) + topic(filter.substr(slash + 1));
  }
  return topic(filter);
}

std::string RunNamespace::client_id(std::string_view client_id) const {
  if (name_.empty() || client_id.empty()) return std::string(client_id);
  return client_prefix_ + std::string(client_id);
}

std::string RunNamespace::local_topic(std::string_view topic) const {
  if (name_.empty() || topic.size() <= name_.size() || !topic.starts_with(name_) || topic[name_.size()] != '/') {
    return std::string(topic);
  }
  return std::string(topic.substr(name_.size() + 1));
}

void place_in_namespace(simulator::FleetSpec& spec, const RunNamespace& run_namespace) {
  if (run_namespace.empty()) return;
  for (auto& group : spec.groups) {
    // Client id templates hold only {group} and {n} (the scenario loader sees to that), so the device's own id
    // can stand in for {id} in its topics before the id itself moves into the namespace.
    const std::string own_id = group.client_id;
    const auto topic_of = [&](const std::string& text) {
      std::string expanded = text;
      replace_all(expanded, "{id}", own_id);
      return run_namespace.topic(expanded);
    };
    if (group.will) group.will->topic = topic_of(group.will->topic);
    if (group.status) group.status->topic = topic_of(group.status->topic);
    group.publish.topic = topic_of(group.publish.topic);
    for (auto& subscription : group.subscriptions) {
      std::string expanded = subscription.filter;
      replace_all(expanded, "{id}", own_id);
      subscription.filter = run_namespace.filter(expanded);
    }
    group.client_id = run_namespace.client_id(own_id);
  }
}

Packet place_in_namespace(Packet packet, const RunNamespace& run_namespace) {
  if (run_namespace.empty()) return packet;
  if (auto* connect = std::get_if<Connect>(&packet)) {
    connect->client_id = run_namespace.client_id(connect->client_id);
    if (connect->will) connect->will->topic = run_namespace.topic(connect->will->topic);
  } else if (auto* publish = std::get_if<Publish>(&packet)) {
    publish->topic = run_namespace.topic(publish->topic);
  } else if (auto* subscribe = std::get_if<Subscribe>(&packet)) {
    for (auto& subscription : subscribe->subscriptions) subscription.filter = run_namespace.filter(subscription.filter);
  } else if (auto* unsubscribe = std::get_if<Unsubscribe>(&packet)) {
    for (auto& filter : unsubscribe->filters) filter = run_namespace.filter(filter);
  }
  return packet;
}

}  // namespace mqtt::runner
