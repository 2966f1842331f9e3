// MQTT 5.0 session expiry and will delay, timed from a close the harness's loop noticed late (Event::looked_ns):
// the close happened somewhere between when the loop last looked and when it noticed it, and each verdict takes
// the bound that favours the broker (model/v5_session_expiry.hpp, model/v5_will.hpp). Each test shows the late
// mark excusing a history, the same history without the mark still caught, and the offline judgement (the
// history through JSON Lines) giving the live verdict.
#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "checker_expectations.hpp"
#include "history/json.hpp"

namespace mqtt::model::testing {
namespace {

Property expiry_property(std::uint32_t seconds_value) {
  return Property{PropertyId::session_expiry_interval, seconds_value};
}

// Open + 5.0 CONNECT + CONNACK.
void connect5(HistoryBuilder& history, std::uint32_t connection, std::string client_id, std::uint32_t expiry,
              bool clean_start = true, bool session_present = false, std::optional<Will> will = std::nullopt) {
  history.open(connection, client_id);
  Connect connect;
  connect.version = ProtocolVersion::v5;
  connect.client_id = std::move(client_id);
  connect.clean_session = clean_start;
  connect.will = std::move(will);
  if (expiry != 0) connect.properties = {expiry_property(expiry)};
  history.sent(connection, connect);
  Connack connack;
  connack.version = ProtocolVersion::v5;
  connack.session_present = session_present;
  history.received(connection, connack);
}

Publish publish5(std::string topic, std::string_view payload, std::uint16_t id) {
  auto packet = HistoryBuilder::publish(std::move(topic), payload, QoS::at_least_once, id);
  packet.version = ProtocolVersion::v5;
  return packet;
}

// The same history without the late mark on its events: as if the loop had kept up.
history::History unmarked(history::History history) {
  for (auto& event : history.events) event.looked_ns.reset();
  return history;
}

Verdicts judge_history(const history::History& history, std::int64_t end_time) {
  Checker checker;
  for (const auto& event : history.events) checker.observe(event);
  return checker.finish(end_time);
}

// Offline: the history written as JSON Lines and read back, as `report` reads a saved history.
history::History through_json_lines(const history::History& history) {
  std::stringstream lines;
  history::write_json_lines(lines, history);
  return history::read_json_lines(lines, "late-close.jsonl");
}

// The server closed the connection of "c" (Session Expiry 2 s); its loop noticed the close `noticed_late` after it
// last looked; "c" comes back `offline` later (as noticed) and the server answers `session_present`.
HistoryBuilder expiry_history(std::int64_t noticed_late, std::int64_t offline, bool session_present) {
  HistoryBuilder history;
  connect5(history, 1, "c", 2);
  history.after(1 * seconds);
  history.closed(1, history::CloseReason::clean_eof);
  if (noticed_late != 0) history.looked_earlier(noticed_late);
  history.after(offline);
  connect5(history, 2, "c", 2, false, session_present);
  return history;
}

TEST(V5LateClose, ASessionIsNotDiscardedEarlyWhenItsCloseWasNoticedLate_MQTT_3_1_2_23) {
  // Noticed 3 s late, the close may have come 3.5 s before the reconnect: the 2 s expiry may have run out.
  const auto late = expiry_history(3 * seconds, 500 * milliseconds, false);
  const auto end = late.now() + 5 * seconds;
  EXPECT_SETTLED(judge_history(late.history(), end));
  EXPECT_SETTLED(judge_history(through_json_lines(late.history()), end));
  // The mark is what excuses it: the same close noticed in time leaves the session 0.5 s offline, well within.
  EXPECT_ONLY_STATEMENT(judge_history(unmarked(late.history()), end), "MQTT-3.1.2-23");
  // Late or not, a session discarded before even the earliest close plus its expiry is the violation.
  const auto early = expiry_history(300 * milliseconds, 300 * milliseconds, false);
  EXPECT_ONLY_STATEMENT(judge_history(early.history(), early.now() + 5 * seconds), "MQTT-3.1.2-23");
}

TEST(V5LateClose, ASessionKeptPastItsExpiryIsStillTimedFromTheCloseAsNoticed_MQTT_4_1_0_2) {
  // The noticed close is the latest the server can have closed: 5 s after it the session had surely expired.
  const auto kept = expiry_history(3 * seconds, 5 * seconds, true);
  EXPECT_ONLY_STATEMENT(judge_history(kept.history(), kept.now() + 5 * seconds), "MQTT-4.1.0-2");
}

// "c" has a will with `delay` s of Will Delay (Session Expiry 60 s); the server closes its connection and the loop
// notices `noticed_late` after it last looked; "c" reconnects `reconnect_after` later (if set), and the will
// reaches the watcher `will_after` after the noticed close (if >= 0).
HistoryBuilder will_history(std::uint32_t delay, std::int64_t noticed_late, std::optional<std::int64_t> reconnect_after,
                            std::int64_t will_after) {
  HistoryBuilder history;
  connect5(history, 2, "watcher", 0);
  Subscribe subscribe;
  subscribe.version = ProtocolVersion::v5;
  subscribe.packet_id = 1;
  Subscription subscription;
  subscription.filter = "w/c";
  subscription.qos = QoS::at_least_once;
  subscribe.subscriptions.push_back(subscription);
  history.sent(2, subscribe);
  Suback suback;
  suback.version = ProtocolVersion::v5;
  suback.packet_id = 1;
  suback.reason_codes = {1};
  history.received(2, suback);
  auto will = will_on("w/c", "mh1 will", QoS::at_least_once);
  will.properties = {Property{PropertyId::will_delay_interval, delay}};
  connect5(history, 1, "c", 60, true, false, will);
  history.after(1 * seconds);
  history.closed(1, history::CloseReason::clean_eof);
  if (noticed_late != 0) history.looked_earlier(noticed_late);
  std::int64_t elapsed = 0;
  if (reconnect_after) {
    history.after(*reconnect_after);
    elapsed = *reconnect_after;
    connect5(history, 3, "c", 60, false, true);
  }
  if (will_after >= 0) {
    history.after(will_after - elapsed);
    history.received(2, publish5("w/c", "mh1 will", 1));
    Puback puback;
    puback.version = ProtocolVersion::v5;
    puback.packet_id = 1;
    history.sent(2, puback);
  }
  return history;
}

TEST(V5LateClose, AWillIsNotEarlyWhenItsCloseWasNoticedLate_MQTT_3_1_2_8) {
  // Noticed 3 s late, the close may have come 3.5 s before the will: its 3 s delay may have run out.
  const auto late = will_history(3, 3 * seconds, std::nullopt, 500 * milliseconds);
  const auto end = late.now() + 10 * seconds;
  EXPECT_SETTLED(judge_history(late.history(), end));
  EXPECT_SETTLED(judge_history(through_json_lines(late.history()), end));
  EXPECT_ONLY_STATEMENT(judge_history(unmarked(late.history()), end), "MQTT-3.1.2-8");
  // Early even from the earliest close: still the violation.
  const auto early = will_history(5, 1 * seconds, std::nullopt, 500 * milliseconds);
  EXPECT_ONLY_STATEMENT(judge_history(early.history(), early.now() + 10 * seconds), "MQTT-3.1.2-8");
}

TEST(V5LateClose, AReconnectIsNotWithinTheDelayWhenTheCloseWasNoticedLate_MQTT_3_1_3_9) {
  // Will Delay 5 s, the close noticed 4.5 s late, the reconnect 0.8 s after it: the delay may have run out
  // (within the server's 1 s timer) before the server read the reconnect, so the will may already be out.
  const auto late = will_history(5, 4500 * milliseconds, 800 * milliseconds, 2 * seconds);
  const auto end = late.now() + 10 * seconds;
  EXPECT_SETTLED(judge_history(late.history(), end));
  EXPECT_SETTLED(judge_history(through_json_lines(late.history()), end));
  EXPECT_ONLY_STATEMENT(judge_history(unmarked(late.history()), end), "MQTT-3.1.3-9");
  // A reconnect well within the delay even from the earliest close: the will after it is still the violation.
  const auto within = will_history(5, 1 * seconds, 800 * milliseconds, 2 * seconds);
  EXPECT_ONLY_STATEMENT(judge_history(within.history(), within.now() + 10 * seconds), "MQTT-3.1.3-9");
}

}  // namespace
}  // namespace mqtt::model::testing
