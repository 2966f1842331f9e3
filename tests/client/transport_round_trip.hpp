// What the transport tests check once a target is reachable: open a session over the transport, CONNECT, and move
// a message through the broker (subscriber and publisher may use different transports), with the history
// recording plain MQTT packets whatever carried them. Header-only; used by the client and broker test folders.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "client/session.hpp"

namespace mqtt::client::testing {

inline TargetUrl target_of(const std::string& text, TlsSettings tls = {}) {
  auto result = parse_target_url(text);
  if (auto* error = std::get_if<UrlError>(&result)) throw std::runtime_error(text + ": " + error->describe());
  TargetUrl target = std::get<TargetUrl>(result);
  target.tls = std::move(tls);
  return target;
}

// The failure line of an open that must fail ("" when it opened).
inline std::string open_failure(EventLoop& loop, Recorder& recorder, const TargetUrl& target) {
  OpenOptions options;
  options.actor = "probe";
  auto result = Connection::open(loop, recorder, target, options);
  if (auto* failure = std::get_if<std::string>(&result)) return *failure;
  std::get<Connection>(result).close();
  return {};
}

inline Session connected_session(EventLoop& loop, Recorder& recorder, const TargetUrl& target,
                                 const std::string& client_id) {
  OpenOptions open_options;
  open_options.actor = client_id;
  auto opened = Session::open(loop, recorder, target, open_options);
  if (auto* failure = std::get_if<std::string>(&opened)) {
    throw std::runtime_error("open " + target.redacted() + " failed: " + *failure);
  }
  Session session = std::get<Session>(std::move(opened));
  Connect connect;
  connect.client_id = client_id;
  connect.keep_alive = 30;
  const RequestResult connected = session.connect(connect, std::chrono::seconds(5));
  if (!connected.ok()) throw std::runtime_error("no CONNACK over " + target.redacted());
  return session;
}

// Subscribes over `subscriber_target`, publishes `count` QoS 1 messages of `size` bytes over `publisher_target`,
// and expects each back intact and in order.
inline void expect_round_trip(const TargetUrl& subscriber_target, const TargetUrl& publisher_target,
                              const std::string& topic, std::size_t count = 3, std::size_t size = 100) {
  Recorder recorder;
  EventLoop loop;
  Session subscriber = connected_session(loop, recorder, subscriber_target, "sub-" + topic);
  Session publisher = connected_session(loop, recorder, publisher_target, "pub-" + topic);
  ASSERT_TRUE(subscriber.subscribe({Subscription{topic, QoS::at_least_once}}, std::chrono::seconds(5)).ok());
  for (std::size_t index = 0; index < count; ++index) {
    Publish publish;
    publish.qos = QoS::at_least_once;
    publish.topic = topic;
    publish.payload.assign(size, static_cast<std::uint8_t>('a' + index % 26));
    ASSERT_TRUE(publisher.publish(publish, std::chrono::seconds(5)).ok()) << "message " << index;
  }
  for (std::size_t index = 0; index < count; ++index) {
    const WaitResult received = subscriber.next_publish(std::chrono::seconds(5));
    ASSERT_EQ(received.outcome, WaitOutcome::packet) << "message " << index;
    const auto& publish = std::get<Publish>(*received.packet);
    EXPECT_EQ(publish.topic, topic);
    EXPECT_EQ(publish.payload, Bytes(size, static_cast<std::uint8_t>('a' + index % 26)));
  }
  subscriber.disconnect();
  publisher.disconnect();
}

}  // namespace mqtt::client::testing
