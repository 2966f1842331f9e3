// History JSON must be lossless: every packet type, every version, every property wire type, bytes that are not
// UTF-8, decode errors and faults come back equal. Bad input fails with the key (and, in JSONL, the line) named.
#include <functional>
#include <sstream>

#include <gtest/gtest.h>

#include "history/json.hpp"

namespace mqtt::history {
namespace {

Properties every_property_type() {
  return {
      {PropertyId::payload_format_indicator, std::uint8_t{1}},
      {PropertyId::topic_alias, std::uint16_t{7}},
      {PropertyId::message_expiry_interval, std::uint32_t{3600}},
      {PropertyId::subscription_identifier, std::uint32_t{268'435'455}},
      {PropertyId::content_type, std::string("text/plain")},
      {PropertyId::correlation_data, Bytes{0x00, 0xFF, 0x10}},
      {PropertyId::user_property, StringPair{"region", "eu-west"}},
      {PropertyId::user_property, StringPair{"region", "second value, same key"}},
  };
}

std::vector<Packet> every_packet(ProtocolVersion version) {
  const bool v5 = version == ProtocolVersion::v5;
  const Properties properties = v5 ? every_property_type() : Properties{};
  Connect connect{version, false, 30, "client-1", Will{"will/topic", {'b', 'y', 'e'}, QoS::exactly_once, true,
                                                       properties},
                  "user", Bytes{'s', 'e', 'c', 'r', 'e', 't'}, properties};
  return {
      connect,
      Connect{version, true, 0, "", std::nullopt, std::nullopt, std::nullopt, {}},
      Connack{version, true, 5, properties},
      Publish{version, true, QoS::exactly_once, true, "a/b", std::uint16_t{42}, {'h', 'i'}, properties},
      Publish{version, false, QoS::at_most_once, false, "binary", std::nullopt, {0xC3, 0x28, 0x00}, {}},
      Puback{version, 1, 0x10, properties},
      Pubrec{version, 2, 0x80, properties},
      Pubrel{version, 3, 0x92, properties},
      Pubcomp{version, 4, 0, properties},
      Subscribe{version, 5, {{"a/+", QoS::at_least_once, true, true, 2}, {"#", QoS::at_most_once}}, properties},
      Suback{version, 5, {0, 1, 2, 0x80}, properties},
      Unsubscribe{version, 6, {"a/+", "#"}, properties},
      Unsuback{version, 6, {0, 0x11}, properties},
      Pingreq{version},
      Pingresp{version},
      Disconnect{version, 0x8E, properties},
      Auth{ProtocolVersion::v5, 0x18, every_property_type()},
  };
}

History history_with_every_event_kind() {
  History history;
  std::uint64_t sequence = 0;
  auto add = [&history, &sequence](Event event) {
    event.sequence = ++sequence;
    event.time_ns = static_cast<std::int64_t>(sequence) * 1'000'000;
    history.events.push_back(std::move(event));
  };
  add({.connection = 1, .actor = "publisher", .kind = EventKind::open, .detail = "peer 127.0.0.1:1883"});
  for (const auto version : {ProtocolVersion::v3_1, ProtocolVersion::v3_1_1, ProtocolVersion::v5}) {
    for (const Packet& packet : every_packet(version)) {
      add({.connection = 1, .actor = "publisher", .kind = EventKind::sent, .packet = packet, .raw = {0x10, 0x00}});
    }
  }
  add({.connection = 2, .actor = "subscriber", .kind = EventKind::open_failed, .detail = "connection refused"});
  add({.connection = 1,
       .actor = "publisher",
       .kind = EventKind::decode_error,
       .raw = {0x30, 0xFF},
       .error = DecodeError{17, PacketType::publish, "MQTT-3.3.1-4", "QoS 3 is not allowed"}});
  add({.connection = 1,
       .actor = "publisher",
       .kind = EventKind::decode_error,
       .raw = {0xFF},
       .error = DecodeError{0, std::nullopt, "", "reserved packet type 0"}});
  add({.connection = 0, .actor = "network", .kind = EventKind::fault, .fault = "partition", .detail = "for 2 s"});
  add({.connection = 1, .actor = "publisher", .kind = EventKind::note, .detail = "step 3: wait for PUBACK"});
  add({.connection = 1, .actor = "10.0.0.1:50000", .kind = EventKind::received, .packet = Pingresp{},
       .raw = {0xD0, 0x00}, .frame = std::uint64_t{99}});
  add({.connection = 1, .actor = "bad \xFF actor", .kind = EventKind::closed, .close_reason = CloseReason::reset});
  for (const auto reason : {CloseReason::clean_eof, CloseReason::timeout, CloseReason::protocol_error,
                            CloseReason::local_close, CloseReason::local_abort}) {
    add({.connection = 3, .actor = "device-7", .kind = EventKind::closed, .close_reason = reason});
  }
  history.events.back().time_ns = -5;  // times may precede the history's start in merged captures
  return history;
}

TEST(PacketJson, EveryPacketTypeOfEveryVersionRoundTrips) {
  for (const auto version : {ProtocolVersion::v3_1, ProtocolVersion::v3_1_1, ProtocolVersion::v5}) {
    for (const Packet& packet : every_packet(version)) {
      const nlohmann::json json = packet_to_json(packet);
      SCOPED_TRACE(json.dump());
      EXPECT_EQ(packet_from_json(nlohmann::json::parse(json.dump())), packet);
    }
  }
}

TEST(PacketJson, ShowsReadableFields) {
  const nlohmann::json json =
      packet_to_json(Publish{ProtocolVersion::v5, false, QoS::at_least_once, true, "a/b", std::uint16_t{9},
                             {'h', 'i'}, {{PropertyId::content_type, std::string("text/plain")}}});
  EXPECT_EQ(json["type"], "PUBLISH");
  EXPECT_EQ(json["version"], "5.0");
  EXPECT_EQ(json["topic"], "a/b");
  EXPECT_EQ(json["qos"], 1);
  EXPECT_EQ(json["packet_id"], 9);
  EXPECT_EQ(json["payload"], "6869");
  EXPECT_EQ(json["payload_text"], "hi");
  EXPECT_EQ(json["properties"][0]["name"], "content_type");
}

TEST(PacketJson, TextThatIsNotUtf8IsKeptAsHex) {
  const Publish publish{ProtocolVersion::v3_1_1, false, QoS::at_most_once, false, "a\xC0\xAF" "b", std::nullopt,
                        {0xFF}, {}};
  const nlohmann::json json = packet_to_json(publish);
  EXPECT_EQ(json["topic"]["hex"], "61c0af62");
  EXPECT_FALSE(json.contains("payload_text"));
  EXPECT_EQ(packet_from_json(json), Packet{publish});
}

TEST(PacketJson, UnknownPropertyIdRoundTrips) {
  const Connack connack{ProtocolVersion::v5, false, 0, {{static_cast<PropertyId>(0x7F), std::uint8_t{3}}}};
  const nlohmann::json json = packet_to_json(connack);
  EXPECT_EQ(json["properties"][0]["name"], "unknown_127");
  EXPECT_EQ(packet_from_json(json), Packet{connack});
}

TEST(EventJson, EveryEventKindRoundTripsThroughJsonLines) {
  const History history = history_with_every_event_kind();
  std::stringstream stream;
  write_json_lines(stream, history);
  const History read_back = read_json_lines(stream, "every.jsonl");
  ASSERT_EQ(read_back.events.size(), history.events.size());
  for (std::size_t index = 0; index < history.events.size(); ++index) {
    EXPECT_EQ(read_back.events[index], history.events[index]) << to_json_line(history.events[index]);
  }
}

TEST(EventJson, WebSocketDetailRoundTripsAndKeepsAnEmptyChoice) {
  Event open{.sequence = 1, .connection = 1, .kind = EventKind::open, .detail = "peer 127.0.0.1:1"};
  open.websocket = WebSocketDetail{.offered = "mqtt", .subprotocol = ""};  // the server named no sub-protocol
  Event message{.sequence = 2, .connection = 1, .kind = EventKind::note, .detail = "WebSocket text message"};
  message.websocket = WebSocketDetail{.frame = "text", .size = 5};
  for (const Event& event : {open, message}) {
    const nlohmann::json json = event_to_json(event);
    EXPECT_TRUE(json.contains("websocket")) << json.dump();
    EXPECT_EQ(event_from_json(json), event) << json.dump();
  }
  EXPECT_EQ(event_to_json(open)["websocket"]["subprotocol"], "");
}

TEST(EventJson, WhenTheLoopLastLookedRoundTripsAndOlderLinesReadWithoutIt) {
  Event closed{.sequence = 7, .time_ns = 2'750'000'000, .connection = 1, .kind = EventKind::closed,
               .close_reason = CloseReason::clean_eof};
  closed.looked_ns = 2'450'000'000;
  const nlohmann::json json = event_to_json(closed);
  EXPECT_EQ(json["looked_ns"], 2'450'000'000);
  EXPECT_EQ(event_from_json(json), closed);
  EXPECT_EQ(earliest_time(closed), 2'450'000'000);
  // A line written before the field existed: the event was noticed on time as far as anyone knows.
  const Event older = event_from_json(nlohmann::json::parse(
      R"({"sequence":7,"time_ns":2750000000,"connection":1,"actor":"a","kind":"closed","close_reason":"clean_eof"})"));
  EXPECT_FALSE(older.looked_ns.has_value());
  EXPECT_EQ(earliest_time(older), 2'750'000'000);
}

TEST(EventJson, OneLinePerEventWithoutTrailingNewline) {
  const History history = history_with_every_event_kind();
  const std::string line = to_json_line(history.events.front());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(line)["kind"], "open");
}

TEST(EventJson, OmitsFieldsTheEventDoesNotUse) {
  const nlohmann::json json = event_to_json(Event{.sequence = 1, .kind = EventKind::note, .detail = "x"});
  EXPECT_FALSE(json.contains("packet"));
  EXPECT_FALSE(json.contains("raw"));
  EXPECT_FALSE(json.contains("close_reason"));
  EXPECT_FALSE(json.contains("error"));
  EXPECT_FALSE(json.contains("fault"));
  EXPECT_FALSE(json.contains("looked_ns"));
  EXPECT_EQ(json["detail"], "x");
}

TEST(EventNames, KindsAndCloseReasonsHaveStableNames) {
  EXPECT_EQ(to_string(EventKind::decode_error), "decode_error");
  EXPECT_EQ(to_string(EventKind::open_failed), "open_failed");
  EXPECT_EQ(to_string(CloseReason::local_abort), "local_abort");
  EXPECT_EQ(to_string(CloseReason::clean_eof), "clean_eof");
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const FormatError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(PacketJsonErrors, NameTheKey) {
  EXPECT_EQ(error_of([] { packet_from_json(nlohmann::json::parse(R"({"version":"3.1.1"})")); }),
            "key \"type\": missing");
  EXPECT_EQ(error_of([] { packet_from_json(nlohmann::json::parse(R"({"type":"PUBLISH","version":"3.1.1"})")); }),
            "key \"dup\": missing");
  EXPECT_EQ(error_of([] {
              packet_from_json(nlohmann::json::parse(
                  R"({"type":"PUBLISH","version":"3.1.1","dup":false,"qos":3,"retain":false,"topic":"t","payload":""})"));
            }),
            "key \"qos\": value 3 exceeds 2");
  EXPECT_EQ(error_of([] { packet_from_json(nlohmann::json::parse(R"({"type":"PUBLISH","version":"4"})")); }),
            "key \"version\": unknown protocol version \"4\" (expected 3.1, 3.1.1 or 5.0)");
  EXPECT_EQ(error_of([] { packet_from_json(nlohmann::json::parse(R"({"type":"BOGUS","version":"5.0"})")); }),
            "key \"type\": unknown packet type \"BOGUS\"");
  EXPECT_EQ(error_of([] {
              packet_from_json(nlohmann::json::parse(
                  R"({"type":"CONNACK","version":"5.0","session_present":false,"reason_code":0,
                      "properties":[{"id":1,"type":"byte","value":"x"}]})"));
            }),
            "key \"properties[0].value\": expected a non-negative integer, got string");
  EXPECT_EQ(error_of([] {
              packet_from_json(nlohmann::json::parse(
                  R"({"type":"SUBACK","version":"3.1.1","packet_id":1,"reason_codes":[0,"x"]})"));
            }),
            "key \"reason_codes[1]\": expected a non-negative integer, got string");
  EXPECT_EQ(error_of([] {
              packet_from_json(nlohmann::json::parse(
                  R"({"type":"PUBLISH","version":"3.1.1","dup":false,"qos":0,"retain":false,"topic":"t","payload":"abc"})"));
            }),
            "key \"payload\": hex text has an odd number of digits");
  EXPECT_EQ(error_of([] { packet_from_json(nlohmann::json::array()); }), "expected a JSON object, got array");
}

TEST(EventJsonErrors, NestedKeysArePrefixedWithTheirParent) {
  EXPECT_EQ(error_of([] {
              event_from_json(nlohmann::json::parse(
                  R"({"sequence":1,"time_ns":0,"connection":1,"actor":"a","kind":"sent",
                      "packet":{"type":"PUBACK","version":"3.1.1","reason_code":0}})"));
            }),
            "key \"packet.packet_id\": missing");
  EXPECT_EQ(error_of([] {
              event_from_json(nlohmann::json::parse(
                  R"({"sequence":1,"time_ns":0,"connection":1,"actor":"a","kind":"closed","close_reason":"gone"})"));
            }),
            "key \"close_reason\": unknown value \"gone\" (expected one of clean_eof, reset, timeout, "
            "protocol_error, local_close, local_abort)");
  EXPECT_EQ(error_of([] {
              event_from_json(nlohmann::json::parse(
                  R"({"sequence":-1,"time_ns":0,"connection":1,"actor":"a","kind":"note"})"));
            }),
            "key \"sequence\": expected a non-negative integer, got number");
}

TEST(JsonLinesErrors, NameTheSourceAndLine) {
  const History history = history_with_every_event_kind();
  std::stringstream good;
  write_json_lines(good, history);
  std::string text = good.str();

  std::stringstream not_json(to_json_line(history.events[0]) + "\n\n{not json\n");
  const std::string syntax = error_of([&] { read_json_lines(not_json, "run.jsonl"); });
  EXPECT_EQ(syntax.rfind("run.jsonl:3: not valid JSON: ", 0), 0u) << syntax;

  std::stringstream bad_event(to_json_line(history.events[0]) + "\n" + to_json_line(history.events[1]) +
                              "\n{\"sequence\":3}\n");
  EXPECT_EQ(error_of([&] { read_json_lines(bad_event, "run.jsonl"); }), "run.jsonl:3: key \"time_ns\": missing");
}

TEST(JsonLines, SkipsBlankLinesAndCarriageReturns) {
  const History history = history_with_every_event_kind();
  std::stringstream stream("\r\n" + to_json_line(history.events[0]) + "\r\n  \n" + to_json_line(history.events[1]));
  const History read_back = read_json_lines(stream, "crlf.jsonl");
  ASSERT_EQ(read_back.events.size(), 2u);
  EXPECT_EQ(read_back.events[1], history.events[1]);
}

}  // namespace
}  // namespace mqtt::history
