// Sessions against a real mosquitto: the handshake in every version, the exact acknowledgement flows of
// QoS 0, 1 and 2, keep-alive and silence, the will after an abort, and the history's JSON Lines round trip.
#include <gtest/gtest.h>

#include <sstream>

#include "target_of.hpp"
#include "client/session.hpp"
#include "history/json.hpp"
#include "history_slices.hpp"
#include "support/mosquitto_broker.hpp"

namespace mqtt::client {
namespace {

using namespace std::chrono_literals;
using testing::lines_of;
using Lines = std::vector<std::string>;

using testing::url_of;

Connect connect_packet(ProtocolVersion version, std::string client_id, std::uint16_t keep_alive = 30) {
  Connect connect;
  connect.version = version;
  connect.client_id = std::move(client_id);
  connect.keep_alive = keep_alive;
  return connect;
}

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

class SessionAgainstMosquitto : public ::testing::Test {
 protected:
  Session open_session(std::string actor, SessionOptions options = {}) {
    OpenOptions open_options;
    open_options.actor = std::move(actor);
    auto result = Session::open(loop, recorder, url_of(broker.url()), open_options, options);
    if (auto* failure = std::get_if<std::string>(&result)) throw std::runtime_error("open failed: " + *failure);
    return std::get<Session>(std::move(result));
  }

  Session connected_session(std::string actor, ProtocolVersion version, std::uint16_t keep_alive = 30,
                            std::optional<Will> will = std::nullopt) {
    Session session = open_session(actor);
    Connect connect = connect_packet(version, actor, keep_alive);
    connect.will = std::move(will);
    const RequestResult result = session.connect(connect, 5s);
    if (!result.ok()) throw std::runtime_error("no CONNACK for " + actor);
    return session;
  }

  test_support::MosquittoBroker broker;
  Recorder recorder;
  EventLoop loop;
};

class ConnectEveryVersion : public SessionAgainstMosquitto,
                            public ::testing::WithParamInterface<ProtocolVersion> {};

TEST_P(ConnectEveryVersion, BrokerAcceptsWithConnack) {
  Session session = open_session("probe");
  const RequestResult result = session.connect(connect_packet(GetParam(), "version-probe"), 5s);
  ASSERT_EQ(result.outcome, WaitOutcome::packet);
  const auto& connack = std::get<Connack>(*result.reply);
  EXPECT_EQ(connack.reason_code, 0);
  EXPECT_EQ(connack.version, GetParam());
  EXPECT_EQ(lines_of(recorder.snapshot(), session.id()), (Lines{"open", "sent CONNECT", "received CONNACK"}));
  session.disconnect();
  EXPECT_EQ(lines_of(recorder.snapshot(), session.id()),
            (Lines{"open", "sent CONNECT", "received CONNACK", "sent DISCONNECT", "closed local_close"}));
}

INSTANTIATE_TEST_SUITE_P(Versions, ConnectEveryVersion,
                         ::testing::Values(ProtocolVersion::v3_1, ProtocolVersion::v3_1_1, ProtocolVersion::v5),
                         [](const auto& info) {
                           switch (info.param) {
                             case ProtocolVersion::v3_1:
                               return std::string("v3_1");
                             case ProtocolVersion::v3_1_1:
                               return std::string("v3_1_1");
                             case ProtocolVersion::v5:
                               return std::string("v5");
                           }
                           return std::string("unknown");
                         });

struct RoundTripCase {
  ProtocolVersion version;
  QoS qos;
  Lines publisher;   // after open, CONNECT, CONNACK
  Lines subscriber;  // after open, CONNECT, CONNACK, SUBSCRIBE, SUBACK
};

void PrintTo(const RoundTripCase& scenario, std::ostream* out) {
  *out << to_string(scenario.version) << " QoS " << static_cast<int>(scenario.qos);
}

class PublishRoundTrip : public SessionAgainstMosquitto, public ::testing::WithParamInterface<RoundTripCase> {};

TEST_P(PublishRoundTrip, ExactPacketSequenceOnBothSides) {
  const RoundTripCase& scenario = GetParam();
  Session subscriber = connected_session("subscriber", scenario.version);
  Session publisher = connected_session("publisher", scenario.version);
  const RequestResult subscribed = subscriber.subscribe({Subscription{"round/trip", QoS::exactly_once}}, 5s);
  ASSERT_TRUE(subscribed.ok());
  EXPECT_EQ(std::get<Suback>(*subscribed.reply).reason_codes, (std::vector<std::uint8_t>{2}));

  Publish publish;
  publish.topic = "round/trip";
  publish.qos = scenario.qos;
  publish.payload = bytes_of("hello");
  const RequestResult published = publisher.publish(publish, 5s);
  ASSERT_TRUE(published.ok());
  EXPECT_EQ(published.packet_id, scenario.qos == QoS::at_most_once ? 0 : 1);

  const WaitResult delivered = subscriber.next_publish(5s);
  ASSERT_EQ(delivered.outcome, WaitOutcome::packet);
  const auto& message = std::get<Publish>(*delivered.packet);
  EXPECT_EQ(message.topic, "round/trip");
  EXPECT_EQ(message.payload, bytes_of("hello"));
  EXPECT_EQ(message.qos, scenario.qos);
  if (scenario.qos == QoS::exactly_once) {
    // The subscriber's PUBCOMP goes out automatically when PUBREL arrives.
    ASSERT_TRUE(subscriber.connection().wait_for(PacketType::pubrel, 5s).ok());
  }
  // Give the broker's side a chance to show anything unexpected (nothing should arrive).
  EXPECT_EQ(publisher.connection().next(100ms).outcome, WaitOutcome::timeout);

  const auto history = recorder.snapshot();
  Lines publisher_expected{"open", "sent CONNECT", "received CONNACK"};
  publisher_expected.insert(publisher_expected.end(), scenario.publisher.begin(), scenario.publisher.end());
  Lines subscriber_expected{"open", "sent CONNECT", "received CONNACK", "sent SUBSCRIBE", "received SUBACK"};
  subscriber_expected.insert(subscriber_expected.end(), scenario.subscriber.begin(), scenario.subscriber.end());
  EXPECT_EQ(lines_of(history, publisher.id()), publisher_expected);
  EXPECT_EQ(lines_of(history, subscriber.id()), subscriber_expected);

  // The recorded history survives JSON Lines unchanged.
  std::stringstream jsonl;
  history::write_json_lines(jsonl, history);
  const history::History read_back = history::read_json_lines(jsonl, "round-trip.jsonl");
  ASSERT_EQ(read_back.events.size(), history.events.size());
  for (std::size_t i = 0; i < history.events.size(); ++i) EXPECT_EQ(read_back.events[i], history.events[i]) << i;
}

INSTANTIATE_TEST_SUITE_P(
    QoS, PublishRoundTrip,
    ::testing::Values(
        RoundTripCase{ProtocolVersion::v3_1_1, QoS::at_most_once, {"sent PUBLISH"}, {"received PUBLISH"}},
        RoundTripCase{ProtocolVersion::v3_1_1, QoS::at_least_once, {"sent PUBLISH", "received PUBACK"},
                      {"received PUBLISH", "sent PUBACK"}},
        RoundTripCase{ProtocolVersion::v3_1_1, QoS::exactly_once,
                      {"sent PUBLISH", "received PUBREC", "sent PUBREL", "received PUBCOMP"},
                      {"received PUBLISH", "sent PUBREC", "received PUBREL", "sent PUBCOMP"}},
        RoundTripCase{ProtocolVersion::v5, QoS::exactly_once,
                      {"sent PUBLISH", "received PUBREC", "sent PUBREL", "received PUBCOMP"},
                      {"received PUBLISH", "sent PUBREC", "received PUBREL", "sent PUBCOMP"}}),
    [](const auto& info) {
      return std::string(info.param.version == ProtocolVersion::v5 ? "v5_" : "v3_1_1_") + "qos" +
             std::to_string(static_cast<int>(info.param.qos));
    });

TEST_F(SessionAgainstMosquitto, AutoAcknowledgeOffLeavesQos1Unanswered) {
  Session subscriber = connected_session("subscriber", ProtocolVersion::v3_1_1);
  Session publisher = connected_session("publisher", ProtocolVersion::v3_1_1);
  ASSERT_TRUE(subscriber.subscribe({Subscription{"quiet", QoS::at_least_once}}, 5s).ok());
  subscriber.set_auto_acknowledge(false);
  Publish publish;
  publish.topic = "quiet";
  publish.qos = QoS::at_least_once;
  ASSERT_TRUE(publisher.publish(publish, 5s).ok());
  ASSERT_TRUE(subscriber.next_publish(5s).ok());
  EXPECT_EQ(subscriber.connection().next(100ms).outcome, WaitOutcome::timeout);
  const auto lines = lines_of(recorder.snapshot(), subscriber.id());
  EXPECT_EQ(lines.back(), "received PUBLISH");
}

TEST_F(SessionAgainstMosquitto, KeepAlivePingsWhenIdle) {
  Session session = connected_session("pinger", ProtocolVersion::v3_1_1, /*keep_alive=*/1);
  const WaitResult pong = session.connection().wait_for(PacketType::pingresp, 5s);
  ASSERT_EQ(pong.outcome, WaitOutcome::packet);
  EXPECT_EQ(lines_of(recorder.snapshot(), session.id()),
            (Lines{"open", "sent CONNECT", "received CONNACK", "sent PINGREQ", "received PINGRESP"}));
}

TEST_F(SessionAgainstMosquitto, SilenceLetsTheBrokerDropTheConnection) {
  Session session = connected_session("silent", ProtocolVersion::v3_1_1, /*keep_alive=*/1);
  session.set_silent(true);
  // The broker allows one and a half keep-alive periods [MQTT-3.1.2-24], then closes; mosquitto 2.0.11
  // only sweeps keep-alives every few seconds (measured: 5.3 s for a 1 s keep-alive), hence the long deadline.
  const WaitResult result = session.connection().wait_for_close(15s);
  const auto lines = lines_of(recorder.snapshot(), session.id());
  ASSERT_EQ(result.outcome, WaitOutcome::closed) << ::testing::PrintToString(lines) << broker.log();
  EXPECT_NE(result.close_reason, history::CloseReason::local_close);
  EXPECT_EQ(lines_of(recorder.snapshot(), session.id()).size(), 4u);  // open, CONNECT, CONNACK, closed
}

TEST_F(SessionAgainstMosquitto, AbortMakesTheBrokerPublishTheWill) {
  Session observer = connected_session("observer", ProtocolVersion::v3_1_1);
  ASSERT_TRUE(observer.subscribe({Subscription{"will/#", QoS::at_least_once}}, 5s).ok());
  Will will;
  will.topic = "will/device";
  will.payload = bytes_of("gone");
  will.qos = QoS::at_least_once;
  Session device = connected_session("device", ProtocolVersion::v3_1_1, 30, will);

  device.connection().abort();
  const WaitResult delivered = observer.next_publish(5s);
  ASSERT_EQ(delivered.outcome, WaitOutcome::packet);
  EXPECT_EQ(std::get<Publish>(*delivered.packet).topic, "will/device");
  EXPECT_EQ(std::get<Publish>(*delivered.packet).payload, bytes_of("gone"));
  EXPECT_EQ(lines_of(recorder.snapshot(), device.id()),
            (Lines{"open", "sent CONNECT", "received CONNACK", "closed local_abort"}));
}

TEST_F(SessionAgainstMosquitto, DisconnectSuppressesTheWill) {
  Session observer = connected_session("observer", ProtocolVersion::v3_1_1);
  ASSERT_TRUE(observer.subscribe({Subscription{"will/#", QoS::at_most_once}}, 5s).ok());
  Will will;
  will.topic = "will/polite";
  will.payload = bytes_of("gone");
  Session device = connected_session("device", ProtocolVersion::v3_1_1, 30, will);
  device.disconnect();
  EXPECT_EQ(observer.next_publish(500ms).outcome, WaitOutcome::timeout);
}

TEST(SessionCredentials, UrlCredentialsAreUsedForConnect) {
  test_support::MosquittoOptions options;
  options.allow_anonymous = false;
  options.users = {{"alice", "wonder"}};
  test_support::MosquittoBroker broker(options);
  Recorder recorder;
  EventLoop loop;
  for (const auto& [password, expected_code] : {std::pair{"wonder", 0}, std::pair{"wrong", 5}}) {
    auto opened = Session::open(loop, recorder, url_of(broker.url_with_credentials("alice", password)));
    ASSERT_TRUE(std::holds_alternative<Session>(opened));
    Session session = std::get<Session>(opened);
    const RequestResult result = session.connect(connect_packet(ProtocolVersion::v3_1_1, "alice-client"), 5s);
    ASSERT_TRUE(result.ok()) << password;
    EXPECT_EQ(std::get<Connack>(*result.reply).reason_code, expected_code) << password;
    session.connection().close();
  }
}

}  // namespace
}  // namespace mqtt::client
