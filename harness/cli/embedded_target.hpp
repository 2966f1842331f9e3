// The embedded reference broker as the target of conform and simulate when no --target is given, served over
// the transport --embedded-transport names: mqtt (the default), mqtts, ws or wss. For TLS it gets a
// certificate made for this run (an EC P-256 key, self-signed for 127.0.0.1 and localhost, valid one day),
// which the harness then trusts as its only authority: verification stays on, as against a real broker.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "broker/broker.hpp"
#include "client/target_url.hpp"

namespace mqtt::cli {

std::optional<client::Scheme> parse_embedded_transport(
    std::string_view name);  // "mqtt", "mqtts", "ws", "wss"

class EmbeddedTarget {
 public:
  // Starts the broker; throws std::runtime_error with one line when it cannot (no certificate, no port).
  EmbeddedTarget(broker::BrokerOptions options, client::Scheme scheme);
  ~EmbeddedTarget();  // stops the broker, removes the run's certificate
  EmbeddedTarget(const EmbeddedTarget&) = delete;
  EmbeddedTarget& operator=(const EmbeddedTarget&) = delete;

  // Where to connect: scheme://127.0.0.1:PORT[/mqtt], with tls.ca_file set to the run's certificate for TLS.
  const client::TargetUrl& target() const { return target_; }
  broker::EmbeddedBroker& broker() { return *broker_; }
  void stop() {
    if (broker_) broker_->stop();
  }
  // The broker-restart fault (simulator/broker_restart.hpp): stops the broker (every connection ends, no will is
  // published), stays down for `down`, and starts a new one with the same options on the same port. Its sessions,
  // queued and retained messages were in memory: they are gone, as after a real broker's restart without
  // persistence. Throws std::runtime_error when the port cannot be bound again (the broker then stays down).
  // Not to be called concurrently with anything else on this object.
  void restart(std::chrono::milliseconds down);

 private:
  broker::BrokerOptions options_;  // what restart() starts again
  std::filesystem::path certificate_directory_;
  std::unique_ptr<broker::EmbeddedBroker> broker_;
  client::TargetUrl target_;
};

}  // namespace mqtt::cli
