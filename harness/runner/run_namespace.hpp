// A run's namespace: a prefix that keeps one `simulate` or `replay` run's topics and client ids apart from every
// other run's on the same broker, so a retained message, a will or a stored session left by an earlier run (or by
// anyone else) is never matched to this run's publishes. The shards of one fleet derive the same namespace from
// their common seed, so together they are one run. Pure.
//
// Joining rule (docs/simulator.md, "Namespaces"), for a namespace named N:
//   topic      N + "/" + topic: "dtu/1/telemetry" -> "N/dtu/1/telemetry", "/a" -> "N//a" (the empty first level
//              stays a level); "$..." topics (broker system topics) and "" are left alone
//   filter     the same; "#" -> "N/#"; a shared subscription keeps "$share/GROUP/" in front
//   client id  N with each "/" turned into "-", then "-", then the id: "backend" -> "N-backend"; "" stays ""
//              (the broker assigns one)
// A name is given without a trailing "/": "test/" and "test" are the same namespace, "test/" + "dtu/1" is
// "test/dtu/1", never "test//dtu/1", and the client id is "test-backend", never "test/-backend".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "codec/packet.hpp"
#include "simulator/fleet_spec.hpp"

namespace mqtt::runner {

class RunNamespace {
 public:
  RunNamespace() = default;  // no namespace: topics and client ids stay as they are

  // The default of a run: "KIND-xxxxxxxx", eight hex digits drawn from the whole 64-bit seed ("fleet-3f09a1c2").
  static RunNamespace derived_from_seed(std::string_view kind, std::uint64_t seed);
  // From `--prefix`: "" means no namespace; otherwise letters, digits, "-", "_", "." and "/" between non-empty
  // levels, at most 64 characters, one trailing "/" allowed and dropped. The error is one sentence naming the
  // offending character or rule, without the option's name.
  static std::variant<RunNamespace, std::string> from_prefix(std::string_view prefix);

  bool empty() const { return name_.empty(); }
  const std::string& name() const { return name_; }  // without a trailing "/"

  std::string topic(std::string_view topic) const;
  std::string filter(std::string_view filter) const;
  std::string client_id(std::string_view client_id) const;
  // The inverse of topic(): the topic as the run's own scenario or capture names it. Topics outside the
  // namespace are returned unchanged.
  std::string local_topic(std::string_view topic) const;

 private:
  explicit RunNamespace(std::string name);
  std::string name_;
  std::string client_prefix_;  // name_ with "/" turned into "-", then "-"
};

// Puts a fleet into the namespace: every client id template, will, status and publish topic, and subscription
// filter. In topic templates {id} keeps meaning the device's own, un-namespaced client id, so a device's topic is
// "N/dtu/dtu-site-1/status", not "N/dtu/N-dtu-site-1/status"; payload templates keep the client id on the wire.
void place_in_namespace(simulator::FleetSpec& spec, const RunNamespace& run_namespace);

// Puts one packet a client sends into the namespace: CONNECT (client id, will topic), PUBLISH, SUBSCRIBE and
// UNSUBSCRIBE; every other packet is returned unchanged.
Packet place_in_namespace(Packet packet, const RunNamespace& run_namespace);

}  // namespace mqtt::runner
