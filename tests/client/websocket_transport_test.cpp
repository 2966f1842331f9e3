// ws:// and wss:// against a WebSocket endpoint that is not ours: Debian's websockify bridging to mosquitto. It
// chooses the "binary" subprotocol and refuses an upgrade that does not offer it, which the harness reports in one
// line; offered "mqtt,binary" (--ws-subprotocol) it carries MQTT both ways.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "support/mosquitto_broker.hpp"
#include "support/test_pki.hpp"
#include "support/websockify_process.hpp"
#include "transport_round_trip.hpp"

namespace mqtt::client {
namespace {

using testing::expect_round_trip;
using testing::open_failure;
using testing::target_of;

class MosquittoBehindWebsockify : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists("/usr/bin/websockify")) return;  // each test skips, saying why
    pki = std::make_unique<test_support::TestPki>();
    broker = std::make_unique<test_support::MosquittoBroker>();
    bridge = std::make_unique<test_support::WebsockifyProcess>(test_support::WebsockifyOptions{
        broker->port(), pki->server.certificate, pki->server.key});
  }
  static void TearDownTestSuite() {
    bridge.reset();
    broker.reset();
    pki.reset();
  }
  void SetUp() override {
    if (!bridge) GTEST_SKIP() << "websockify is not installed (ci/setup.sh --with-extras installs it)";
  }
  static TargetUrl bridged(const std::string& scheme, TlsSettings tls = {}) {
    TargetUrl target = target_of(scheme + "://127.0.0.1:" + std::to_string(bridge->port()) + "/", std::move(tls));
    target.websocket_subprotocols = {"mqtt", "binary"};
    return target;
  }
  static TlsSettings trusting_test_ca() {
    TlsSettings settings;
    settings.ca_file = pki->ca;
    return settings;
  }

  static inline std::unique_ptr<test_support::TestPki> pki;
  static inline std::unique_ptr<test_support::MosquittoBroker> broker;
  static inline std::unique_ptr<test_support::WebsockifyProcess> bridge;
  Recorder recorder;
  EventLoop loop;
};

TEST_F(MosquittoBehindWebsockify, WebSocketRoundTripWithThePlainListener) {
  // The subscriber is on mosquitto's own TCP listener: the bridge really delivers into the same broker.
  expect_round_trip(target_of(broker->url()), bridged("ws"), "websockify/ws", 3, 50'000);
  expect_round_trip(bridged("ws"), target_of(broker->url()), "websockify/ws-back", 3, 50'000);
}

TEST_F(MosquittoBehindWebsockify, OpenRecordsTheSubprotocolTheBridgeChose) {
  const TargetUrl target = bridged("ws");
  auto opened =
      Connection::open(loop, recorder, target, OpenOptions{.actor = "probe", .on_tcp_connected = nullptr});
  ASSERT_TRUE(std::holds_alternative<Connection>(opened)) << std::get<std::string>(opened);
  std::get<Connection>(opened).close();
  const auto history = recorder.snapshot();
  EXPECT_EQ(history.events[0].detail,
            "peer 127.0.0.1:" + std::to_string(bridge->port()) + " WebSocket / subprotocol binary");
  ASSERT_TRUE(history.events[0].websocket.has_value());
  EXPECT_EQ(history.events[0].websocket->offered, "mqtt,binary");
  EXPECT_EQ(history.events[0].websocket->subprotocol, "binary");
}

TEST_F(MosquittoBehindWebsockify, SecureWebSocketRoundTrip) {
  const TargetUrl target = bridged("wss", trusting_test_ca());
  expect_round_trip(target, target, "websockify/wss", 3, 50'000);
}

TEST_F(MosquittoBehindWebsockify, OfferingOnlyMqttIsARefusedUpgradeInOneLine) {
  TargetUrl target = bridged("ws");
  target.websocket_subprotocols = {"mqtt"};
  const std::string failure = open_failure(loop, recorder, target);
  EXPECT_EQ(failure, "WebSocket upgrade at ws://127.0.0.1:" + std::to_string(bridge->port()) +
                         "/ refused: HTTP 400 Invalid protocol selected");
}

TEST_F(MosquittoBehindWebsockify, SecureWebSocketWithAnUnknownAuthority) {
  TlsSettings settings;
  settings.ca_file = pki->other_ca;
  const std::string failure = open_failure(loop, recorder, bridged("wss", settings));
  EXPECT_EQ(failure.rfind("TLS handshake with 127.0.0.1:" + std::to_string(bridge->port()) +
                              " failed: the server's certificate is not signed by an authority the harness trusts",
                          0),
            0u)
      << failure;
}

}  // namespace
}  // namespace mqtt::client
