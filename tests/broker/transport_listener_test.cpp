// The embedded broker's mqtts, ws and wss listeners, driven by the harness client: sessions on different transports
// share one broker, MQTT packets split over many WebSocket messages arrive whole, a listener can require client
// certificates, and a wrong WebSocket path is refused with 404.
#include <gtest/gtest.h>

#include <memory>

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
