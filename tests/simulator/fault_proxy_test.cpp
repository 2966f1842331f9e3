// Each fault of the in-process fault layer, between a real client session and a real mosquitto.
#include "simulator/fault_proxy.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>

#include "broker/broker.hpp"
#include "client/session.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/test_pki.hpp"

namespace mqtt::simulator {
namespace {

using namespace std::chrono_literals;
using client::Session;
using history::EventKind;

constexpr std::uint64_t seed = 7;

class FaultProxyTest : public ::testing::Test {
 protected:
  FaultProxyTest() : proxy(context.get_executor(), "127.0.0.1", broker.port(), seed) {}

  client::TargetUrl via_proxy() const {
    client::TargetUrl target;
    target.host = "127.0.0.1";
    target.port = proxy.port();
    return target;
  }
  client::TargetUrl direct() const {
    client::TargetUrl target;
    target.host = "127.0.0.1";
    target.port = broker.port();
    return target;
  }

  // Opens and connects; nullopt (with a test failure) when either step fails.
  std::optional<Session> connect(const client::TargetUrl& target, const std::string& id,
                                 std::optional<Will> will = std::nullopt, bool expect_connack = true) {
    client::OpenOptions options;
    options.actor = id;
    auto opened = Session::open(loop, recorder, target, options);
    if (auto* reason = std::get_if<std::string>(&opened)) {
      ADD_FAILURE() << "open " << id << ": " << *reason;
      return std::nullopt;
    }
    auto session = std::get<Session>(std::move(opened));
    Connect packet;
    packet.client_id = id;
    packet.keep_alive = 30;
    packet.will = std::move(will);
    auto result = session.connect(packet, expect_connack ? 5s : 1s);
    if (expect_connack && !result.ok()) {
      ADD_FAILURE() << "connect " << id << ": " << client::to_string(result.outcome);
      return std::nullopt;
    }
    if (!expect_connack) {  // braces: EXPECT_EQ is an if-else inside, which a bare if would leave dangling
      EXPECT_EQ(result.outcome, client::WaitOutcome::timeout);
    }
    return session;
  }

  // Milliseconds between the first event matching `first` and the first later event matching `second`.
  std::int64_t elapsed_ms(EventKind first_kind, PacketType first_type, const std::string& first_actor,
                          EventKind second_kind, PacketType second_type,
                          const std::string& second_actor) const {
    std::optional<std::int64_t> start;
    for (const auto& event : recorder.snapshot().events) {
      if (!event.packet) continue;
      const auto type = packet_type(*event.packet);
      if (!start && event.kind == first_kind && type == first_type && event.actor == first_actor) {
        start = event.time_ns;
      } else if (start && event.kind == second_kind && type == second_type && event.actor == second_actor) {
        return (event.time_ns - *start) / 1'000'000;
      }
    }
    ADD_FAILURE() << "events not found";
    return -1;
  }

  Publish message(const std::string& topic, std::size_t size, QoS qos) {
    Publish publish;
    publish.topic = topic;
    publish.payload.assign(size, 'x');
    publish.qos = qos;
    return publish;
  }

  test_support::MosquittoBroker broker;
  boost::asio::io_context context;
  client::EventLoop loop{context};
  client::Recorder recorder;
  FaultProxy proxy;
};

TEST_F(FaultProxyTest, PassesTrafficAndLearnsTheClientIdFromConnect) {
  auto device = connect(via_proxy(), "dev");
  ASSERT_TRUE(device);
  EXPECT_EQ(proxy.open_links("dev"), 1u);
  ASSERT_TRUE(device->subscribe({Subscription{"t/dev", QoS::at_least_once}}, 5s).ok());
  ASSERT_TRUE(device->publish(message("t/dev", 10, QoS::at_least_once), 5s).ok());
  EXPECT_TRUE(device->next_publish(5s).ok());
  EXPECT_GT(proxy.statistics().bytes_upstream, 0u);
  EXPECT_GT(proxy.statistics().bytes_downstream, 0u);
}

TEST_F(FaultProxyTest, LatencyDelaysBothDirections) {
  FaultParameters latency;
  latency.latency_ms = 300;
  latency.jitter_ms = 50;
  proxy.set_fault("dev", FaultKind::latency, latency);  // set before the link exists: it applies once bound
  auto device = connect(via_proxy(), "dev");
  ASSERT_TRUE(device);
  // CONNECT waits 300-350 ms on the way up, CONNACK as long on the way down.
  EXPECT_GE(elapsed_ms(EventKind::sent, PacketType::connect, "dev", EventKind::received, PacketType::connack,
                       "dev"),
            600);
}

TEST_F(FaultProxyTest, StallHoldsBytesUntilTheFaultEnds) {
  auto device = connect(via_proxy(), "dev");
  ASSERT_TRUE(device);
  FaultParameters stall;
  stall.direction = Direction::upstream;
  proxy.set_fault("dev", FaultKind::stall, stall);
  EXPECT_EQ(device->publish(message("t/x", 10, QoS::at_least_once), 500ms).outcome,
            client::WaitOutcome::timeout);
  proxy.clear_fault("dev", FaultKind::stall);
  EXPECT_TRUE(device->connection().wait_for(PacketType::puback, 5s).ok())
      << "held bytes must arrive late, not never";
}

TEST_F(FaultProxyTest, UpstreamBlackholeIsAHalfOpenConnection) {
  auto device = connect(via_proxy(), "dev");
  ASSERT_TRUE(device);
  ASSERT_TRUE(device->subscribe({Subscription{"t/dev", QoS::at_most_once}}, 5s).ok());
  FaultParameters blackhole;
  blackhole.direction = Direction::upstream;
  proxy.set_fault("dev", FaultKind::blackhole, blackhole);
  EXPECT_EQ(device->publish(message("t/x", 10, QoS::at_least_once), 500ms).outcome,
            client::WaitOutcome::timeout);
  EXPECT_GT(proxy.statistics().bytes_dropped, 0u);
  // The other direction still works: the device hears what others publish.
  auto other = connect(direct(), "other");
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->publish(message("t/dev", 5, QoS::at_least_once), 5s).ok());
  EXPECT_TRUE(device->next_publish(5s).ok());
  proxy.clear_fault("dev", FaultKind::blackhole);
  EXPECT_EQ(device->connection().wait_for(PacketType::puback, 500ms).outcome, client::WaitOutcome::timeout)
      << "dropped bytes never arrive";
  EXPECT_TRUE(device->connection().is_open());
}

TEST_F(FaultProxyTest, CloseWithResetEndsTheLinkWithoutDisconnectSoTheWillIsPublished) {
  auto watcher = connect(direct(), "watcher");
  ASSERT_TRUE(watcher);
  ASSERT_TRUE(watcher->subscribe({Subscription{"will/#", QoS::at_least_once}}, 5s).ok());
  Will will;
  will.topic = "will/dev";
  will.payload = {'g', 'o', 'n', 'e'};
  auto device = connect(via_proxy(), "dev", will);
  ASSERT_TRUE(device);
  EXPECT_EQ(proxy.close_links("dev", true), 1u);
  const auto closed = device->connection().wait_for_close(5s);
  ASSERT_EQ(closed.outcome, client::WaitOutcome::closed);
  EXPECT_EQ(closed.close_reason, history::CloseReason::reset);
  const auto delivered = watcher->next_publish(5s);
  ASSERT_TRUE(delivered.ok());
  EXPECT_EQ(std::get<Publish>(*delivered.packet).topic, "will/dev");
  EXPECT_EQ(proxy.open_links("dev"), 0u);
}

TEST_F(FaultProxyTest, CloseWithFinLooksLikeACleanEofButStillNoDisconnect) {
  auto watcher = connect(direct(), "watcher");
  ASSERT_TRUE(watcher);
  ASSERT_TRUE(watcher->subscribe({Subscription{"will/#", QoS::at_least_once}}, 5s).ok());
  Will will;
  will.topic = "will/dev";
  auto device = connect(via_proxy(), "dev", will);
  ASSERT_TRUE(device);
  EXPECT_EQ(proxy.close_links("dev", false), 1u);
  const auto closed = device->connection().wait_for_close(5s);
  ASSERT_EQ(closed.outcome, client::WaitOutcome::closed);
  EXPECT_EQ(closed.close_reason, history::CloseReason::clean_eof);
  EXPECT_TRUE(watcher->next_publish(5s).ok()) << "no DISCONNECT reached the broker, so the will is owed";
}

TEST_F(FaultProxyTest, FragmentSplitsWritesIntoSingleBytesAndTheBrokerStillUnderstands) {
  FaultParameters fragment;
  fragment.fragment_bytes = 1;
  fragment.direction = Direction::upstream;
  proxy.set_fault("dev", FaultKind::fragment, fragment);
  auto device = connect(via_proxy(), "dev");
  ASSERT_TRUE(device);
  ASSERT_TRUE(device->subscribe({Subscription{"t/dev", QoS::at_least_once}}, 5s).ok());
  const auto before = proxy.statistics();
  ASSERT_TRUE(device->publish(message("t/dev", 100, QoS::at_least_once), 5s).ok());
  ASSERT_TRUE(device->next_publish(5s).ok());
  const auto after = proxy.statistics();
  EXPECT_GE(after.writes - before.writes, 100u) << "a 100-byte payload went up one byte per write";
}

TEST_F(FaultProxyTest, BandwidthLimitSlowsDelivery) {
  auto device = connect(via_proxy(), "dev");
  ASSERT_TRUE(device);
  ASSERT_TRUE(device->subscribe({Subscription{"t/dev", QoS::at_most_once}}, 5s).ok());
  FaultParameters bandwidth;
  bandwidth.bytes_per_second = 2000;
  bandwidth.direction = Direction::downstream;
  proxy.set_fault("dev", FaultKind::bandwidth, bandwidth);
  auto publisher = connect(direct(), "publisher");
  ASSERT_TRUE(publisher);
  ASSERT_TRUE(publisher->publish(message("t/dev", 2000, QoS::at_most_once), 5s).ok());
  ASSERT_TRUE(device->next_publish(5s).ok());
  EXPECT_GE(elapsed_ms(EventKind::sent, PacketType::publish, "publisher", EventKind::received,
                       PacketType::publish, "dev"),
            700);
}

TEST_F(FaultProxyTest, SlowReaderTakesTheBrokersBytesSlowly) {
  auto device = connect(via_proxy(), "dev");
  ASSERT_TRUE(device);
  ASSERT_TRUE(device->subscribe({Subscription{"t/dev", QoS::at_most_once}}, 5s).ok());
  FaultParameters slow;
  slow.bytes_per_second = 1000;
  proxy.set_fault("dev", FaultKind::slow_reader, slow);
  auto publisher = connect(direct(), "publisher");
  ASSERT_TRUE(publisher);
  ASSERT_TRUE(publisher->publish(message("t/dev", 1500, QoS::at_most_once), 5s).ok());
  ASSERT_TRUE(device->next_publish(10s).ok());
  EXPECT_GE(elapsed_ms(EventKind::sent, PacketType::publish, "publisher", EventKind::received,
                       PacketType::publish, "dev"),
            1000);
}

TEST_F(FaultProxyTest, PartitionDropsEvenTheConnectOfANewLink) {
  proxy.set_fault("dev", FaultKind::partition, FaultParameters{});
  auto device = connect(via_proxy(), "dev", std::nullopt, /*expect_connack=*/false);
  ASSERT_TRUE(device);
  EXPECT_GT(proxy.statistics().bytes_dropped, 0u);
  auto unaffected = connect(via_proxy(), "other");  // the partition is per device
  EXPECT_TRUE(unaffected);
}

// Under TLS and WebSocket the proxy sees no CONNECT: each device names its link by the local port of its TCP
// connection (expect_link). Three devices over mqtts, ws and wss through one proxy each: every link is bound to
// the device that opened it, so a fault on one device reaches that device's connection and no other.
class FaultProxyTransportTest : public ::testing::TestWithParam<client::Scheme> {
 protected:
  FaultProxyTransportTest()
      : broker_([this] {
          broker::BrokerOptions options;
          options.listeners = {broker::Listener{.transport = broker::ListenerTransport::mqtts},
                               broker::Listener{.transport = broker::ListenerTransport::ws},
                               broker::Listener{.transport = broker::ListenerTransport::wss}};
          options.tls.certificate_file = pki_.server.certificate;
          options.tls.key_file = pki_.server.key;
          return options;
        }()),
        proxy_(context_.get_executor(), "127.0.0.1", broker_port(), seed) {}

  std::uint16_t broker_port() const {
    const auto ports = broker_.ports();
    switch (GetParam()) {
      case client::Scheme::mqtts: return ports.at(0);
      case client::Scheme::ws: return ports.at(1);
      default: return ports.at(2);
    }
  }

  // Opens a session through the proxy; `name_link` says whether the device tells the proxy which link is its.
  std::optional<Session> open(const std::string& id, bool name_link = true) {
    client::TargetUrl target;
    target.scheme = GetParam();
    target.host = "127.0.0.1";
    target.port = broker_port();
    if (client::uses_websocket(target.scheme)) target.path = "/mqtt";
    target.tls.ca_file = pki_.ca;
    target.relay_host = "127.0.0.1";
    target.relay_port = proxy_.port();
    client::OpenOptions options;
    options.actor = id;
    if (name_link) {
      options.on_tcp_connected = [this, id](std::uint16_t port) { proxy_.expect_link(port, id); };
    }
    auto opened = Session::open(loop_, recorder_, target, options);
    if (auto* reason = std::get_if<std::string>(&opened)) {
      ADD_FAILURE() << "open " << id << ": " << *reason;
      return std::nullopt;
    }
    auto session = std::get<Session>(std::move(opened));
    Connect packet;
    packet.client_id = id;
    packet.keep_alive = 30;
    if (!session.connect(packet, 5s).ok()) {
      ADD_FAILURE() << "connect " << id;
      return std::nullopt;
    }
    return session;
  }

  test_support::TestPki pki_;
  broker::EmbeddedBroker broker_;
  boost::asio::io_context context_;
  client::EventLoop loop_{context_};
  client::Recorder recorder_;
  FaultProxy proxy_;
};

TEST_P(FaultProxyTransportTest, EveryLinkIsBoundToTheDeviceThatOpenedIt) {
  std::vector<Session> devices;
  for (const std::string id : {"device-a", "device-b", "device-c"}) {
    auto device = open(id);
    ASSERT_TRUE(device);
    devices.push_back(std::move(*device));
  }
  for (const std::string id : {"device-a", "device-b", "device-c"}) EXPECT_EQ(proxy_.open_links(id), 1u) << id;

  // A fault on device-b: its connection ends, the others still get their answers.
  EXPECT_EQ(proxy_.close_links("device-b", true), 1u);
  const auto closed = devices[1].connection().wait_for_close(5s);
  EXPECT_EQ(closed.outcome, client::WaitOutcome::closed);
  for (const std::size_t other : {0u, 2u}) {
    EXPECT_TRUE(devices[other].connection().is_open()) << other;
    EXPECT_TRUE(devices[other].subscribe({Subscription{"t/" + std::to_string(other), QoS::at_least_once}}, 5s).ok())
        << other;
  }
  EXPECT_EQ(proxy_.open_links("device-b"), 0u);
  EXPECT_EQ(proxy_.open_links("device-a"), 1u);
  EXPECT_EQ(proxy_.open_links("device-c"), 1u);

  // A device that does not name its link is bound to nobody: the binding above came from expect_link.
  auto anonymous = open("device-d", false);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(proxy_.open_links("device-d"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Transports, FaultProxyTransportTest,
                         ::testing::Values(client::Scheme::mqtts, client::Scheme::ws, client::Scheme::wss),
                         [](const auto& info) { return std::string(client::to_string(info.param)); });

}  // namespace
}  // namespace mqtt::simulator
