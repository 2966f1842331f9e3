// MQTT over WebSocket (harness/model/websocket.cpp), one hand-built history per rule: the conformant history passes
// with the statement exercised, the breaking one yields exactly that statement. Binary frames only, and a close after
// a text frame [MQTT-6.0.0-1]; a packet split across frames taken like any other [MQTT-6.0.0-2]; the mqtt
// sub-protocol chosen when offered [MQTT-6.0.0-4].
#include <gtest/gtest.h>

#include <string>

#include "checker_expectations.hpp"

namespace mqtt::model::testing {
namespace {

history::WebSocketDetail upgrade(std::string offered, std::string chosen) {
  history::WebSocketDetail detail;
  detail.offered = std::move(offered);
  detail.subprotocol = std::move(chosen);
  return detail;
}

history::WebSocketDetail framed(std::string frame, std::uint64_t size = 0) {
  history::WebSocketDetail detail;
  detail.frame = std::move(frame);
  detail.size = size;
  return detail;
}

// Open over WebSocket (offering `offered`, the server choosing `chosen`) + CONNECT + CONNACK in a binary message.
void connected_over_websocket(HistoryBuilder& history, std::uint32_t connection, const std::string& chosen,
                              const std::string& offered = "mqtt", const std::string& connack_frame = "binary") {
  history.open(connection, "c");
  history.websocket(upgrade(offered, chosen));
  Connect connect;
  connect.client_id = "c";
  history.sent(connection, connect);
  history.received(connection, Connack{});
  history.note(connection, "WebSocket message");
  history.websocket(framed(connack_frame, 4));
}

TEST(WebSocketRules, TheServerChoosesTheMqttSubprotocolItWasOffered) {
  HistoryBuilder chosen;
  connected_over_websocket(chosen, 1, "mqtt");
  const auto verdicts = judge(chosen);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(verdicts.exercised.contains("MQTT-6.0.0-4"));
  HistoryBuilder other;
  connected_over_websocket(other, 1, "mqttv3.1");
  EXPECT_ONLY_STATEMENT(judge(other), "MQTT-6.0.0-4");
  HistoryBuilder none;
  connected_over_websocket(none, 1, "");
  EXPECT_ONLY_STATEMENT(judge(none), "MQTT-6.0.0-4");
  // A bridge offered only "binary" (websockify): the rule binds a server offered "mqtt", and none was.
  HistoryBuilder bridge;
  connected_over_websocket(bridge, 1, "binary", "binary");
  EXPECT_SETTLED(judge(bridge));
}

TEST(WebSocketRules, TheServerSendsBinaryMessagesOnly) {
  HistoryBuilder binary;
  connected_over_websocket(binary, 1, "mqtt");
  const auto verdicts = judge(binary);
  EXPECT_TRUE(verdicts.exercised.contains("MQTT-6.0.0-1"));
  HistoryBuilder text;
  connected_over_websocket(text, 1, "mqtt", "mqtt", "text");
  EXPECT_ONLY_STATEMENT(judge(text), "MQTT-6.0.0-1");
}

TEST(WebSocketRules, ATextFrameFromTheClientIsAnsweredByAClose) {
  HistoryBuilder closed;
  connected_over_websocket(closed, 1, "mqtt");
  closed.sent(1, Pingreq{});
  closed.websocket(framed("text"));
  closed.closed(1, history::CloseReason::clean_eof);
  const auto verdicts = judge(closed);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(verdicts.exercised.contains("MQTT-6.0.0-1"));
  HistoryBuilder answered;
  connected_over_websocket(answered, 1, "mqtt");
  answered.sent(1, Pingreq{});
  answered.websocket(framed("text"));
  answered.received(1, Pingresp{});
  answered.after(5 * seconds);
  answered.closed(1, history::CloseReason::local_close);
  EXPECT_ONLY_STATEMENT(judge(answered), "MQTT-6.0.0-1");
}

TEST(WebSocketRules, APacketSplitAcrossFramesIsTakenNotRefused) {
  HistoryBuilder taken;
  connected_over_websocket(taken, 1, "mqtt");
  taken.sent(1, HistoryBuilder::publish("a/b", "split"));
  taken.websocket(framed("split"));
  taken.sent(1, Disconnect{});
  taken.closed(1, history::CloseReason::local_close);
  const auto verdicts = judge(taken);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(verdicts.exercised.contains("MQTT-6.0.0-2"));
  HistoryBuilder refused;
  connected_over_websocket(refused, 1, "mqtt");
  refused.sent(1, HistoryBuilder::publish("a/b", "split"));
  refused.websocket(framed("split"));
  refused.closed(1, history::CloseReason::clean_eof);
  EXPECT_ONLY_STATEMENT(judge(refused), "MQTT-6.0.0-2");
}

// Connection 1 sends a split PUBLISH; connection 2 then opens and sends a CONNECT with client id `id`; the
// server closes connection 1 before connection 2's CONNACK (`refused_first`: connection 2 is refused first,
// with CONNACK 5, and connects again later).
HistoryBuilder closed_while_another_connects(const std::string& id, bool refused_first = false) {
  HistoryBuilder history;
  connected_over_websocket(history, 1, "mqtt");
  Connect connect;
  connect.client_id = id;
  if (refused_first) {
    history.open(3, id);
    history.sent(3, connect);
    Connack refusal;
    refusal.reason_code = 5;
    history.received(3, refusal);
    history.closed(3, history::CloseReason::clean_eof);
  }
  history.sent(1, HistoryBuilder::publish("a/b", "split"));
  history.websocket(framed("split"));
  if (refused_first) {
    history.closed(1, history::CloseReason::clean_eof);
    return history;
  }
  history.open(2, id);
  history.websocket(upgrade("mqtt", "mqtt"));
  history.sent(2, connect);
  history.closed(1, history::CloseReason::clean_eof);
  history.received(2, Connack{});
  history.sent(2, Disconnect{});
  history.closed(2, history::CloseReason::local_close);
  return history;
}

TEST(WebSocketRules, ATakeoverExplainsACloseAfterASplitPacketBeforeTheNewConnack) {
  EXPECT_SETTLED(judge(closed_while_another_connects("c")));
  // Another client's CONNECT explains nothing: the close still refuses the split packet.
  EXPECT_ONLY_STATEMENT(judge(closed_while_another_connects("d")), "MQTT-6.0.0-2");
  // Nor does a CONNECT with the same id that the server refused.
  EXPECT_ONLY_STATEMENT(judge(closed_while_another_connects("c", true)), "MQTT-6.0.0-2");
}

TEST(WebSocketRules, KeepAliveExpiryExplainsACloseAfterASplitPacket) {
  // Keep alive 60 s (the CONNECT's default here): the server may close once 90 s pass without a packet.
  for (const auto silence : {90 * seconds, 89 * seconds}) {
    HistoryBuilder history;
    connected_over_websocket(history, 1, "mqtt");
    history.sent(1, HistoryBuilder::publish("a/b", "split"));
    history.websocket(framed("split"));
    history.after(silence).closed(1, history::CloseReason::clean_eof);
    if (silence == 90 * seconds) {
      EXPECT_SETTLED(judge(history));
    } else {
      EXPECT_ONLY_STATEMENT(judge(history), "MQTT-6.0.0-2");
    }
  }
}

TEST(WebSocketRules, AFiveZeroConnectionCitesTheFiveZeroCatalog) {
  HistoryBuilder text;
  text.open(1, "c");
  text.websocket(upgrade("mqtt", "mqtt"));
  Connect connect;
  connect.version = ProtocolVersion::v5;
  connect.client_id = "c";
  text.sent(1, connect);
  Connack connack;
  connack.version = ProtocolVersion::v5;
  text.received(1, connack);
  text.note(1, "WebSocket message");
  text.websocket(framed("text", 3));
  const auto verdicts = judge(text);
  ASSERT_EQ(verdicts.violations.size(), 1u);
  EXPECT_EQ(verdicts.violations.front().statement, "MQTT-6.0.0-1");
  EXPECT_EQ(verdicts.violations.front().spec, "5.0");
}

}  // namespace
}  // namespace mqtt::model::testing
