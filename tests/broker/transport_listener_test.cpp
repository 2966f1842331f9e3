// The embedded broker's mqtts, ws and wss listeners, driven by the harness client: sessions on different transports
// share one broker, MQTT packets split over many WebSocket messages arrive whole, a listener can require client
// certificates, and a wrong WebSocket path is refused with 404.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "client/transport_round_trip.hpp"
#include "support/test_pki.hpp"

namespace mqtt::broker {
namespace {

using client::testing::expect_round_trip;
using client::testing::open_failure;
using client::testing::target_of;

struct Ports {
  std::uint16_t mqtt = 0, mqtts = 0, ws = 0, wss = 0;
};

class EmbeddedBrokerTransports : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki = std::make_unique<test_support::TestPki>(); }
  static void TearDownTestSuite() { pki.reset(); }

  // A broker with one listener of each transport.
  std::unique_ptr<EmbeddedBroker> start(std::size_t websocket_message_limit = 0, std::string client_ca = {}) {
    BrokerOptions options;
    options.listeners = {Listener{ListenerTransport::mqtt}, Listener{ListenerTransport::mqtts},
                         Listener{ListenerTransport::ws}, Listener{ListenerTransport::wss}};
    options.tls.certificate_file = pki->server.certificate;
    options.tls.key_file = pki->server.key;
    options.tls.client_ca_file = std::move(client_ca);
    options.websocket_message_limit = websocket_message_limit;
    auto broker = std::make_unique<EmbeddedBroker>(options);
    const auto ports = broker->ports();
    EXPECT_EQ(ports.size(), 4u);
    this->ports = Ports{ports.at(0), ports.at(1), ports.at(2), ports.at(3)};
    return broker;
  }
  client::TargetUrl url(const std::string& scheme, std::uint16_t port, const std::string& path = "") const {
    client::TlsSettings tls;
    if (scheme == "mqtts" || scheme == "wss") tls.ca_file = pki->ca;
    return target_of(scheme + "://127.0.0.1:" + std::to_string(port) + path, tls);
  }

  static inline std::unique_ptr<test_support::TestPki> pki;
  Ports ports;
};

TEST_F(EmbeddedBrokerTransports, EveryTransportReachesTheSameBroker) {
  auto broker = start();
  expect_round_trip(url("mqtt", ports.mqtt), url("mqtts", ports.mqtts), "embedded/tls");
  expect_round_trip(url("mqtts", ports.mqtts), url("ws", ports.ws), "embedded/ws");
  expect_round_trip(url("ws", ports.ws), url("wss", ports.wss), "embedded/wss", 3, 200'000);
  EXPECT_GE(broker->statistics().connections_accepted, 6u);
}

TEST_F(EmbeddedBrokerTransports, PacketsSplitOverOneByteMessagesArriveWhole) {
  // Every WebSocket message from the broker carries one byte: each packet spans many frames.
  auto broker = start(1);
  expect_round_trip(url("ws", ports.ws), url("mqtt", ports.mqtt), "embedded/split", 5, 300);
  expect_round_trip(url("wss", ports.wss), url("mqtt", ports.mqtt), "embedded/split-tls", 5, 300);
}

TEST_F(EmbeddedBrokerTransports, ClientCertificateRequiredByTheListener) {
  auto broker = start(0, pki->ca);
  client::Recorder recorder;
  client::EventLoop loop;
  const std::string failure = open_failure(loop, recorder, url("mqtts", ports.mqtts));
  EXPECT_NE(failure.find("the server requires a client certificate"), std::string::npos) << failure;
  client::TargetUrl with_certificate = url("mqtts", ports.mqtts);
  with_certificate.tls.certificate_file = pki->client.certificate;
  with_certificate.tls.key_file = pki->client.key;
  expect_round_trip(with_certificate, with_certificate, "embedded/mutual");
}

TEST_F(EmbeddedBrokerTransports, WrongWebSocketPathIsRefusedWith404) {
  auto broker = start();
  client::Recorder recorder;
  client::EventLoop loop;
  const std::string failure = open_failure(loop, recorder, url("ws", ports.ws, "/elsewhere"));
  EXPECT_EQ(failure, "WebSocket upgrade at ws://127.0.0.1:" + std::to_string(ports.ws) +
                         "/elsewhere refused: HTTP 404 Not Found");
}

// A case's framing over ws:// (client/websocket_framing.hpp): a PINGREQ split over two frames and one sharing a frame
// with the next are answered, a text frame ends the connection [MQTT-6.0.0-1, MQTT-6.0.0-2]; the history says how
// each was framed, which sub-protocol was chosen, and the opcode of each message received.
TEST_F(EmbeddedBrokerTransports, FramedSendsOverWebSocketAreRecordedAndJudgedByTheBroker) {
  auto broker = start();
  client::Recorder recorder;
  client::EventLoop loop;
  client::OpenOptions options;
  options.actor = "framed";
  options.record_websocket_messages = true;
  auto opened = client::Session::open(loop, recorder, url("ws", ports.ws), options);
  ASSERT_TRUE(std::holds_alternative<client::Session>(opened)) << std::get<std::string>(opened);
  client::Session session = std::get<client::Session>(std::move(opened));
  Connect connect;
  connect.client_id = "framed";
  ASSERT_TRUE(session.connect(connect, std::chrono::seconds(5)).ok());
  client::Connection& connection = session.connection();
  ASSERT_TRUE(connection.over_websocket());
  const Bytes pingreq{0xC0, 0x00};
  EXPECT_NE(connection.send_framed(pingreq, client::WebSocketFraming::split), 0u);
  EXPECT_EQ(connection.wait_for(PacketType::pingresp, std::chrono::seconds(5)).outcome, client::WaitOutcome::packet);
  EXPECT_NE(connection.send_framed(pingreq, client::WebSocketFraming::shared), 0u);
  EXPECT_NE(connection.send_framed(pingreq, client::WebSocketFraming::binary), 0u);
  EXPECT_EQ(connection.wait_for(PacketType::pingresp, std::chrono::seconds(5)).outcome, client::WaitOutcome::packet);
  EXPECT_EQ(connection.wait_for(PacketType::pingresp, std::chrono::seconds(5)).outcome, client::WaitOutcome::packet);
  EXPECT_NE(connection.send_framed(pingreq, client::WebSocketFraming::text), 0u);
  EXPECT_EQ(connection.wait_for_close(std::chrono::seconds(5)).outcome, client::WaitOutcome::closed);
  const auto history = recorder.snapshot();
  ASSERT_TRUE(history.events.front().websocket.has_value());
  EXPECT_EQ(history.events.front().websocket->offered, "mqtt");
  EXPECT_EQ(history.events.front().websocket->subprotocol, "mqtt");
  std::vector<std::string> sent_frames;
  std::size_t binary_messages = 0;
  for (const auto& event : history.events) {
    if (event.kind == history::EventKind::sent && event.websocket) sent_frames.push_back(event.websocket->frame);
    if (event.kind == history::EventKind::note && event.websocket) {
      EXPECT_EQ(event.websocket->frame, "binary");
      ++binary_messages;
    }
  }
  EXPECT_EQ(sent_frames, (std::vector<std::string>{"split", "shared", "binary", "text"}));
  EXPECT_GE(binary_messages, 2u);  // the CONNACK and the PINGRESPs, perhaps several in one message
}

TEST_F(EmbeddedBrokerTransports, FramingIsRefusedOverPlainTcp) {
  auto broker = start();
  client::Recorder recorder;
  client::EventLoop loop;
  client::Session session = client::testing::connected_session(loop, recorder, url("mqtt", ports.mqtt), "tcp");
  EXPECT_FALSE(session.connection().over_websocket());
  EXPECT_EQ(session.connection().send_framed(Bytes{0xC0, 0x00}, client::WebSocketFraming::split), 0u);
}

TEST(EmbeddedBrokerTlsSetUp, MissingCertificateIsOneLine) {
  BrokerOptions options;
  options.listeners = {Listener{ListenerTransport::mqtts}};
  options.tls.certificate_file = "/nonexistent/server.pem";
  options.tls.key_file = "/nonexistent/server.key";
  try {
    EmbeddedBroker broker(options);
    FAIL() << "the broker started without its certificate";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "--cert /nonexistent/server.pem: cannot read it");
  }
}

}  // namespace
}  // namespace mqtt::broker
