// A long, conformant fleet history generated event by event and handed to a sink, never held whole: devices
// publish telemetry at QoS 0, 1 and 2 with tokened payloads, a collector with a persistent session and an
// auditor with a clean one subscribe to all of it and acknowledge every copy, and both devices and subscribers
// reconnect now and then (persistent sessions resume with their queued messages, clean ones start over). For the
// checker's memory tests and bench/model: its length is what grows, never what a broker has in flight.
#pragma once

#include <cstdint>
#include <algorithm>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "history/event.hpp"

namespace mqtt::model::testing {

struct FleetTrafficOptions {
  int devices = 200;
  std::uint64_t publishes = 500'000;
  int reconnect_per_mille = 2;        // chance per publish that one device reconnects
  int subscriber_flap_per_mille = 1;  // chance per publish that a subscriber goes offline for a while
  std::int64_t publish_interval_ns = 1'000'000;  // history time between two publishes (1,000 msg/s)
  // Churn (devices that flap all day): every device session is clean, each connection carries a retained will
  // on the device's status topic, publishes a retained "online" status and subscribes to its command topic,
  // and a reconnect ends without DISCONNECT (the broker publishes the will) one time in `abrupt_per_mille`.
  bool churn = false;
  int abrupt_per_mille = 500;
  // Every device publishes at QoS 0 only and sends no other request: no answer ever confirms its publications.
  bool qos0_only = false;
};

class FleetTraffic {
 public:
  using Sink = std::function<void(const history::Event&)>;

  FleetTraffic(std::uint64_t seed, FleetTrafficOptions options, Sink sink)
      : random_(seed), options_(options), sink_(std::move(sink)) {}

  // Generates the whole history; returns its end time.
  std::int64_t run() {
    subscribers_.resize(2);
    subscribers_[0].client_id = "collector";  // persistent, QoS 2: queued messages wait for it while offline
    subscribers_[0].persistent = true;
    subscribers_[0].granted = QoS::exactly_once;
    subscribers_[0].statuses = options_.churn;  // subscribed before any status is retained: no retained copies
    subscribers_[1].client_id = "auditor";  // clean session, QoS 1: subscribes again after each reconnect
    if (options_.churn) {
      for (auto& subscriber : subscribers_) connect_subscriber(subscriber);
    }
    for (int index = 0; index < options_.devices; ++index) {
      Device device;
      device.client_id = "d";  // appended: GCC 12 warns falsely (-Wrestrict) on "d" + std::to_string(index)
      device.client_id += std::to_string(index);
      device.persistent = !options_.churn && index % 2 == 1;
      devices_.push_back(device);
      connect_device(devices_.back());
    }
    if (!options_.churn) {
      for (auto& subscriber : subscribers_) connect_subscriber(subscriber);
    }
    for (std::uint64_t count = 0; count < options_.publishes; ++count) {
      time_ns_ += options_.publish_interval_ns;
      auto& device = devices_[pick(devices_.size())];
      publish(device, count);
      if (chance(options_.reconnect_per_mille)) reconnect_device(devices_[pick(devices_.size())]);
      for (auto& subscriber : subscribers_) {
        if (subscriber.connection == 0 && count >= subscriber.back_at) connect_subscriber(subscriber);
      }
      if (chance(options_.subscriber_flap_per_mille)) {
        auto& subscriber = subscribers_[pick(subscribers_.size())];
        if (subscriber.connection != 0) {
          disconnect(subscriber.connection);
          subscriber.connection = 0;
          subscriber.back_at = count + 1 + pick(2000);
        }
      }
    }
    return time_ns_;
  }

 private:
  struct Device {
    std::string client_id;
    bool persistent = false;
    bool session_stored = false;
    std::uint32_t connection = 0;
    std::uint16_t next_id = 0;
    std::uint64_t connects = 0;
  };

  struct Subscriber {
    std::string client_id;
    bool persistent = false;
    QoS granted = QoS::at_least_once;
    bool session_stored = false;
    std::uint32_t connection = 0;
    std::uint16_t next_id = 0;
    std::uint64_t back_at = 0;
    bool statuses = false;  // also subscribed to fleet/+/status (churn): gets statuses and wills
    std::vector<Publish> queued;  // QoS 1/2 messages the broker holds for the persistent session while offline
  };

  std::size_t pick(std::size_t bound) { return static_cast<std::size_t>(random_() % bound); }
  bool chance(int per_mille) { return static_cast<int>(pick(1000)) < per_mille; }

  template <typename Acknowledgement>
  static Acknowledgement acknowledgement(std::uint16_t packet_id) {
    Acknowledgement packet;
    packet.packet_id = packet_id;
    return packet;
  }

  static std::uint16_t next_packet_id(std::uint16_t& counter) {
    counter = static_cast<std::uint16_t>(counter % 65535 + 1);
    return counter;
  }

  void emit(std::uint32_t connection, history::EventKind kind, std::optional<Packet> packet,
            std::string actor = {}, std::optional<history::CloseReason> close_reason = std::nullopt) {
    history::Event event;
    event.close_reason = close_reason;
    event.sequence = ++sequence_;
    time_ns_ += 1000;  // 1 us between events: the publish interval dominates
    event.time_ns = time_ns_;
    event.connection = connection;
    event.actor = std::move(actor);
    event.kind = kind;
    event.packet = std::move(packet);
    sink_(event);
  }

  // Open, CONNECT, CONNACK; returns the new connection's id.
  std::uint32_t open_session(const std::string& client_id, bool persistent, bool& session_stored,
                             std::optional<Will> will = std::nullopt) {
    const auto connection = ++last_connection_;
    emit(connection, history::EventKind::open, std::nullopt, client_id);
    Connect connect;
    connect.client_id = client_id;
    connect.clean_session = !persistent;
    connect.will = std::move(will);
    emit(connection, history::EventKind::sent, Packet{connect});
    Connack connack;
    connack.session_present = persistent && session_stored;
    emit(connection, history::EventKind::received, Packet{connack});
    session_stored = persistent;
    return connection;
  }

  void disconnect(std::uint32_t connection) {
    emit(connection, history::EventKind::sent, Packet{Disconnect{}});
    emit(connection, history::EventKind::closed, std::nullopt);
  }

  void connect_device(Device& device) {
    if (!options_.churn) {
      device.connection = open_session(device.client_id, device.persistent, device.session_stored);
      return;
    }
    Will will;
    will.topic = "fleet/" + device.client_id + "/status";
    const auto will_text = "mh1 " + device.client_id + "-will-" + std::to_string(++device.connects);
    will.payload = Bytes(will_text.begin(), will_text.end());
    will.qos = QoS::at_least_once;
    will.retain = true;
    device.connection = open_session(device.client_id, false, device.session_stored, will);
    Subscribe subscribe;
    subscribe.packet_id = next_packet_id(device.next_id);
    Subscription command;
    command.filter = "fleet/" + device.client_id + "/command";
    command.qos = QoS::at_least_once;
    subscribe.subscriptions.push_back(command);
    emit(device.connection, history::EventKind::sent, Packet{subscribe});
    Suback suback;
    suback.packet_id = subscribe.packet_id;
    suback.reason_codes = {1};
    emit(device.connection, history::EventKind::received, Packet{suback});
    Publish status;
    status.topic = will.topic;
    const auto status_text = "mh1 " + device.client_id + "-online-" + std::to_string(device.connects);
    status.payload = Bytes(status_text.begin(), status_text.end());
    status.qos = QoS::at_least_once;
    status.retain = true;
    status.packet_id = next_packet_id(device.next_id);
    emit(device.connection, history::EventKind::sent, Packet{status});
    fan_out_status(status);
    emit(device.connection, history::EventKind::received, Packet{acknowledgement<Puback>(*status.packet_id)});
  }

  // A status or will reaches the subscribers of fleet/+/status as an ordinary copy (RETAIN=0).
  void fan_out_status(const Publish& message) {
    for (auto& subscriber : subscribers_) {
      if (!subscriber.statuses) continue;
      Publish copy = message;
      copy.retain = false;
      copy.qos = std::min(message.qos, subscriber.granted);
      copy.packet_id.reset();
      if (subscriber.connection != 0) {
        deliver(subscriber, std::move(copy));
      } else if (subscriber.persistent) {
        subscriber.queued.push_back(std::move(copy));
      }
    }
  }

  void reconnect_device(Device& device) {
    if (options_.churn && chance(options_.abrupt_per_mille)) {
      // The client drops the connection without DISCONNECT: the broker publishes the retained will, which no
      // subscriber here matches; the retained store takes it as the topic's newest value.
      emit(device.connection, history::EventKind::closed, std::nullopt, {}, history::CloseReason::local_close);
      Publish will;
      will.topic = "fleet/" + device.client_id + "/status";
      const auto will_text = "mh1 " + device.client_id + "-will-" + std::to_string(device.connects);
      will.payload = Bytes(will_text.begin(), will_text.end());
      will.qos = QoS::at_least_once;
      will.retain = true;
      fan_out_status(will);
    } else {
      disconnect(device.connection);
    }
    connect_device(device);
  }

  void connect_subscriber(Subscriber& subscriber) {
    const bool resumed = subscriber.persistent && subscriber.session_stored;
    subscriber.connection = open_session(subscriber.client_id, subscriber.persistent, subscriber.session_stored);
    if (!resumed) {
      Subscribe subscribe;
      subscribe.packet_id = next_packet_id(subscriber.next_id);
      Subscription subscription;
      subscription.filter = "fleet/+/telemetry";
      subscription.qos = subscriber.granted;
      subscribe.subscriptions.push_back(subscription);
      if (subscriber.statuses) {
        subscription.filter = "fleet/+/status";
        subscribe.subscriptions.push_back(subscription);
      }
      emit(subscriber.connection, history::EventKind::sent, Packet{subscribe});
      Suback suback;
      suback.packet_id = subscribe.packet_id;
      suback.reason_codes.assign(subscribe.subscriptions.size(), static_cast<std::uint8_t>(subscriber.granted));
      emit(subscriber.connection, history::EventKind::received, Packet{suback});
    }
    auto queued = std::move(subscriber.queued);
    subscriber.queued.clear();
    for (auto& copy : queued) deliver(subscriber, std::move(copy));
  }

  // The broker's copy reaches the subscriber, which completes the flow at once.
  void deliver(Subscriber& subscriber, Publish copy) {
    const auto connection = subscriber.connection;
    if (copy.qos != QoS::at_most_once) copy.packet_id = next_packet_id(subscriber.next_id);
    const auto id = copy.packet_id.value_or(0);
    const auto qos = copy.qos;
    emit(connection, history::EventKind::received, Packet{std::move(copy)});
    if (qos == QoS::at_least_once) {
      emit(connection, history::EventKind::sent, Packet{acknowledgement<Puback>(id)});
    } else if (qos == QoS::exactly_once) {
      emit(connection, history::EventKind::sent, Packet{acknowledgement<Pubrec>(id)});
      emit(connection, history::EventKind::received, Packet{acknowledgement<Pubrel>(id)});
      emit(connection, history::EventKind::sent, Packet{acknowledgement<Pubcomp>(id)});
    }
  }

  void publish(Device& device, std::uint64_t count) {
    Publish message;
    message.topic = "fleet/" + device.client_id + "/telemetry";
    const auto payload = "mh1 " + device.client_id + "-" + std::to_string(count) + " t=" + std::to_string(count % 40);
    message.payload = Bytes(payload.begin(), payload.end());
    message.qos = options_.qos0_only ? QoS::at_most_once : static_cast<QoS>(pick(3));
    if (message.qos != QoS::at_most_once) message.packet_id = next_packet_id(device.next_id);
    const auto id = message.packet_id.value_or(0);
    emit(device.connection, history::EventKind::sent, Packet{message});
    for (auto& subscriber : subscribers_) {
      Publish copy = message;
      copy.qos = std::min(message.qos, subscriber.granted);
      copy.packet_id.reset();
      if (subscriber.connection != 0) {
        deliver(subscriber, std::move(copy));
      } else if (subscriber.persistent && copy.qos != QoS::at_most_once) {
        subscriber.queued.push_back(std::move(copy));
      }
    }
    if (message.qos == QoS::at_least_once) {
      emit(device.connection, history::EventKind::received, Packet{acknowledgement<Puback>(id)});
    } else if (message.qos == QoS::exactly_once) {
      emit(device.connection, history::EventKind::received, Packet{acknowledgement<Pubrec>(id)});
      emit(device.connection, history::EventKind::sent, Packet{acknowledgement<Pubrel>(id)});
      emit(device.connection, history::EventKind::received, Packet{acknowledgement<Pubcomp>(id)});
    }
  }

  std::mt19937_64 random_;
  FleetTrafficOptions options_;
  Sink sink_;
  std::vector<Device> devices_;
  std::vector<Subscriber> subscribers_;
  std::uint32_t last_connection_ = 0;
  std::uint64_t sequence_ = 0;
  std::int64_t time_ns_ = 0;
};

}  // namespace mqtt::model::testing
