// The 5.0 packet-identifier and QoS 2 rules of branch v5qos2, one hand-built history per rule: a conformant
// history that passes with the statement exercised, and a breaking one that yields exactly that statement. A
// PUBLISH reusing the id of an exchange the server ended is a new message [MQTT-4.3.2-5 after PUBACK,
// MQTT-4.3.3-12 after PUBCOMP, MQTT-4.3.3-9 after a refusing PUBREC]; no PUBLISH after its PUBREL [MQTT-4.3.3-6];
// an in-flight QoS 2 delivery not let expire [MQTT-4.3.3-7].
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

#include "checker_expectations.hpp"

namespace mqtt::model::testing {
namespace {

// Open + 5.0 CONNECT + CONNACK; a Session Expiry Interval keeps the session past the connection.
void connect5(HistoryBuilder& history, std::uint32_t connection, std::string client_id, bool clean_start = true,
              bool session_present = false, std::uint32_t session_expiry = 0) {
  history.open(connection, client_id);
  Connect connect;
  connect.version = ProtocolVersion::v5;
  connect.client_id = std::move(client_id);
  connect.clean_session = clean_start;
  if (session_expiry > 0) connect.properties.push_back(Property{PropertyId::session_expiry_interval, session_expiry});
  history.sent(connection, connect);
  Connack connack;
  connack.version = ProtocolVersion::v5;
  connack.session_present = session_present;
  history.received(connection, connack);
}

void subscribe5(HistoryBuilder& history, std::uint32_t connection, std::uint16_t packet_id, std::string filter,
                QoS qos) {
  Subscribe subscribe;
  subscribe.version = ProtocolVersion::v5;
  subscribe.packet_id = packet_id;
  Subscription subscription;
  subscription.filter = std::move(filter);
  subscription.qos = qos;
  subscribe.subscriptions.push_back(std::move(subscription));
  history.sent(connection, subscribe);
  Suback suback;
  suback.version = ProtocolVersion::v5;
  suback.packet_id = packet_id;
  suback.reason_codes = {static_cast<std::uint8_t>(qos)};
  history.received(connection, suback);
}

Publish publish5(std::string topic, std::string_view payload, QoS qos, std::optional<std::uint16_t> id,
                 bool dup = false) {
  auto packet = publish(std::move(topic), payload, qos, id, false, dup);
  packet.version = ProtocolVersion::v5;
  return packet;
}

template <typename Ack>
Ack ack5(std::uint16_t id, std::uint8_t reason_code = 0) {
  auto packet = ack<Ack>(id);
  packet.version = ProtocolVersion::v5;
  packet.reason_code = reason_code;
  return packet;
}

bool exercised5(const Verdicts& verdicts, const std::string& statement) {
  const auto spec = verdicts.exercised_by_spec.find("5.0");
  return spec != verdicts.exercised_by_spec.end() && spec->second.contains(statement);
}

// ---- a packet id reused after the server's PUBACK ------------------------------------------------------------

// The publisher sends QoS 1 id 5 twice (the second with DUP=1 and another payload) after the PUBACK; the
// subscriber gets the first, and the second when `second_forwarded`.
HistoryBuilder qos1_id_reused(bool second_forwarded) {
  HistoryBuilder history;
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, "a/b", QoS::at_least_once);
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 first", QoS::at_least_once, 5));
  history.received(2, publish5("a/b", "mh1 first", QoS::at_least_once, 1));
  history.sent(2, ack5<Puback>(1));
  history.received(1, ack5<Puback>(5));
  history.sent(1, publish5("a/b", "mh1 second", QoS::at_least_once, 5, true));
  if (second_forwarded) {
    history.received(2, publish5("a/b", "mh1 second", QoS::at_least_once, 2));
    history.sent(2, ack5<Puback>(2));
  }
  history.received(1, ack5<Puback>(5));
  return history;
}

TEST(V5Qos2Identifiers, AnIdReusedAfterPubackIsANewMessage) {
  const auto verdicts = judge(qos1_id_reused(true));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.3.2-5"));
  EXPECT_ONLY_STATEMENT(judge(qos1_id_reused(false)), "MQTT-4.3.2-5");
}

// ---- a packet id reused after the server's PUBCOMP, or after its refusing PUBREC --------------------------------

// The publisher's QoS 2 exchange with id 9 ends with the server's PUBCOMP (or, `refused`, its PUBREC 0x80); a new
// QoS 2 PUBLISH with id 9 follows, reaching the subscriber when `second_forwarded`.
HistoryBuilder qos2_id_reused(bool second_forwarded, bool refused = false) {
  HistoryBuilder history;
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, "a/b", QoS::exactly_once);
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 first", QoS::exactly_once, 9));
  if (refused) {
    history.received(1, ack5<Pubrec>(9, 0x80));
  } else {
    history.received(2, publish5("a/b", "mh1 first", QoS::exactly_once, 1));
    history.sent(2, ack5<Pubrec>(1));
    history.received(2, ack5<Pubrel>(1));
    history.sent(2, ack5<Pubcomp>(1));
    history.received(1, ack5<Pubrec>(9));
    history.sent(1, ack5<Pubrel>(9));
    history.received(1, ack5<Pubcomp>(9));
  }
  history.sent(1, publish5("a/b", "mh1 second", QoS::exactly_once, 9));
  if (second_forwarded) {
    history.received(2, publish5("a/b", "mh1 second", QoS::exactly_once, 2));
    history.sent(2, ack5<Pubrec>(2));
    history.received(2, ack5<Pubrel>(2));
    history.sent(2, ack5<Pubcomp>(2));
  }
  history.received(1, ack5<Pubrec>(9));
  history.sent(1, ack5<Pubrel>(9));
  history.received(1, ack5<Pubcomp>(9));
  return history;
}

TEST(V5Qos2Identifiers, AnIdReusedAfterPubcompIsANewMessage) {
  const auto verdicts = judge(qos2_id_reused(true));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.3.3-12"));
  EXPECT_ONLY_STATEMENT(judge(qos2_id_reused(false)), "MQTT-4.3.3-12");
}

TEST(V5Qos2Identifiers, AnIdReusedAfterARefusingPubrecIsANewMessage) {
  const auto verdicts = judge(qos2_id_reused(true, true));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.3.3-9"));
  EXPECT_ONLY_STATEMENT(judge(qos2_id_reused(false, true)), "MQTT-4.3.3-9");
}

TEST(V5Qos2Identifiers, AMessageNotForwardedWithoutReuseStaysTheGeneralRule) {
  HistoryBuilder history;
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, "a/b", QoS::at_least_once);
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 first", QoS::at_least_once, 5));
  history.received(1, ack5<Puback>(5));
  EXPECT_ONLY_STATEMENT(judge(history), "MQTT-4.5.0-1");
}

// ---- no PUBLISH after PUBREL ---------------------------------------------------------------------------------

// A QoS 2 delivery to a session with an expiry reaches PUBREL; the connection drops before PUBCOMP and the session
// resumes. The server then sends the PUBREL again, or (`publish_again`) the PUBLISH with DUP=1.
HistoryBuilder released_then_resumed(bool publish_again) {
  HistoryBuilder history;
  connect5(history, 2, "sub", true, false, 60);
  subscribe5(history, 2, 1, "a/b", QoS::exactly_once);
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 m", QoS::exactly_once, 9));
  history.received(2, publish5("a/b", "mh1 m", QoS::exactly_once, 1));
  history.received(1, ack5<Pubrec>(9));
  history.sent(1, ack5<Pubrel>(9));
  history.received(1, ack5<Pubcomp>(9));
  history.sent(2, ack5<Pubrec>(1));
  history.received(2, ack5<Pubrel>(1));
  history.closed(2, history::CloseReason::local_close);
  connect5(history, 3, "sub", false, true, 60);
  if (publish_again) {
    history.received(3, publish5("a/b", "mh1 m", QoS::exactly_once, 1, true));
    history.sent(3, ack5<Pubrec>(1));
  }
  history.received(3, ack5<Pubrel>(1));
  history.sent(3, ack5<Pubcomp>(1));
  return history;
}

TEST(V5Qos2Release, NoPublishAfterItsPubrelWhenTheSessionResumes) {
  const auto verdicts = judge(released_then_resumed(false));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.3.3-6"));
  EXPECT_ONLY_STATEMENT(judge(released_then_resumed(true)), "MQTT-4.3.3-6");
}

TEST(V5Qos2Release, APubcompFreesTheIdForANewMessage) {
  HistoryBuilder history;
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, "a/b", QoS::exactly_once);
  connect5(history, 1, "pub");
  for (const auto* payload : {"mh1 one", "mh1 two"}) {
    history.sent(1, publish5("a/b", payload, QoS::exactly_once, 9));
    history.received(2, publish5("a/b", payload, QoS::exactly_once, 1));
    history.sent(2, ack5<Pubrec>(1));
    history.received(2, ack5<Pubrel>(1));
    history.sent(2, ack5<Pubcomp>(1));
    history.received(1, ack5<Pubrec>(9));
    history.sent(1, ack5<Pubrel>(9));
    history.received(1, ack5<Pubcomp>(9));
  }
  EXPECT_SETTLED(judge(history));
}

// ---- an in-flight QoS 2 delivery is not let expire -------------------------------------------------------------

// A QoS 2 message with Message Expiry Interval 1 s reaches the subscriber, which drops the connection unanswered and
// resumes its session 3 s later; the server sends the PUBLISH again (`resent`) or nothing.
HistoryBuilder expired_in_flight(bool resent) {
  HistoryBuilder history;
  connect5(history, 2, "sub", true, false, 60);
  subscribe5(history, 2, 1, "a/b", QoS::exactly_once);
  connect5(history, 1, "pub");
  auto message = publish5("a/b", "mh1 m", QoS::exactly_once, 9);
  message.properties.push_back(Property{PropertyId::message_expiry_interval, std::uint32_t{1}});
  history.sent(1, message);
  history.received(1, ack5<Pubrec>(9));
  history.sent(1, ack5<Pubrel>(9));
  history.received(1, ack5<Pubcomp>(9));
  auto copy = publish5("a/b", "mh1 m", QoS::exactly_once, 1);
  copy.properties.push_back(Property{PropertyId::message_expiry_interval, std::uint32_t{1}});
  history.received(2, copy);
  history.closed(2, history::CloseReason::local_close);
  history.after(3 * seconds);
  connect5(history, 3, "sub", false, true, 60);
  if (resent) {
    copy.dup = true;
    copy.properties.clear();  // what interval an expired re-send carries is not judged
    history.received(3, copy);
    history.sent(3, ack5<Pubrec>(1));
    history.received(3, ack5<Pubrel>(1));
    history.sent(3, ack5<Pubcomp>(1));
  }
  return history;
}

TEST(V5Qos2Expiry, AnExpiredInFlightDeliveryIsStillSentAgain) {
  const auto verdicts = judge(expired_in_flight(true));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.3.3-7"));
  EXPECT_ONLY_STATEMENT(judge(expired_in_flight(false)), "MQTT-4.3.3-7");
}

}  // namespace
}  // namespace mqtt::model::testing
