// MQTT 5.0 rules of the checker, one hand-built history per rule: a conformant history that passes with the
// statement exercised, a breaking history that yields exactly one violation citing the 5.0 id, and a legal
// variation that passes. Every verdict on a 5.0 connection cites the 5.0 catalog.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

#include "catalog/catalog.hpp"
#include "checker_expectations.hpp"
#include "model/statement_citation.hpp"

namespace mqtt::model::testing {
namespace {

Property property(PropertyId id, std::uint32_t value) {
  switch (id) {
    case PropertyId::payload_format_indicator:
    case PropertyId::maximum_qos:
    case PropertyId::retain_available:
    case PropertyId::request_problem_information:
    case PropertyId::request_response_information:
      return Property{id, static_cast<std::uint8_t>(value)};
    case PropertyId::receive_maximum:
    case PropertyId::topic_alias_maximum:
    case PropertyId::topic_alias:
    case PropertyId::server_keep_alive:
      return Property{id, static_cast<std::uint16_t>(value)};
    default:
      return Property{id, value};
  }
}

Property text_property(PropertyId id, std::string text) { return Property{id, std::move(text)}; }
Property user_property(std::string name, std::string value) {
  return Property{PropertyId::user_property, StringPair{std::move(name), std::move(value)}};
}

struct Session5 {  // the {} keep designated initializers that leave a field out free of warnings
  Properties connect{};
  Properties connack{};
  bool clean_start = true;
  bool session_present = false;
  std::optional<Will> will{};
  std::uint16_t keep_alive = 0;
};

// Open + 5.0 CONNECT + CONNACK; returns the CONNACK's sequence.
std::uint64_t connect5(HistoryBuilder& history, std::uint32_t connection, std::string client_id, Session5 session = {}) {
  history.open(connection, client_id);
  Connect connect;
  connect.version = ProtocolVersion::v5;
  connect.client_id = std::move(client_id);
  connect.clean_session = session.clean_start;
  connect.keep_alive = session.keep_alive;
  connect.will = std::move(session.will);
  connect.properties = std::move(session.connect);
  history.sent(connection, connect);
  Connack connack;
  connack.version = ProtocolVersion::v5;
  connack.session_present = session.session_present;
  connack.properties = std::move(session.connack);
  return history.received(connection, connack);
}

Subscription option(std::string filter, QoS qos, bool no_local = false, bool retain_as_published = false,
                    std::uint8_t retain_handling = 0) {
  Subscription subscription;
  subscription.filter = std::move(filter);
  subscription.qos = qos;
  subscription.no_local = no_local;
  subscription.retain_as_published = retain_as_published;
  subscription.retain_handling = retain_handling;
  return subscription;
}

// SUBSCRIBE + SUBACK granting what was asked; returns the SUBACK's sequence.
std::uint64_t subscribe5(HistoryBuilder& history, std::uint32_t connection, std::uint16_t packet_id,
                         Subscription subscription, Properties properties = {}) {
  Subscribe subscribe;
  subscribe.version = ProtocolVersion::v5;
  subscribe.packet_id = packet_id;
  subscribe.properties = std::move(properties);
  const auto granted = static_cast<std::uint8_t>(subscription.qos);
  subscribe.subscriptions.push_back(std::move(subscription));
  history.sent(connection, subscribe);
  Suback suback;
  suback.version = ProtocolVersion::v5;
  suback.packet_id = packet_id;
  suback.reason_codes = {granted};
  return history.received(connection, suback);
}

Publish publish5(std::string topic, std::string_view payload, QoS qos = QoS::at_most_once,
                 std::optional<std::uint16_t> id = std::nullopt, bool retain = false, Properties properties = {}) {
  auto packet = publish(std::move(topic), payload, qos, id, retain);
  packet.version = ProtocolVersion::v5;
  packet.properties = std::move(properties);
  return packet;
}

template <typename Ack>
Ack ack5(std::uint16_t id, std::uint8_t reason = 0) {
  auto packet = ack<Ack>(id);
  packet.version = ProtocolVersion::v5;
  packet.reason_code = reason;
  return packet;
}

Disconnect disconnect5(std::uint8_t reason, Properties properties = {}) {
  Disconnect packet;
  packet.version = ProtocolVersion::v5;
  packet.reason_code = reason;
  packet.properties = std::move(properties);
  return packet;
}

bool exercised5(const Verdicts& verdicts, const std::string& statement) {
  const auto spec = verdicts.exercised_by_spec.find("5.0");
  return spec != verdicts.exercised_by_spec.end() && spec->second.contains(statement);
}

// Publisher on 1, subscriber on 2 (QoS 1 on 'a/b'), one QoS 1 message on 'a/b' sent and acknowledged.
HistoryBuilder forwarding_history(Properties published, Properties forwarded, QoS forwarded_qos = QoS::at_least_once) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once));
  history.sent(1, publish5("a/b", "mh1 m1", QoS::at_least_once, 7, false, std::move(published)));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5("a/b", "mh1 m1", forwarded_qos, forwarded_qos == QoS::at_most_once
                                                                   ? std::nullopt : std::optional<std::uint16_t>(1),
                               false, std::move(forwarded)));
  if (forwarded_qos != QoS::at_most_once) history.sent(2, ack5<Puback>(1));
  return history;
}

// ---- citation ---------------------------------------------------------------------------------------------

TEST(V5Citation, AConformantExchangeCitesOnlyTheFiveZeroCatalog) {
  const auto verdicts = judge(forwarding_history({}, {}));
  EXPECT_SETTLED(verdicts);
  EXPECT_EQ(verdicts.exercised_by_spec.size(), 1u);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.5.0-1"));
  EXPECT_TRUE(exercised5(verdicts, "MQTT-3.8.4-8"));
  EXPECT_FALSE(verdicts.exercised.contains("MQTT-2.3.1-7"));  // a 3.1.1 id of the shared rules never leaks
}

// The translation of the shared rules' 3.1.1 ids: every one becomes a 5.0 catalog id or nothing, never an id
// 5.0 does not have; on 3.1.1 connections ids stay as they are.
TEST(V5Citation, EveryThreeOneOneIdTranslatesIntoTheFiveZeroCatalogOrNothing) {
  for (const auto& statement : catalog::statements("3.1.1")) {
    const auto cited = detail::cited_statement(ProtocolVersion::v5, statement.id);
    if (!cited.empty()) {
      EXPECT_NE(catalog::find(cited, "5.0"), nullptr) << statement.id << " -> " << cited;
    }
    EXPECT_EQ(detail::cited_statement(ProtocolVersion::v3_1_1, statement.id), statement.id);
  }
  EXPECT_EQ(detail::cited_statement(ProtocolVersion::v5, "MQTT-3.1.2-24"), "MQTT-3.1.2-22");  // keep alive
  EXPECT_EQ(detail::cited_statement(ProtocolVersion::v3_1_1, detail::v5("MQTT-3.3.4-9")), "MQTT-3.3.4-9");
}

// Every id a 5.0 history can make the checker cite is a statement of the 5.0 catalog: the union of what the
// histories of this file exercise and violate.
TEST(V5Citation, EveryCitedIdIsInTheFiveZeroCatalog) {
  const auto verdicts = judge(forwarding_history({property(PropertyId::message_expiry_interval, 30)}, {}));
  for (const auto& statement : verdicts.exercised) {
    EXPECT_NE(catalog::find(statement, "5.0"), nullptr) << statement;
  }
}

TEST(V5Citation, AMissingPubackCitesTheFiveZeroQosOneRule) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 m1", QoS::at_least_once, 7));
  const auto verdicts = judge(history);
  EXPECT_ONLY_STATEMENT(verdicts, "MQTT-4.3.2-4");
  EXPECT_EQ(verdicts.violations.front().spec, "5.0");
}

TEST(V5Citation, ShortFormAcknowledgementsWithReasonZeroPass) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 m1", QoS::exactly_once, 7));
  history.received(1, ack5<Pubrec>(7));
  history.sent(1, ack5<Pubrel>(7));
  history.received(1, ack5<Pubcomp>(7));
  EXPECT_SETTLED(judge(history));
}

// ---- CONNACK ------------------------------------------------------------------------------------------------

TEST(V5Connack, AnEmptyClientIdNeedsAnAssignedClientIdentifier) {
  HistoryBuilder accepted;
  connect5(accepted, 1, "", {.connack = {text_property(PropertyId::assigned_client_identifier, "auto-1")}});
  const auto passing = judge(accepted);
  EXPECT_SETTLED(passing);
  EXPECT_TRUE(exercised5(passing, "MQTT-3.2.2-16"));
  HistoryBuilder unnamed;
  connect5(unnamed, 1, "");
  EXPECT_ONLY_STATEMENT(judge(unnamed), "MQTT-3.2.2-16");
}

TEST(V5Connack, AnAssignedClientIdentifierIsNoLiveSessionsId) {
  for (const std::string assigned : {"auto-1", "taken"}) {
    HistoryBuilder history;
    connect5(history, 1, "taken");
    connect5(history, 2, "", {.connack = {text_property(PropertyId::assigned_client_identifier, assigned)}});
    const auto verdicts = judge(history);
    EXPECT_TRUE(exercised5(verdicts, "MQTT-3.1.3-6"));
    if (assigned == "auto-1") {
      EXPECT_SETTLED(verdicts);
    } else {
      EXPECT_ONLY_STATEMENT(verdicts, "MQTT-3.1.3-6");
    }
  }
}

TEST(V5Connack, ResponseInformationOnlyWhenRequested) {
  HistoryBuilder history;
  connect5(history, 1, "c", {.connack = {text_property(PropertyId::response_information, "r/")}});
  EXPECT_ONLY_STATEMENT(judge(history), "MQTT-3.1.2-28");
  HistoryBuilder requested;
  connect5(requested, 1, "c",
           {.connect = {property(PropertyId::request_response_information, 1)},
            .connack = {text_property(PropertyId::response_information, "r/")}});
  EXPECT_SETTLED(judge(requested));
}

TEST(V5Connack, ServerKeepAliveReplacesTheClientsForTheKeepAliveRule) {
  // Legal: the server declares 2 s and closes 3 s into the silence, long before the client's 60 s.
  HistoryBuilder shortened;
  connect5(shortened, 1, "c", {.connack = {property(PropertyId::server_keep_alive, 2)}, .keep_alive = 60});
  shortened.after(3 * seconds).closed(1, history::CloseReason::clean_eof);
  const auto passing = judge(shortened);
  EXPECT_SETTLED(passing);
  EXPECT_TRUE(exercised5(passing, "MQTT-3.1.2-22"));
  // Broken: 2 s declared, the connection still open 6 s into the silence.
  HistoryBuilder kept;
  connect5(kept, 1, "c", {.connack = {property(PropertyId::server_keep_alive, 2)}, .keep_alive = 60});
  kept.after(6 * seconds).closed(1, history::CloseReason::local_close);
  EXPECT_ONLY_STATEMENT(judge(kept), "MQTT-3.1.2-22");
}

TEST(V5Connack, RetainAvailableZeroOwesRefusalNotStorage) {
  HistoryBuilder refused;
  connect5(refused, 1, "c", {.connack = {property(PropertyId::retain_available, 0)}});
  refused.sent(1, publish5("a/b", "mh1 r", QoS::at_least_once, 3, true));
  refused.received(1, disconnect5(0x9A));
  refused.closed(1, history::CloseReason::clean_eof);
  const auto passing = judge(refused);
  EXPECT_SETTLED(passing);
  EXPECT_TRUE(exercised5(passing, "MQTT-3.2.2-14"));
  HistoryBuilder kept_open;
  connect5(kept_open, 1, "c", {.connack = {property(PropertyId::retain_available, 0)}});
  kept_open.sent(1, publish5("a/b", "mh1 r", QoS::at_least_once, 3, true));
  kept_open.after(3 * seconds).sent(1, Pingreq{ProtocolVersion::v5});
  EXPECT_ONLY_STATEMENT(judge(kept_open), "MQTT-3.2.2-14");
}

// ---- sessions -------------------------------------------------------------------------------------------------

HistoryBuilder reconnect_after(std::int64_t offline, bool session_present, std::uint32_t expiry = 2) {
  HistoryBuilder history;
  connect5(history, 1, "c", {.connect = {property(PropertyId::session_expiry_interval, expiry)}});
  history.closed(1, history::CloseReason::local_abort);
  history.after(offline);
  connect5(history, 2, "c",
           {.connect = {property(PropertyId::session_expiry_interval, expiry)}, .clean_start = false,
            .session_present = session_present});
  return history;
}

TEST(V5Sessions, ASessionIsResumedWithinItsExpiry) {
  const auto verdicts = judge(reconnect_after(500 * milliseconds, true));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-3.1.2-23"));
  EXPECT_ONLY_STATEMENT(judge(reconnect_after(500 * milliseconds, false)), "MQTT-3.1.2-23");
}

TEST(V5Sessions, ASessionIsGoneAfterItsExpiry) {
  const auto verdicts = judge(reconnect_after(5 * seconds, false));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.1.0-2"));
  EXPECT_ONLY_STATEMENT(judge(reconnect_after(5 * seconds, true)), "MQTT-4.1.0-2");
}

TEST(V5Sessions, EitherAnswerIsAllowedAtTheEdgeOfTheExpiry) {
  EXPECT_SETTLED(judge(reconnect_after(2 * seconds, true)));
  EXPECT_SETTLED(judge(reconnect_after(2 * seconds, false)));
}

TEST(V5Sessions, ExpiryZeroEndsTheSessionWithTheConnectionAndNeverExpiresKeepsIt) {
  EXPECT_ONLY_STATEMENT(judge(reconnect_after(100 * milliseconds, true, 0)), "MQTT-3.2.2-3");
  EXPECT_SETTLED(judge(reconnect_after(100 * seconds, true, 0xFFFFFFFF)));
}

TEST(V5Sessions, CleanStartWithSessionPresentIsAViolation) {
  HistoryBuilder history;
  connect5(history, 1, "c", {.session_present = true});
  EXPECT_ONLY_STATEMENT(judge(history), "MQTT-3.2.2-2");
}

// ---- wills ----------------------------------------------------------------------------------------------------

HistoryBuilder will_history(std::uint32_t delay, std::int64_t will_after, std::optional<std::int64_t> reconnect_after) {
  HistoryBuilder history;
  connect5(history, 2, "watcher");
  subscribe5(history, 2, 1, option("w/c", QoS::at_least_once));
  auto will = will_on("w/c", "mh1 will", QoS::at_least_once);
  will.properties = {property(PropertyId::will_delay_interval, delay)};
  connect5(history, 1, "c", {.connect = {property(PropertyId::session_expiry_interval, 60)}, .will = will});
  history.closed(1, history::CloseReason::local_abort);
  if (reconnect_after) {
    history.after(*reconnect_after);
    connect5(history, 3, "c",
             {.connect = {property(PropertyId::session_expiry_interval, 60)}, .clean_start = false,
              .session_present = true});
  }
  if (will_after >= 0) {
    history.after(will_after);
    history.received(2, publish5("w/c", "mh1 will", QoS::at_least_once, 1));
    history.sent(2, ack5<Puback>(1));
  }
  return history;
}

TEST(V5Wills, TheWillWaitsForItsDelay) {
  const auto verdicts = judge(will_history(3, 3 * seconds, std::nullopt), 10 * seconds);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-3.1.2-8"));
}

TEST(V5Wills, AWillBeforeItsDelayIsAViolation) {
  EXPECT_ONLY_STATEMENT(judge(will_history(5, 100 * milliseconds, std::nullopt), 10 * seconds), "MQTT-3.1.2-8");
}

TEST(V5Wills, AReconnectWithinTheDelayCancelsTheWill) {
  const auto cancelled = judge(will_history(5, -1, 1 * seconds), 10 * seconds);
  EXPECT_SETTLED(cancelled);
  EXPECT_TRUE(exercised5(cancelled, "MQTT-3.1.3-9"));
  EXPECT_ONLY_STATEMENT(judge(will_history(5, 2 * seconds, 1 * seconds), 10 * seconds), "MQTT-3.1.3-9");
}

TEST(V5Wills, ACleanStartReconnectEndsTheSessionSoTheWillIsDueAtOnce) {
  // The fleet's devices reconnect with Clean Start 1: the old session, and with it the will delay, ends then.
  HistoryBuilder history;
  connect5(history, 2, "watcher");
  subscribe5(history, 2, 1, option("w/c", QoS::at_least_once));
  auto will = will_on("w/c", "mh1 will", QoS::at_least_once);
  will.properties = {property(PropertyId::will_delay_interval, 5)};
  connect5(history, 1, "c", {.connect = {property(PropertyId::session_expiry_interval, 60)}, .will = will});
  history.closed(1, history::CloseReason::local_abort);
  history.after(1 * seconds);
  connect5(history, 3, "c");
  history.after(100 * milliseconds);
  history.received(2, publish5("w/c", "mh1 will", QoS::at_least_once, 1));
  history.sent(2, ack5<Puback>(1));
  EXPECT_SETTLED(judge(history, 10 * seconds));
}

HistoryBuilder disconnect_with(std::uint8_t reason, bool will_arrives) {
  HistoryBuilder history;
  connect5(history, 2, "watcher");
  subscribe5(history, 2, 1, option("w/c", QoS::at_least_once));
  connect5(history, 1, "c", {.will = will_on("w/c", "mh1 will", QoS::at_least_once)});
  history.sent(1, disconnect5(reason));
  history.closed(1, history::CloseReason::local_close);
  if (will_arrives) {
    history.received(2, publish5("w/c", "mh1 will", QoS::at_least_once, 1));
    history.sent(2, ack5<Puback>(1));
  }
  return history;
}

TEST(V5Wills, DisconnectWithWillMessageKeepsTheWill) {
  EXPECT_SETTLED(judge(disconnect_with(0x04, true)));
  EXPECT_ONLY_STATEMENT(judge(disconnect_with(0x04, false)), "MQTT-3.1.2-8");
}

TEST(V5Wills, NormalDisconnectionDiscardsTheWill) {
  EXPECT_SETTLED(judge(disconnect_with(0x00, false)));
  EXPECT_ONLY_STATEMENT(judge(disconnect_with(0x00, true)), "MQTT-3.14.4-3");
}

// ---- flow: packet size, receive maximum, topic aliases ------------------------------------------------------

TEST(V5Flow, NothingLargerThanTheClientsMaximumPacketSize) {
  HistoryBuilder history;
  connect5(history, 1, "c", {.connect = {property(PropertyId::maximum_packet_size, 40)}});
  subscribe5(history, 1, 1, option("a/b", QoS::at_most_once));
  history.received(1, publish5("a/b", std::string(100, 'x')));
  // A PUBLISH too large for the client is to be discarded, not sent [MQTT-3.1.2-25]; other packets beyond the
  // maximum break MQTT-3.1.2-24 (v5_packet_size.cpp).
  EXPECT_ONLY_STATEMENT(judge(history), "MQTT-3.1.2-25");
}

// A message the subscriber's Maximum Packet Size cannot take is discarded by the server, as if sent
// [MQTT-3.1.2-25]: not owed, so its absence is no violation; one that fits is owed as always.
TEST(V5Flow, AMessageTooLargeForTheSubscribersMaximumIsNotOwed) {
  for (const std::size_t padding : {std::size_t{20}, std::size_t{300}}) {
    HistoryBuilder history;
    connect5(history, 1, "pub");
    connect5(history, 2, "sub", {.connect = {property(PropertyId::maximum_packet_size, 150)}});
    subscribe5(history, 2, 1, option("a/b", QoS::at_least_once));
    history.sent(1, publish5("a/b", "mh1 m1 " + std::string(padding, 'x'), QoS::at_least_once, 7));
    history.received(1, ack5<Puback>(7));
    const auto verdicts = judge(history);
    if (padding == 300) {
      EXPECT_SETTLED(verdicts);
    } else {
      EXPECT_ONLY_STATEMENT(verdicts, "MQTT-4.5.0-1");
    }
  }
}

HistoryBuilder receive_maximum_history(bool waits_for_puback) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "sub", {.connect = {property(PropertyId::receive_maximum, 1)}});
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once));
  history.sent(1, publish5("a/b", "mh1 m1", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  history.sent(1, publish5("a/b", "mh1 m2", QoS::at_least_once, 8));
  history.received(1, ack5<Puback>(8));
  history.received(2, publish5("a/b", "mh1 m1", QoS::at_least_once, 1));
  if (waits_for_puback) history.sent(2, ack5<Puback>(1));
  history.received(2, publish5("a/b", "mh1 m2", QoS::at_least_once, 2));
  history.sent(2, ack5<Puback>(2));
  if (!waits_for_puback) history.sent(2, ack5<Puback>(1));
  return history;
}

TEST(V5Flow, NoMoreUnacknowledgedPublishesThanTheReceiveMaximum) {
  const auto verdicts = judge(receive_maximum_history(true));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-3.3.4-9"));
  EXPECT_ONLY_STATEMENT(judge(receive_maximum_history(false)), "MQTT-3.3.4-9");
}

TEST(V5Flow, ServerTopicAliasesWithinTheClientsMaximumAreResolved) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "sub", {.connect = {property(PropertyId::topic_alias_maximum, 4)}});
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once));
  for (std::uint16_t id : {7, 8}) {
    history.sent(1, publish5("a/b", "mh1 m" + std::to_string(id), QoS::at_least_once, id));
    history.received(1, ack5<Puback>(id));
  }
  history.received(2, publish5("a/b", "mh1 m7", QoS::at_least_once, 1, false, {property(PropertyId::topic_alias, 3)}));
  history.sent(2, ack5<Puback>(1));
  // The alias alone: the checker must see 'a/b', or the duty to deliver m8 stays open.
  history.received(2, publish5("", "mh1 m8", QoS::at_least_once, 2, false, {property(PropertyId::topic_alias, 3)}));
  history.sent(2, ack5<Puback>(2));
  EXPECT_SETTLED(judge(history));
}

TEST(V5Flow, NoServerTopicAliasTheClientDidNotAllow) {
  HistoryBuilder history;
  connect5(history, 1, "c");
  subscribe5(history, 1, 1, option("a/b", QoS::at_most_once));
  history.received(1, publish5("a/b", "x", QoS::at_most_once, std::nullopt, false, {property(PropertyId::topic_alias, 1)}));
  EXPECT_ONLY_STATEMENT(judge(history), "MQTT-3.1.2-27");
}

TEST(V5Flow, TheServerAcceptsTheTopicAliasesItAllowed) {
  HistoryBuilder history;
  connect5(history, 1, "c", {.connack = {property(PropertyId::topic_alias_maximum, 2)}});
  history.sent(1, publish5("a/b", "x", QoS::at_least_once, 1, false, {property(PropertyId::topic_alias, 1)}));
  history.received(1, ack5<Puback>(1));
  history.sent(1, publish5("", "y", QoS::at_least_once, 2, false, {property(PropertyId::topic_alias, 1)}));
  history.received(1, disconnect5(0x94));
  history.closed(1, history::CloseReason::clean_eof);
  EXPECT_ONLY_STATEMENT(judge(history), "MQTT-3.3.2-12");
}

// ---- message expiry and properties passed on ----------------------------------------------------------------

TEST(V5Messages, TheMessageExpiryIsPassedOnReduced) {
  const auto kept = judge(forwarding_history({property(PropertyId::message_expiry_interval, 30)},
                                             {property(PropertyId::message_expiry_interval, 30)}));
  EXPECT_SETTLED(kept);
  EXPECT_TRUE(exercised5(kept, "MQTT-3.3.2-6"));
  EXPECT_ONLY_STATEMENT(judge(forwarding_history({property(PropertyId::message_expiry_interval, 30)}, {})),
                        "MQTT-3.3.2-6");
  EXPECT_ONLY_STATEMENT(judge(forwarding_history({property(PropertyId::message_expiry_interval, 30)},
                                                 {property(PropertyId::message_expiry_interval, 60)})),
                        "MQTT-3.3.2-6");
}

HistoryBuilder queued_history(std::uint32_t message_expiry, std::int64_t offline, bool delivered) {
  HistoryBuilder history;
  connect5(history, 2, "sub", {.connect = {property(PropertyId::session_expiry_interval, 600)}});
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once));
  history.closed(2, history::CloseReason::local_close);
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 q", QoS::at_least_once, 7, false,
                           {property(PropertyId::message_expiry_interval, message_expiry)}));
  history.received(1, ack5<Puback>(7));
  history.after(offline);
  connect5(history, 3, "sub",
           {.connect = {property(PropertyId::session_expiry_interval, 600)}, .clean_start = false,
            .session_present = true});
  if (delivered) {
    const auto left = std::max<std::int64_t>(0, message_expiry - offline / seconds);
    history.received(3, publish5("a/b", "mh1 q", QoS::at_least_once, 1, false,
                                 {property(PropertyId::message_expiry_interval, static_cast<std::uint32_t>(left))}));
    history.sent(3, ack5<Puback>(1));
  }
  return history;
}

TEST(V5Messages, AnExpiredMessageIsNotDelivered) {
  EXPECT_SETTLED(judge(queued_history(20, 5 * seconds, true)));
  const auto dropped = judge(queued_history(2, 5 * seconds, false));
  EXPECT_SETTLED(dropped);
  EXPECT_TRUE(exercised5(dropped, "MQTT-3.3.2-5"));  // expired while the session was away: not to be sent
  // At the edge of the expiry (one timer tick) the message may or may not be sent: nothing is judged.
  EXPECT_SETTLED(judge(queued_history(2, 2500 * milliseconds, true)));
  EXPECT_SETTLED(judge(queued_history(2, 2500 * milliseconds, false)));
  EXPECT_ONLY_STATEMENT(judge(queued_history(2, 5 * seconds, true)), "MQTT-3.3.2-5");
}

TEST(V5Messages, UserPropertiesArePassedOnInOrder) {
  const Properties original{user_property("k", "1"), user_property("k", "2")};
  EXPECT_SETTLED(judge(forwarding_history(original, original)));
  EXPECT_ONLY_STATEMENT(judge(forwarding_history(original, {user_property("k", "2"), user_property("k", "1")})),
                        "MQTT-3.3.2-18");
  EXPECT_ONLY_STATEMENT(judge(forwarding_history(original, {user_property("k", "1")})), "MQTT-3.3.2-17");
}

TEST(V5Messages, ContentTypeAndCorrelationDataArePassedOnUnchanged) {
  const Properties original{text_property(PropertyId::content_type, "text/plain"),
                            Property{PropertyId::correlation_data, Bytes{1, 2, 3}}};
  EXPECT_SETTLED(judge(forwarding_history(original, original)));
  EXPECT_ONLY_STATEMENT(judge(forwarding_history(original, {original[1]})), "MQTT-3.3.2-20");
}

// ---- subscription options -------------------------------------------------------------------------------------

HistoryBuilder retained_then_subscribe(std::uint8_t retain_handling, bool retained_arrives) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 r", QoS::at_least_once, 7, true));
  history.received(1, ack5<Puback>(7));
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once, false, false, retain_handling));
  if (retained_arrives) {
    history.received(2, publish5("a/b", "mh1 r", QoS::at_least_once, 1, true));
    history.sent(2, ack5<Puback>(1));
  }
  return history;
}

TEST(V5SubscriptionOptions, RetainHandling) {
  EXPECT_SETTLED(judge(retained_then_subscribe(0, true)));
  EXPECT_ONLY_STATEMENT(judge(retained_then_subscribe(0, false)), "MQTT-3.3.1-9");
  EXPECT_SETTLED(judge(retained_then_subscribe(2, false)));
  EXPECT_ONLY_STATEMENT(judge(retained_then_subscribe(2, true)), "MQTT-3.3.1-11");
  EXPECT_SETTLED(judge(retained_then_subscribe(1, true)));  // a new subscription: retained messages are owed
}

// The retained message arrives for a first subscription with Retain Handling `handling`; the same SUBSCRIBE is
// then repeated, and the retained message arrives again or not.
HistoryBuilder repeated_subscription(std::uint8_t handling, bool arrives_again) {
  auto history = retained_then_subscribe(handling, true);
  subscribe5(history, 2, 2, option("a/b", QoS::at_least_once, false, false, handling));
  if (arrives_again) {
    history.received(2, publish5("a/b", "mh1 r", QoS::at_least_once, 2, true));
    history.sent(2, ack5<Puback>(2));
  }
  return history;
}

TEST(V5SubscriptionOptions, RetainHandlingOneOnARepeatedSubscription) {
  const auto conformant = judge(repeated_subscription(1, false));
  EXPECT_SETTLED(conformant);
  EXPECT_TRUE(exercised5(conformant, "MQTT-3.3.1-10"));
  // The second copy is not the first subscription's answer again: that one already arrived.
  EXPECT_ONLY_STATEMENT(judge(repeated_subscription(1, true)), "MQTT-3.3.1-10");
  EXPECT_SETTLED(judge(repeated_subscription(0, true)));  // Retain Handling 0: sent again on every SUBSCRIBE
}

HistoryBuilder own_publication(bool no_local, bool arrives) {
  HistoryBuilder history;
  connect5(history, 1, "c");
  subscribe5(history, 1, 1, option("a/b", QoS::at_least_once, no_local));
  history.sent(1, publish5("a/b", "mh1 own", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  if (arrives) {
    history.received(1, publish5("a/b", "mh1 own", QoS::at_least_once, 1));
    history.sent(1, ack5<Puback>(1));
  }
  return history;
}

TEST(V5SubscriptionOptions, NoLocal) {
  EXPECT_SETTLED(judge(own_publication(false, true)));
  EXPECT_SETTLED(judge(own_publication(true, false)));
  EXPECT_ONLY_STATEMENT(judge(own_publication(true, true)), "MQTT-3.8.3-3");
}

HistoryBuilder retain_as_published(bool keeps_flag) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once, false, true));
  history.sent(1, publish5("a/b", "mh1 r", QoS::at_least_once, 7, true));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5("a/b", "mh1 r", QoS::at_least_once, 1, keeps_flag));
  history.sent(2, ack5<Puback>(1));
  return history;
}

TEST(V5SubscriptionOptions, RetainAsPublished) {
  EXPECT_SETTLED(judge(retain_as_published(true)));
  EXPECT_ONLY_STATEMENT(judge(retain_as_published(false)), "MQTT-3.3.1-13");
}

TEST(V5SubscriptionOptions, SubscriptionIdentifiersOnDeliveries) {
  for (const bool carried : {true, false}) {
    HistoryBuilder history;
    connect5(history, 1, "pub");
    connect5(history, 2, "sub");
    subscribe5(history, 2, 1, option("a/#", QoS::at_least_once), {property(PropertyId::subscription_identifier, 9)});
    history.sent(1, publish5("a/b", "mh1 m", QoS::at_least_once, 7));
    history.received(1, ack5<Puback>(7));
    Properties ids;
    if (carried) ids.push_back(property(PropertyId::subscription_identifier, 9));
    history.received(2, publish5("a/b", "mh1 m", QoS::at_least_once, 1, false, ids));
    history.sent(2, ack5<Puback>(1));
    if (carried) {
      EXPECT_SETTLED(judge(history));
    } else {
      EXPECT_ONLY_STATEMENT(judge(history), "MQTT-3.3.4-3");
    }
  }
}

// ---- shared subscriptions ---------------------------------------------------------------------------------------

TEST(V5Shared, EachMessageGoesToOneMemberAtItsGrant) {
  for (const auto delivered : {QoS::at_most_once, QoS::at_least_once}) {
    HistoryBuilder history;
    connect5(history, 1, "pub");
    connect5(history, 2, "member-a");
    connect5(history, 3, "member-b");
    subscribe5(history, 2, 1, option("$share/g/a/+", QoS::at_most_once));
    subscribe5(history, 3, 1, option("$share/g/a/+", QoS::at_most_once));
    history.sent(1, publish5("a/b", "mh1 s", QoS::at_least_once, 7));
    history.received(1, ack5<Puback>(7));
    history.received(3, publish5("a/b", "mh1 s", delivered, delivered == QoS::at_most_once
                                                               ? std::nullopt : std::optional<std::uint16_t>(1)));
    if (delivered == QoS::at_most_once) {
      EXPECT_SETTLED(judge(history));  // member a got nothing: one member per message
    } else {
      history.sent(3, ack5<Puback>(1));
      EXPECT_ONLY_STATEMENT(judge(history), "MQTT-4.8.2-3");
    }
  }
}

TEST(V5Shared, TheGrantIsExercisedWhereItIsBelowThePublishedQos) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "member");
  subscribe5(history, 2, 1, option("$share/g/a", QoS::at_most_once));
  history.sent(1, publish5("a", "mh1 s", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5("a", "mh1 s"));
  const auto verdicts = judge(history);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.8.2-3"));
}

// Member 'a' (session expiry `expiry`) gets a message at `qos` through $share/g/a and loses its connection
// without acknowledging it; member 'b' joined the group after the publication and gets the message or not.
HistoryBuilder member_lost(QoS qos, std::uint32_t expiry, bool moved) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  Session5 session;
  session.connect = {property(PropertyId::session_expiry_interval, expiry)};
  connect5(history, 2, "member-a", session);
  subscribe5(history, 2, 1, option("$share/g/a", qos));
  connect5(history, 3, "member-b");
  history.sent(1, publish5("a", "mh1 s", qos, 7));
  history.received(1, qos == QoS::exactly_once ? Packet{ack5<Pubrec>(7)} : Packet{ack5<Puback>(7)});
  if (qos == QoS::exactly_once) {
    history.sent(1, ack5<Pubrel>(7));
    history.received(1, ack5<Pubcomp>(7));
  }
  history.received(2, publish5("a", "mh1 s", qos, 1));
  subscribe5(history, 3, 1, option("$share/g/a", qos));
  history.closed(2, history::CloseReason::local_close);
  if (moved) {
    history.after(seconds).received(3, publish5("a", "mh1 s", qos, 1));
    history.sent(3, qos == QoS::exactly_once ? Packet{ack5<Pubrec>(1)} : Packet{ack5<Puback>(1)});
    if (qos == QoS::exactly_once) {
      history.received(3, ack5<Pubrel>(1));
      history.sent(3, ack5<Pubcomp>(1));
    }
  }
  return history;
}

TEST(V5Shared, AQos2DeliveryStaysWithTheMemberThatLostItsConnection) {
  const auto kept = judge(member_lost(QoS::exactly_once, 0, false));
  EXPECT_SETTLED(kept);
  EXPECT_TRUE(exercised5(kept, "MQTT-4.8.2-5"));
  EXPECT_ONLY_STATEMENT(judge(member_lost(QoS::exactly_once, 0, true)), "MQTT-4.8.2-5");
  const auto waiting = judge(member_lost(QoS::exactly_once, 60, false));
  EXPECT_SETTLED(waiting);
  EXPECT_TRUE(exercised5(waiting, "MQTT-4.8.2-4"));
  EXPECT_ONLY_STATEMENT(judge(member_lost(QoS::exactly_once, 60, true)), "MQTT-4.8.2-4");
  // A QoS 1 delivery may go to another member, even one that joined after the publication.
  EXPECT_SETTLED(judge(member_lost(QoS::at_least_once, 0, true)));
  EXPECT_SETTLED(judge(member_lost(QoS::at_least_once, 60, true)));
}

// ---- deliveries the client refused ------------------------------------------------------------------------------

// 'sub' (session expiry 60) refuses a QoS 1 message with PUBACK 0x80, loses its connection and resumes; the
// resumed connection gets the message again (DUP=1, same packet id) or not.
HistoryBuilder refused_then_resumed(bool sent_again) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  const Session5 persistent{.connect = {property(PropertyId::session_expiry_interval, 60)}};
  connect5(history, 2, "sub", persistent);
  subscribe5(history, 2, 1, option("a", QoS::at_least_once));
  history.sent(1, publish5("a", "mh1 r", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5("a", "mh1 r", QoS::at_least_once, 1));
  history.sent(2, ack5<Puback>(1, 0x80));
  history.closed(2, history::CloseReason::local_abort);
  connect5(history, 3, "sub",
           {.connect = {property(PropertyId::session_expiry_interval, 60)}, .clean_start = false,
            .session_present = true});
  if (sent_again) {
    auto again = publish5("a", "mh1 r", QoS::at_least_once, 1);
    again.dup = true;
    history.received(3, again);
    history.sent(3, ack5<Puback>(1));
  }
  return history;
}

TEST(V5Rejections, ARefusedDeliveryIsNeverSentAgain) {
  const auto verdicts = judge(refused_then_resumed(false));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.4.0-2"));
  EXPECT_ONLY_STATEMENT(judge(refused_then_resumed(true)), "MQTT-4.4.0-2");
}

// Member 'a' of $share/g/a refuses a QoS 1 message with PUBACK 0x80 while member 'b' is subscribed; 'b' gets
// the message afterwards or not.
HistoryBuilder refused_by_member(bool offered_to_other) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "member-a");
  subscribe5(history, 2, 1, option("$share/g/a", QoS::at_least_once));
  history.sent(1, publish5("a", "mh1 s", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5("a", "mh1 s", QoS::at_least_once, 1));
  connect5(history, 3, "member-b");
  subscribe5(history, 3, 1, option("$share/g/a", QoS::at_least_once));
  history.sent(2, ack5<Puback>(1, 0x80));
  if (offered_to_other) {
    history.received(3, publish5("a", "mh1 s", QoS::at_least_once, 1));
    history.sent(3, ack5<Puback>(1));
  }
  return history;
}

TEST(V5Rejections, AMessageASharedMemberRefusedIsNotOfferedToAnother) {
  const auto verdicts = judge(refused_by_member(false));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.8.2-6"));
  EXPECT_ONLY_STATEMENT(judge(refused_by_member(true)), "MQTT-4.8.2-6");
}

// ---- DISCONNECT and AUTH ----------------------------------------------------------------------------------------

TEST(V5Disconnect, TheServersReasonCodesAndClose) {
  HistoryBuilder shutting_down;
  connect5(shutting_down, 1, "c");
  shutting_down.received(1, disconnect5(0x8B));
  shutting_down.closed(1, history::CloseReason::clean_eof);
  EXPECT_SETTLED(judge(shutting_down));
  HistoryBuilder client_reason;
  connect5(client_reason, 1, "c");
  client_reason.received(1, disconnect5(0x04));
  client_reason.closed(1, history::CloseReason::clean_eof);
  EXPECT_ONLY_STATEMENT(judge(client_reason), "MQTT-3.14.2-1");
  HistoryBuilder left_open;
  connect5(left_open, 1, "c");
  left_open.received(1, disconnect5(0x8B));
  left_open.after(3 * seconds).closed(1, history::CloseReason::local_close);
  EXPECT_ONLY_STATEMENT(judge(left_open), "MQTT-3.14.4-2");
}

TEST(V5Disconnect, AServerDisconnectCarriesNoSessionExpiryInterval) {
  HistoryBuilder history;
  connect5(history, 1, "c");
  auto disconnect = disconnect5(0x8B);
  disconnect.properties = {property(PropertyId::session_expiry_interval, 10)};
  history.received(1, disconnect);
  history.closed(1, history::CloseReason::clean_eof);
  EXPECT_ONLY_STATEMENT(judge(history), "MQTT-3.14.2-2");
}

TEST(V5SubscriptionOptions, NoLocalOnASharedSubscriptionIsClosedOn) {
  HistoryBuilder closed;
  connect5(closed, 1, "c");
  Subscribe subscribe;
  subscribe.version = ProtocolVersion::v5;
  subscribe.packet_id = 1;
  subscribe.subscriptions.push_back(option("$share/g/a", QoS::at_least_once, true));
  closed.sent(1, subscribe);
  closed.closed(1, history::CloseReason::clean_eof);
  const auto verdicts = judge(closed);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-3.8.3-4"));
  HistoryBuilder answered;
  connect5(answered, 1, "c");
  subscribe5(answered, 1, 1, option("$share/g/a", QoS::at_least_once, true));
  answered.after(5 * seconds).closed(1, history::CloseReason::local_close);
  EXPECT_ONLY_STATEMENT(judge(answered), "MQTT-3.8.3-4");
}

TEST(V5Disconnect, AuthOnlyWithAnAuthenticationMethod) {
  HistoryBuilder history;
  connect5(history, 1, "c");
  Auth auth;
  auth.properties = {text_property(PropertyId::authentication_method, "SCRAM")};
  history.received(1, auth);
  EXPECT_ONLY_STATEMENT(judge(history), "MQTT-4.12.0-6");
}

}  // namespace
}  // namespace mqtt::model::testing
