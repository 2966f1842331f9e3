#include "runner/fleet_scenario.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "model/topic.hpp"
#include "runner/data_document.hpp"
#include "runner/fleet_timeline.hpp"
#include "runner/source_position.hpp"
#include "simulator/fault_schedule.hpp"

namespace mqtt::runner {
namespace {

using simulator::FaultKind;
using simulator::FaultSpec;
using simulator::FleetSpec;
using simulator::GroupSpec;

constexpr std::uint64_t max_ms = 24ULL * 3600 * 1000;

double number(const ObjectReader& reader, std::string_view key, double minimum, double maximum) {
  const auto& value = reader.at(key);
  if (!value.is_number() || value.get<double>() < minimum || value.get<double>() > maximum) {
    std::ostringstream range;
    range << "must be a number from " << minimum << " to " << maximum;
    reader.fail(key, range.str());
  }
  return value.get<double>();
}

// A rate of events per second: 0 (none, or all at once) or at least one per 1000 s. Below that the interval
// between events (1 / rate) is longer than any run and overflows the engine's clock.
double rate(const ObjectReader& reader, std::string_view key, double maximum, const char* zero_means) {
  const double value = number(reader, key, 0, maximum);
  if (value > 0 && value < 0.001) {
    reader.fail(key, fmt::format("must be 0 ({}) or from 0.001 to {:.0f} per second", zero_means, maximum));
  }
  return value;
}

QoS qos_of(const ObjectReader& reader, std::string_view key) {
  return static_cast<QoS>(reader.unsigned_integer(key, 0, 2));
}

// Templates may use {group}, {n} and {id}; anything else in braces is a typo.
std::string template_string(const ObjectReader& reader, std::string_view key, bool allow_id) {
  std::string text = reader.string(key);
  std::size_t position = 0;
  while ((position = text.find('{', position)) != std::string::npos) {
    const auto close = text.find('}', position);
    const std::string name = close == std::string::npos ? "" : text.substr(position, close - position + 1);
    if (name != "{group}" && name != "{n}" && !(allow_id && name == "{id}")) {
      reader.fail(key, "unknown placeholder " + (name.empty() ? std::string("{") : name) +
                           (allow_id ? " (use {id}, {group} or {n})" : " (use {group} or {n})"));
    }
    position = close;
  }
  return text;
}

constexpr const char* mqtt5_only = "is an MQTT 5.0 option: the group needs \"mqtt\": \"5.0\"";

ProtocolVersion version_of(const ObjectReader& reader, std::string_view key) {
  const std::string text = reader.string(key);
  if (text == "3.1.1") return ProtocolVersion::v3_1_1;
  if (text == "3.1") return ProtocolVersion::v3_1;
  if (text == "5.0") return ProtocolVersion::v5;
  reader.fail(key, "must be \"3.1\", \"3.1.1\" or \"5.0\"");
}

simulator::WillSpec read_will(const ObjectReader& reader, ProtocolVersion version) {
  reader.allow_only({"topic", "payload", "qos", "retain", "delay"});
  if (reader.has("delay") && version != ProtocolVersion::v5) reader.fail("delay", mqtt5_only);
  simulator::WillSpec will;
  will.topic = template_string(reader, "topic", true);
  if (reader.has("payload")) will.payload = template_string(reader, "payload", true);
  if (reader.has("qos")) will.qos = qos_of(reader, "qos");
  if (reader.has("retain")) will.retain = reader.boolean("retain");
  if (reader.has("delay")) will.delay = static_cast<std::uint32_t>(reader.unsigned_integer("delay", 0, 4294967295ULL));
  return will;
}

simulator::PublishSpec read_publish(const ObjectReader& reader, ProtocolVersion version) {
  reader.allow_only({"topic", "rate", "jitter", "burst", "payload_size", "qos", "retain", "topic_alias"});
  if (reader.has("topic_alias") && version != ProtocolVersion::v5) reader.fail("topic_alias", mqtt5_only);
  simulator::PublishSpec publish;
  if (reader.has("topic")) publish.topic = template_string(reader, "topic", true);
  if (reader.has("rate")) publish.rate_per_second = rate(reader, "rate", 10'000, "no publishing");
  if (reader.has("jitter")) publish.jitter = number(reader, "jitter", 0, 1);
  if (reader.has("burst"))
    publish.burst = static_cast<std::uint32_t>(reader.unsigned_integer("burst", 1, 1000));
  if (reader.has("payload_size")) {
    publish.payload_size = static_cast<std::uint32_t>(reader.unsigned_integer("payload_size", 0, 1u << 20));
  }
  if (reader.has("qos")) {
    const auto& value = reader.at("qos");
    if (value.is_array()) {
      if (value.size() != 3)
        reader.fail("qos", "must be a QoS 0..2 or an array of three weights [qos0, qos1, qos2]");
      double total = 0;
      for (std::size_t index = 0; index < 3; ++index) {
        if (!value[index].is_number() || value[index].get<double>() < 0) {
          reader.fail("qos", "weights must be numbers >= 0");
        }
        publish.qos_weights[index] = value[index].get<double>();
        total += publish.qos_weights[index];
      }
      if (total <= 0) reader.fail("qos", "at least one weight must be above 0");
    } else {
      const QoS qos = qos_of(reader, "qos");
      for (int index = 0; index < 3; ++index)
        publish.qos_weights[index] = index == static_cast<int>(qos) ? 1 : 0;
    }
  }
  if (reader.has("retain")) publish.retain = reader.boolean("retain");
  if (reader.has("topic_alias")) publish.topic_alias = reader.boolean("topic_alias");
  if (!topic::is_valid_name(simulator::expand_placeholders(publish.topic, "group", 1, "device")))
    reader.fail("topic", "is not a valid topic name");
  return publish;
}

std::vector<Subscription> read_subscriptions(const ObjectReader& reader, std::string_view key, ProtocolVersion version) {
  std::vector<Subscription> subscriptions;
  const auto& items = reader.array(key);
  for (std::size_t index = 0; index < items.size(); ++index) {
    ObjectReader item(reader.document(), items[index], reader.pointer_of(key) + "/" + std::to_string(index));
    if (!items[index].is_object()) item.fail_here("must be an object {\"filter\": ..., \"qos\": ...}");
    item.allow_only({"filter", "qos", "no_local", "retain_as_published", "retain_handling"});
    for (std::string_view option : {"no_local", "retain_as_published", "retain_handling"}) {
      if (item.has(option) && version != ProtocolVersion::v5) item.fail(option, mqtt5_only);
    }
    Subscription subscription;
    subscription.no_local = item.optional_boolean("no_local").value_or(false);
    subscription.retain_as_published = item.optional_boolean("retain_as_published").value_or(false);
    subscription.retain_handling = static_cast<std::uint8_t>(item.optional_unsigned("retain_handling", 0, 2).value_or(0));
    subscription.filter = template_string(item, "filter", true);
    if (!topic::is_valid_filter(simulator::expand_placeholders(subscription.filter, "group", 1, "device"))) {
      item.fail("filter", "is not a valid topic filter");
    }
    if (item.has("qos")) subscription.qos = qos_of(item, "qos");
    subscriptions.push_back(std::move(subscription));
  }
  return subscriptions;
}

GroupSpec read_group(const ObjectReader& reader, bool observer) {
  if (!reader.json().is_object()) reader.fail_here("must be an object");
  reader.allow_only({"name", "count", "client_id", "mqtt", "clean_session", "keep_alive", "will", "subscriptions",
                     "publish", "status", "connect_rate", "start_ms", "reconnect", "churn", "session_expiry",
                     "receive_maximum", "topic_alias_maximum"});
  GroupSpec group;
  group.observer = observer;
  group.name = reader.string("name");
  if (group.name.empty()) reader.fail("name", "must not be empty");
  group.count = observer ? 1 : 10;
  if (reader.has("count"))
    group.count = static_cast<std::uint32_t>(reader.unsigned_integer("count", 0, 1'000'000));
  group.client_id = observer ? "{group}-{n}" : "dtu-{group}-{n}";
  if (reader.has("client_id")) group.client_id = template_string(reader, "client_id", false);
  if (group.count > 1 && group.client_id.find("{n}") == std::string::npos) {
    reader.fail(
        reader.has("client_id") ? "client_id" : "count",
        "a group of more than one device needs {n} in its client_id, or the devices take each other over");
  }
  if (reader.has("mqtt")) group.version = version_of(reader, "mqtt");
  for (std::string_view key : {"session_expiry", "receive_maximum", "topic_alias_maximum"}) {
    if (reader.has(key) && group.version != ProtocolVersion::v5) reader.fail(key, mqtt5_only);
  }
  if (reader.has("session_expiry")) {
    group.session_expiry = static_cast<std::uint32_t>(reader.unsigned_integer("session_expiry", 0, 4294967295ULL));
  }
  if (reader.has("receive_maximum")) {
    group.receive_maximum = static_cast<std::uint16_t>(reader.unsigned_integer("receive_maximum", 1, 65535));
  }
  if (reader.has("topic_alias_maximum")) {
    group.topic_alias_maximum = static_cast<std::uint16_t>(reader.unsigned_integer("topic_alias_maximum", 0, 65535));
  }
  if (reader.has("clean_session")) group.clean_session = reader.boolean("clean_session");
  if (reader.has("keep_alive"))
    group.keep_alive = static_cast<std::uint16_t>(reader.unsigned_integer("keep_alive", 0, 65535));
  if (reader.has("will")) group.will = read_will(reader.object("will"), group.version);
  if (reader.has("subscriptions")) group.subscriptions = read_subscriptions(reader, "subscriptions", group.version);
  if (reader.has("publish")) {
    if (observer) reader.fail("publish", "observers only subscribe");
    group.publish = read_publish(reader.object("publish"), group.version);
  }
  if (reader.has("status")) {
    auto status_reader = reader.object("status");
    status_reader.allow_only({"topic", "payload", "qos"});
    simulator::StatusSpec status;
    if (status_reader.has("topic")) status.topic = template_string(status_reader, "topic", true);
    if (status_reader.has("payload")) status.payload = template_string(status_reader, "payload", true);
    if (status_reader.has("qos")) status.qos = qos_of(status_reader, "qos");
    group.status = status;
  }
  if (reader.has("connect_rate")) group.connect_rate = rate(reader, "connect_rate", 1'000'000, "every device at once");
  if (reader.has("start_ms"))
    group.start_ms = static_cast<std::uint32_t>(reader.unsigned_integer("start_ms", 0, max_ms));
  if (reader.has("reconnect")) {
    auto policy = reader.object("reconnect");
    policy.allow_only({"initial_ms", "maximum_ms", "multiplier", "jitter"});
    if (policy.has("initial_ms"))
      group.reconnect.initial_ms =
          static_cast<std::uint32_t>(policy.unsigned_integer("initial_ms", 0, max_ms));
    if (policy.has("maximum_ms"))
      group.reconnect.maximum_ms =
          static_cast<std::uint32_t>(policy.unsigned_integer("maximum_ms", 0, max_ms));
    if (policy.has("multiplier")) group.reconnect.multiplier = number(policy, "multiplier", 1, 100);
    if (policy.has("jitter")) group.reconnect.jitter = number(policy, "jitter", 0, 1);
    if (group.reconnect.maximum_ms < group.reconnect.initial_ms) {
      policy.fail(policy.has("maximum_ms") ? "maximum_ms" : "initial_ms",
                  "maximum_ms must not be below initial_ms");
    }
  }
  if (reader.has("churn")) {
    if (observer) reader.fail("churn", "observers do not churn");
    auto churn = reader.object("churn");
    churn.allow_only({"fraction", "online_ms", "offline_ms", "abrupt"});
    if (churn.has("fraction")) group.churn.fraction = number(churn, "fraction", 0, 1);
    if (churn.has("online_ms"))
      group.churn.online_ms = static_cast<std::uint32_t>(churn.unsigned_integer("online_ms", 1, max_ms));
    if (churn.has("offline_ms"))
      group.churn.offline_ms = static_cast<std::uint32_t>(churn.unsigned_integer("offline_ms", 1, max_ms));
    if (churn.has("abrupt")) group.churn.abrupt = churn.boolean("abrupt");
  }
  return group;
}

// {"kind": "broker-restart", "at_ms": N, "down_ms": M}: the broker, not a group (simulator/broker_restart.hpp).
FaultSpec read_broker_restart(const ObjectReader& reader) {
  reader.allow_only({"kind", "at_ms", "down_ms"});
  FaultSpec fault;
  fault.kind = FaultKind::broker_restart;
  fault.at_ms = static_cast<std::uint32_t>(reader.unsigned_integer("at_ms", 0, max_ms));
  fault.duration_ms = 0;
  if (reader.has("down_ms")) fault.duration_ms = static_cast<std::uint32_t>(reader.unsigned_integer("down_ms", 0, 600'000));
  return fault;
}

FaultSpec read_fault(const ObjectReader& reader, const std::set<std::string>& groups) {
  if (!reader.json().is_object()) reader.fail_here("must be an object");
  if (reader.has("kind") && reader.string("kind") == "broker-restart") return read_broker_restart(reader);
  reader.allow_only({"kind", "group", "fraction", "at_ms", "duration_ms", "direction", "latency_ms",
                     "jitter_ms", "bytes_per_second", "fragment_bytes", "period_ms", "reset"});
  FaultSpec fault;
  const std::string kind = reader.string("kind");
  const auto parsed = simulator::parse_fault_kind(kind);
  if (!parsed) {
    reader.fail("kind", "unknown fault \"" + kind +
                            "\" (latency, bandwidth, stall, blackhole, close, flapping, partition, fragment, "
                            "slow-reader, power-loss, broker-restart)");
  }
  fault.kind = *parsed;
  fault.group = reader.string("group");
  if (groups.count(fault.group) == 0)
    reader.fail("group", "no group or observer is named \"" + fault.group + "\"");
  if (reader.has("fraction")) fault.fraction = number(reader, "fraction", 0, 1);
  if (reader.has("at_ms"))
    fault.at_ms = static_cast<std::uint32_t>(reader.unsigned_integer("at_ms", 0, max_ms));
  if (reader.has("duration_ms"))
    fault.duration_ms = static_cast<std::uint32_t>(reader.unsigned_integer("duration_ms", 0, max_ms));
  auto& parameters = fault.parameters;
  if (reader.has("direction")) {
    const auto direction = simulator::parse_direction(reader.string("direction"));
    if (!direction) reader.fail("direction", "must be \"both\", \"upstream\" or \"downstream\"");
    parameters.direction = *direction;
  }
  if (reader.has("latency_ms"))
    parameters.latency_ms = static_cast<std::uint32_t>(reader.unsigned_integer("latency_ms", 0, 600'000));
  if (reader.has("jitter_ms"))
    parameters.jitter_ms = static_cast<std::uint32_t>(reader.unsigned_integer("jitter_ms", 0, 600'000));
  if (reader.has("bytes_per_second"))
    parameters.bytes_per_second = reader.unsigned_integer("bytes_per_second", 1, 1ULL << 40);
  if (reader.has("fragment_bytes"))
    parameters.fragment_bytes =
        static_cast<std::uint32_t>(reader.unsigned_integer("fragment_bytes", 1, 65535));
  if (reader.has("period_ms"))
    parameters.period_ms = static_cast<std::uint32_t>(reader.unsigned_integer("period_ms", 50, max_ms));
  if (reader.has("reset")) parameters.reset = reader.boolean("reset");
  return fault;
}

}  // namespace

FleetSpec parse_fleet_scenario(const std::string& file, std::string_view text) {
  DataDocument document(file, text);
  if (!document.root().is_object()) document.fail("", "a fleet scenario must be a JSON object");
  ObjectReader root(document, document.root(), "");
  root.allow_only(
      {"$schema", "name", "description", "duration_ms", "settle_ms", "drain_ms", "groups", "observers", "faults"});
  FleetSpec spec;
  spec.name = root.string("name");
  if (root.has("description")) spec.description = root.string("description");
  if (root.has("duration_ms"))
    spec.duration_ms = static_cast<std::uint32_t>(root.unsigned_integer("duration_ms", 100, max_ms));
  if (root.has("settle_ms"))
    spec.settle_ms = static_cast<std::uint32_t>(root.unsigned_integer("settle_ms", 0, max_ms));
  if (root.has("drain_ms"))
    spec.drain_ms = static_cast<std::uint32_t>(root.unsigned_integer("drain_ms", 0, max_ms));
  std::set<std::string> names;
  std::set<std::string> client_templates;
  const auto read_groups = [&](std::string_view key, bool observer) {
    const auto& items = root.array(key);
    for (std::size_t index = 0; index < items.size(); ++index) {
      // Built by appending: GCC 12 warns falsely (-Wrestrict) about "/" + std::string(...) once inlined here.
      std::string pointer = "/";
      pointer.append(key).append("/").append(std::to_string(index));
      ObjectReader item(document, items[index], pointer);
      GroupSpec group = read_group(item, observer);
      if (!names.insert(group.name).second)
        item.fail("name", "another group or observer is already named \"" + group.name + "\"");
      if (!client_templates.insert(simulator::expand_placeholders(group.client_id, group.name, 0, ""))
               .second) {
        item.fail(item.has("client_id") ? "client_id" : "name", "two groups would use the same client ids");
      }
      spec.groups.push_back(std::move(group));
    }
  };
  if (root.has("observers")) read_groups("observers", true);
  read_groups("groups", false);
  if (std::none_of(spec.groups.begin(), spec.groups.end(), [](const GroupSpec& g) { return !g.observer; })) {
    root.fail("groups", "must name at least one device group");
  }
  if (root.has("faults")) {
    const auto& items = root.array("faults");
    for (std::size_t index = 0; index < items.size(); ++index) {
      ObjectReader item(document, items[index], "/faults/" + std::to_string(index));
      spec.faults.push_back(read_fault(item, names));
    }
  }
  // Events that fall outside the publishing window are refused here, at the key that places them.
  if (const auto problem = find_timeline_problem(spec)) {
    const auto& entry = document.root().at(nlohmann::json::json_pointer(problem->object));
    std::string pointer = problem->object;
    for (const auto& key : problem->keys) {
      if (entry.contains(key)) {
        pointer += "/" + key;
        break;
      }
    }
    document.fail(pointer, problem->message);
  }
  return spec;
}

FleetSpec load_fleet_scenario(const std::string& path) {
  return parse_fleet_scenario(path, read_data_file(path, "a fleet scenario file"));
}

}  // namespace mqtt::runner
