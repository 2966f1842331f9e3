#include "tests/reports/sample_results.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace mqtt::reports::testing {
namespace {

using history::CloseReason;
using history::Event;
using history::EventKind;

void put_string(Bytes& out, std::string_view text) {
  out.push_back(static_cast<std::uint8_t>(text.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

// 3.1.1 wire bytes, written out by hand so these tests do not depend on the encoder under test elsewhere.
Bytes frame(std::uint8_t first_byte, const Bytes& body) {
  Bytes out{first_byte, static_cast<std::uint8_t>(body.size())};  // bodies here stay under 128 bytes
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes connect_bytes(const std::string& client_id, const std::string& username, const std::string& password) {
  Bytes body;
  put_string(body, "MQTT");
  body.push_back(4);
  body.push_back(0xC2);  // username, password, clean session
  body.push_back(0);
  body.push_back(60);
  put_string(body, client_id);
  put_string(body, username);
  put_string(body, password);
  return frame(0x10, body);
}

Bytes publish_bytes(const std::string& topic, QoS qos, std::uint16_t packet_id, const std::string& payload,
                    bool dup = false) {
  Bytes body;
  put_string(body, topic);
  if (qos != QoS::at_most_once) {
    body.push_back(static_cast<std::uint8_t>(packet_id >> 8));
    body.push_back(static_cast<std::uint8_t>(packet_id));
  }
  body.insert(body.end(), payload.begin(), payload.end());
  return frame(static_cast<std::uint8_t>(0x30 | (dup ? 0x08 : 0) | static_cast<int>(qos) << 1), body);
}

class HistoryBuilder {
 public:
  HistoryBuilder& open(std::uint32_t connection, const std::string& actor) {
    return add({.connection = connection, .actor = actor, .kind = EventKind::open, .detail = "peer 127.0.0.1:1883"});
  }
  HistoryBuilder& sent(std::uint32_t connection, const std::string& actor, Packet packet, Bytes raw) {
    return add({.connection = connection, .actor = actor, .kind = EventKind::sent, .packet = std::move(packet),
                .raw = std::move(raw)});
  }
  HistoryBuilder& received(std::uint32_t connection, const std::string& actor, Packet packet, Bytes raw) {
    return add({.connection = connection, .actor = actor, .kind = EventKind::received, .packet = std::move(packet),
                .raw = std::move(raw)});
  }
  HistoryBuilder& closed(std::uint32_t connection, const std::string& actor, CloseReason reason) {
    return add({.connection = connection, .actor = actor, .kind = EventKind::closed, .close_reason = reason});
  }
  HistoryBuilder& fault(const std::string& name, const std::string& detail) {
    return add({.connection = 0, .actor = "network", .kind = EventKind::fault, .fault = name, .detail = detail});
  }
  HistoryBuilder& connect(std::uint32_t connection, const std::string& actor) {
    const std::string password = secret_password;
    open(connection, actor);
    sent(connection, actor,
         Connect{ProtocolVersion::v3_1_1, true, 60, actor, std::nullopt, "alice",
                 Bytes(password.begin(), password.end()), {}},
         connect_bytes(actor, "alice", password));
    return received(connection, actor, Connack{}, {0x20, 0x02, 0x00, 0x00});
  }
  std::vector<Event> events() const { return events_; }

 private:
  HistoryBuilder& add(Event event) {
    event.sequence = events_.size() + 1;
    time_ns_ += 1'250'000;
    event.time_ns = time_ns_;
    events_.push_back(std::move(event));
    return *this;
  }
  std::vector<Event> events_;
  std::int64_t time_ns_ = 0;
};

}  // namespace

results::Results sample_results() {
  using results::Verdict;
  results::Results results;
  results.tool_version = "0.1.0";
  results.kind = "conformance";
  // The runner should already have removed the password; the reports redact again anyway.
  results.target = std::string("mqtt://alice:") + secret_password + "@127.0.0.1:1883";
  results.mqtt_version = "3.1.1";
  results.seed = 424242;
  results.started_at = "2026-11-25T12:00:00Z";
  results.duration_ms = 5321.5;
  results.summary = {1, 1, 1, 1, 0};

  HistoryBuilder passing;
  passing.connect(1, "probe")
      .sent(1, "probe", Pingreq{}, {0xC0, 0x00})
      .received(1, "probe", Pingresp{}, {0xD0, 0x00})
      .sent(1, "probe", Disconnect{}, {0xE0, 0x00})
      .closed(1, "probe", CloseReason::local_close);

  HistoryBuilder failing;
  failing.connect(1, "publisher").connect(2, "subscriber");
  failing.sent(2, "subscriber", Subscribe{ProtocolVersion::v3_1_1, 1, {{"sensors/+", QoS::at_least_once}}, {}},
               frame(0x82, {0x00, 0x01, 0x00, 0x09, 's', 'e', 'n', 's', 'o', 'r', 's', '/', '+', 0x01}))
      .received(2, "subscriber", Suback{ProtocolVersion::v3_1_1, 1, {1}, {}}, {0x90, 0x03, 0x00, 0x01, 0x01});
  const std::size_t slice_start = failing.events().size();
  failing
      .sent(1, "publisher",
            Publish{ProtocolVersion::v3_1_1, false, QoS::at_least_once, false, "sensors/t1", std::uint16_t{7},
                    {'2', '1', '.', '5'}, {}},
            publish_bytes("sensors/t1", QoS::at_least_once, 7, "21.5"))
      .received(1, "publisher", Puback{ProtocolVersion::v3_1_1, 7}, {0x40, 0x02, 0x00, 0x07})
      .received(2, "subscriber",
                Publish{ProtocolVersion::v3_1_1, true, QoS::at_least_once, false, "sensors/t1", std::uint16_t{1},
                        {'2', '1', '.', '5'}, {}},
                publish_bytes("sensors/t1", QoS::at_least_once, 1, "21.5", true))
      .fault("latency", "200 ms on subscriber <-> broker")
      .closed(2, "subscriber", CloseReason::reset);
  const std::vector<Event> failing_history = failing.events();
  const std::vector<Event> slice(failing_history.begin() + static_cast<std::ptrdiff_t>(slice_start),
                                 failing_history.end());

  const results::Violation violation{
      "MQTT-3.3.1-3", "MUST",
      "the broker forwarded a first delivery with DUP=1 to the subscriber <sensors/+> & then reset the connection",
      "publish-dup-first-delivery", slice};

  results.cases = {
      {"connect-ping", "CONNECT, PINGREQ and DISCONNECT", "3.1", Verdict::passed,
       {"MQTT-3.2.0-1", "MQTT-3.12.4-1"}, 6.25, "", {"connect as probe", "send PINGREQ", "expect PINGRESP",
                                                     "disconnect"},
       {}, passing.events()},
      {"publish-dup-first-delivery", "Forwarded PUBLISH has DUP=0 on first delivery", "3.3.1", Verdict::failed,
       {"MQTT-3.3.1-3"}, 1204.0, "DUP flag set on the first delivery of packet id 1",
       {"connect publisher and subscriber", "subscribe to sensors/+ at QoS 1", "publish sensors/t1 at QoS 1",
        "expect the subscriber to receive it with DUP=0"},
       {violation}, failing_history},
      {"will-delay-5", "Will delay interval", "3.1.2", Verdict::skipped, {"MQTT-3.1.3-9"}, 0,
       "needs MQTT 5.0; target speaks 3.1.1", {}, {}, {}},
      {"keep-alive-grace", "Keep alive grace period", "3.1.2", Verdict::warned, {"MQTT-3.1.2-24"}, 4100.5,
       "disconnected after 1.6 x keep alive (spec allows 1.5)", {"connect with keep alive 2 s", "stay silent"}, {},
       {}},
  };
  results.statements = {
      {"MQTT-3.2.0-1", "3.1.1", "3.2.0", "MUST", "The server answers a CONNECT with CONNACK.", Verdict::passed,
       {"connect-ping"}},
      {"MQTT-3.12.4-1", "3.1.1", "3.12.4", "MUST", "The server answers PINGREQ with PINGRESP.", Verdict::passed,
       {"connect-ping"}},
      {"MQTT-3.3.1-3", "3.1.1", "3.3.1", "MUST",
       "The DUP flag of a forwarded PUBLISH is set independently of the incoming one; a first delivery has DUP 0.",
       Verdict::failed, {"publish-dup-first-delivery"}},
      {"MQTT-3.1.2-24", "3.1.1", "3.1.2", "MUST",
       "The server disconnects a client silent for one and a half keep alive periods.", Verdict::warned,
       {"keep-alive-grace"}},
      {"MQTT-3.1.3-9", "3.1.1", "3.1.3", "MUST", "Will delay (5.0).", Verdict::skipped, {}},
  };
  results.violations = {violation};
  results.observed = {{"queues-qos0-offline", "kept 3 QoS 0 messages for an offline persistent session",
                       "connect-ping"}};
  // The shape simulator/fleet_stats.cpp writes.
  results.stats = {
      {"timeline",
       {{"seconds", 5},
        {"published", {120, 340, 310, 360, 90}},
        {"delivered", {118, 335, 300, 362, 95}},
        {"lost", {0, 2, 8, 0, 0}},
        {"connected", {40, 50, 42, 50, 50}},
        {"reconnects", {0, 0, 0, 8, 0}},
        {"latency_ms", {{"qos1", {{"p50", {2.1, 2.3, nullptr, 2.2, 2.0}}, {"p99", {9.0, 12.4, nullptr, 11, 8}},
                                  {"max", {10.0, 20.0, nullptr, 15, 9}}}}}},
        {"faults", {{{"kind", "latency"}, {"group", "dtu"}, {"fraction", 0.2}, {"from_s", 2.0}, {"to_s", 3.0}, {"events", 10}}}}}},
      {"delivery_latency_ms",
       {{"qos0", {{"count", 0}}}, {"qos1", {{"count", 1210}, {"p50", 2.1}, {"p90", 4.5}, {"p99", 12.4}, {"p99.9", 19.0}, {"max", 20.0}}}}},
      {"connect_latency_ms", {{"count", 50}, {"p50", 3.0}, {"p90", 4.0}, {"p99", 6.5}, {"p99.9", 6.5}, {"max", 6.5}}},
      {"fleet", {{"devices", 50}, {"connections", 58}, {"reconnects", 8}}},
  };
  return results;
}

std::vector<int> packet_types_in_order(const std::vector<history::Event>& events) {
  std::vector<int> types;
  for (const auto& event : events) {
    if ((event.kind == EventKind::sent || event.kind == EventKind::received) && event.packet) {
      types.push_back(static_cast<int>(event.packet->index()) + 1);
    }
  }
  return types;
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t count = 0;
  while ((count = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), count);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace mqtt::reports::testing
