// A small, obviously conformant MQTT 3.1.1 broker and a random driver, for property tests of the checker.
// It writes the client-perspective history a probe would record: every broker decision happens synchronously, so
// the only freedom is the driver's (seeded) choice of the next operation.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "history_builder.hpp"
#include "model/topic.hpp"

namespace mqtt::model::testing {

struct SimulationOptions {
  int clients = 4;
  int steps = 60;
  bool withhold_acknowledgements = true;  // clients sometimes stop acknowledging, leaving messages in flight
  int maximum_qos = 2;                     // the broker grants at most this QoS
};

// What the simulation knows about one PUBLISH a client received, so mutations can pick fair targets.
struct DeliveryFacts {
  std::size_t event_index = 0;
  std::uint32_t connection = 0;
  std::string client_id;
  std::string token;  // empty for payloads without a token
  std::string topic;
  std::uint32_t publisher_connection = 0;
  QoS published_qos = QoS::at_most_once;
  QoS delivered_qos = QoS::at_most_once;
  bool retained_copy = false;
  bool redelivery = false;
  bool will = false;
  int matching_subscriptions = 0;
  bool session_had_established_match = false;  // for retained copies: an older subscription matched at publish
};

struct SimulatedHistory {
  history::History history;
  std::int64_t end_time = 0;
  std::vector<DeliveryFacts> deliveries;
};

class ConformantSimulation {
 public:
  ConformantSimulation(std::uint64_t seed, SimulationOptions options) : random_(seed), options_(options) {
    for (int i = 0; i < options_.clients; ++i) {
      Client client;
      client.id = "c" + std::to_string(i);
      clients_.push_back(client);
    }
  }

  SimulatedHistory run() {
    for (int step = 0; step < options_.steps; ++step) {
      history_.after(2 * seconds);
      auto& client = clients_[pick(clients_.size())];
      if (client.connection == 0) {
        connect(client);
        continue;
      }
      const int choice = static_cast<int>(pick(100));
      if (choice < 30) publish(client);
      else if (choice < 50) subscribe(client);
      else if (choice < 57) unsubscribe(client);
      else if (choice < 65) disconnect(client);
      else if (choice < 72) drop(client);
      else if (choice < 80 && options_.withhold_acknowledgements) toggle_withholding(client);
      else ping(client);
    }
    SimulatedHistory result;
    result.history = history_.history();
    result.end_time = history_.now() + 5 * seconds;
    result.deliveries = deliveries_;
    return result;
  }

 private:
  struct Client {
    std::string id;
    std::uint32_t connection = 0;
    std::uint16_t next_packet_id = 1;
    bool withholding = false;
    std::optional<Will> will;
    std::vector<std::pair<std::uint16_t, QoS>> held;  // deliveries received but not yet acknowledged
  };

  struct Stored {
    Publish packet;  // as delivered (packet id, QoS)
    std::string token;
    std::uint32_t publisher_connection = 0;
    QoS published_qos = QoS::at_most_once;
    bool will = false;
  };

  struct Session {
    bool persistent = false;
    std::map<std::string, QoS> subscriptions;
    std::map<std::uint16_t, Stored> in_flight;  // sent, not acknowledged; re-sent with DUP on resume
    std::deque<Stored> queue;                    // QoS 1/2 owed while offline
    std::uint16_t next_packet_id = 1;
    std::uint32_t connection = 0;
  };

  struct RetainedEntry {
    Publish packet;
    std::string token;
    std::uint32_t publisher_connection = 0;
    bool will = false;
  };

  // The engine's output is fixed by the standard but distributions are not, so draws use it directly: the same
  // seed gives the same history with any standard library (the differential test's golden file relies on it).
  std::size_t pick(std::size_t bound) { return static_cast<std::size_t>(random_() % bound); }
  bool chance(int percent) { return static_cast<int>(pick(100)) < percent; }
  QoS random_qos() { return static_cast<QoS>(pick(3)); }

  static std::string token_of(const Bytes& payload) {
    std::string text(payload.begin(), payload.end());
    return text.rfind("mh1 ", 0) == 0 ? text : std::string();
  }

  Client* client_by_id(const std::string& id) {
    for (auto& client : clients_) {
      if (client.id == id) return &client;
    }
    return nullptr;
  }

  std::uint16_t next_server_id(Session& session) {
    for (;;) {
      auto id = session.next_packet_id++;
      if (session.next_packet_id == 0) session.next_packet_id = 1;
      if (id != 0 && !session.in_flight.contains(id)) return id;
    }
  }

  // The client's side of a delivery: acknowledge at once unless withholding.
  void client_answers(Client& client, Session& session, std::uint16_t id, QoS qos) {
    if (qos == QoS::at_most_once) return;
    if (client.withholding) {
      client.held.emplace_back(id, qos);
      return;
    }
    acknowledge(client, session, id, qos);
  }

  void acknowledge(Client& client, Session& session, std::uint16_t id, QoS qos) {
    if (qos == QoS::at_least_once) {
      history_.sent(client.connection, HistoryBuilder::ack<Puback>(id));
    } else {
      history_.sent(client.connection, HistoryBuilder::ack<Pubrec>(id));
      history_.received(client.connection, HistoryBuilder::ack<Pubrel>(id));
      history_.sent(client.connection, HistoryBuilder::ack<Pubcomp>(id));
    }
    session.in_flight.erase(id);
  }

  void send_to(Client& client, Session& session, Stored stored, bool redelivery, int matching, bool retained_copy,
               bool established_match) {
    auto packet = stored.packet;
    if (packet.qos != QoS::at_most_once && !redelivery) packet.packet_id = next_server_id(session);
    packet.dup = redelivery;
    const auto index = history_.history().events.size();
    history_.received(client.connection, packet);
    DeliveryFacts facts;
    facts.event_index = index;
    facts.connection = client.connection;
    facts.client_id = client.id;
    facts.token = stored.token;
    facts.topic = packet.topic;
    facts.publisher_connection = stored.publisher_connection;
    facts.published_qos = stored.published_qos;
    facts.delivered_qos = packet.qos;
    facts.retained_copy = retained_copy;
    facts.redelivery = redelivery;
    facts.will = stored.will;
    facts.matching_subscriptions = matching;
    facts.session_had_established_match = established_match;
    deliveries_.push_back(facts);
    if (packet.qos != QoS::at_most_once) {
      stored.packet = packet;
      session.in_flight[*packet.packet_id] = stored;
      client_answers(client, session, *packet.packet_id, packet.qos);
    }
  }

  // The broker has a message: retain it, then give it to every session with a matching subscription.
  void distribute(const Publish& incoming, std::uint32_t publisher_connection, bool will) {
    const auto token = token_of(incoming.payload);
    if (incoming.retain) {
      if (incoming.payload.empty()) retained_.erase(incoming.topic);
      else retained_[incoming.topic] = RetainedEntry{incoming, token, publisher_connection, will};
    }
    for (auto& [client_id, session] : sessions_) {
      int granted = -1;
      int matching = 0;
      for (const auto& [filter, qos] : session.subscriptions) {
        if (!topic::matches(filter, incoming.topic)) continue;
        granted = std::max(granted, static_cast<int>(qos));
        ++matching;
      }
      if (granted < 0) continue;
      if (!token.empty()) matched_.insert({client_id, token});
      Stored stored;
      stored.packet = incoming;
      stored.packet.retain = false;
      stored.packet.dup = false;
      stored.packet.qos = static_cast<QoS>(std::min(granted, static_cast<int>(incoming.qos)));
      stored.packet.packet_id.reset();
      stored.token = token;
      stored.publisher_connection = publisher_connection;
      stored.published_qos = incoming.qos;
      stored.will = will;
      if (session.connection != 0) {
        send_to(*client_by_id(client_id), session, stored, false, matching, false, false);
      } else if (session.persistent && stored.packet.qos != QoS::at_most_once) {
        session.queue.push_back(stored);
      }
    }
  }

  void connect(Client& client) {
    client.connection = next_connection_++;
    client.withholding = false;
    client.held.clear();
    history_.open(client.connection, client.id);
    Connect connect;
    connect.client_id = client.id;
    connect.clean_session = chance(50);
    connect.keep_alive = 0;
    client.will.reset();
    if (chance(30)) {
      Will will;
      will.topic = topics_[pick(topics_.size())];
      will.payload = bytes_of("mh1 w" + std::to_string(++counter_));
      will.qos = random_qos();
      will.retain = chance(30);
      connect.will = will;
      client.will = will;
    }
    history_.sent(client.connection, connect);
    auto existing = sessions_.find(client.id);
    const bool present = !connect.clean_session && existing != sessions_.end() && existing->second.persistent;
    if (!present) sessions_.erase(client.id);
    auto& session = sessions_[client.id];
    session.persistent = !connect.clean_session;
    session.connection = client.connection;
    Connack connack;
    connack.session_present = present;
    history_.received(client.connection, connack);
    if (!present) return;
    // Resume: re-send what is in flight with DUP, in original order, then what was queued.
    auto in_flight = session.in_flight;
    for (auto& [id, stored] : in_flight) {
      send_to(client, session, stored, true, 1, false, false);
    }
    auto queue = std::move(session.queue);
    session.queue.clear();
    for (auto& stored : queue) send_to(client, session, stored, false, 1, false, false);
  }

  void publish(Client& client) {
    Publish packet;
    packet.topic = topics_[pick(topics_.size())];
    packet.qos = random_qos();
    packet.retain = chance(25);
    if (packet.retain && chance(20)) {
      packet.payload = {};
    } else {
      packet.payload = bytes_of("mh1 m" + std::to_string(++counter_));
    }
    if (packet.qos != QoS::at_most_once) packet.packet_id = client.next_packet_id++;
    if (client.next_packet_id == 0) client.next_packet_id = 1;
    history_.sent(client.connection, packet);
    distribute(packet, client.connection, false);
    if (packet.qos == QoS::at_least_once) {
      history_.received(client.connection, HistoryBuilder::ack<Puback>(*packet.packet_id));
    } else if (packet.qos == QoS::exactly_once) {
      history_.received(client.connection, HistoryBuilder::ack<Pubrec>(*packet.packet_id));
      history_.sent(client.connection, HistoryBuilder::ack<Pubrel>(*packet.packet_id));
      history_.received(client.connection, HistoryBuilder::ack<Pubcomp>(*packet.packet_id));
    }
  }

  void subscribe(Client& client) {
    auto& session = sessions_[client.id];
    std::vector<std::pair<std::string, QoS>> wanted;
    const auto count = 1 + pick(2);
    for (std::size_t i = 0; i < count; ++i) wanted.emplace_back(filters_[pick(filters_.size())], random_qos());
    const std::uint16_t id = client.next_packet_id++;
    if (client.next_packet_id == 0) client.next_packet_id = 1;
    history_.sent(client.connection, HistoryBuilder::subscribe(id, wanted));
    Suback suback;
    suback.packet_id = id;
    std::vector<std::string> fresh;
    for (const auto& [filter, qos] : wanted) {
      const auto granted = static_cast<QoS>(std::min<int>(static_cast<int>(qos), options_.maximum_qos));
      suback.reason_codes.push_back(static_cast<std::uint8_t>(granted));
      session.subscriptions[filter] = granted;
      fresh.push_back(filter);
    }
    history_.received(client.connection, suback);
    for (const auto& filter : fresh) {
      const auto granted = session.subscriptions[filter];
      for (const auto& [topic_name, entry] : retained_) {
        if (!topic::matches(filter, topic_name)) continue;
        Stored stored;
        stored.packet = entry.packet;
        stored.packet.retain = true;
        stored.packet.dup = false;
        stored.packet.qos = static_cast<QoS>(std::min(static_cast<int>(granted), static_cast<int>(entry.packet.qos)));
        stored.packet.packet_id.reset();
        stored.token = entry.token;
        stored.publisher_connection = entry.publisher_connection;
        stored.published_qos = entry.packet.qos;
        stored.will = entry.will;
        const bool established = matched_.contains({client.id, entry.token});
        send_to(client, session, stored, false, 1, true, established);
      }
    }
  }

  void unsubscribe(Client& client) {
    auto& session = sessions_[client.id];
    Unsubscribe packet;
    packet.packet_id = client.next_packet_id++;
    if (client.next_packet_id == 0) client.next_packet_id = 1;
    std::string filter = filters_[pick(filters_.size())];
    if (!session.subscriptions.empty() && chance(70)) {
      auto it = session.subscriptions.begin();
      std::advance(it, pick(session.subscriptions.size()));
      filter = it->first;
    }
    packet.filters = {filter};
    history_.sent(client.connection, packet);
    session.subscriptions.erase(filter);
    Unsuback unsuback;
    unsuback.packet_id = packet.packet_id;
    history_.received(client.connection, unsuback);
  }

  void end_connection(Client& client, bool graceful) {
    auto& session = sessions_[client.id];
    if (graceful) {
      history_.sent(client.connection, Disconnect{});
      history_.closed(client.connection, history::CloseReason::local_close);
    } else {
      history_.closed(client.connection, history::CloseReason::local_abort);
    }
    const auto connection = client.connection;
    client.connection = 0;
    client.held.clear();
    session.connection = 0;
    if (!session.persistent) sessions_.erase(client.id);
    if (!graceful && client.will) {
      Publish will;
      will.topic = client.will->topic;
      will.payload = client.will->payload;
      will.qos = client.will->qos;
      will.retain = client.will->retain;
      distribute(will, connection, true);
    }
    client.will.reset();
  }

  void disconnect(Client& client) { end_connection(client, true); }
  void drop(Client& client) { end_connection(client, false); }

  void toggle_withholding(Client& client) {
    if (!client.withholding) {
      client.withholding = true;
      return;
    }
    client.withholding = false;
    auto& session = sessions_[client.id];
    auto held = std::move(client.held);
    client.held.clear();
    for (const auto& [id, qos] : held) acknowledge(client, session, id, qos);
  }

  void ping(Client& client) {
    history_.sent(client.connection, Pingreq{});
    history_.received(client.connection, Pingresp{});
  }

  std::mt19937_64 random_;
  SimulationOptions options_;
  HistoryBuilder history_;
  std::vector<Client> clients_;
  std::map<std::string, Session> sessions_;
  std::map<std::string, RetainedEntry> retained_;
  std::set<std::pair<std::string, std::string>> matched_;  // (client id, token) a subscription ever matched
  std::vector<DeliveryFacts> deliveries_;
  std::uint32_t next_connection_ = 1;
  int counter_ = 0;
  const std::vector<std::string> topics_{"t/a", "t/b", "t/a/x", "$s/a"};
  const std::vector<std::string> filters_{"t/a", "t/+", "t/#", "#", "+/a", "$s/#", "t/a/x", "+/+/x"};
};

}  // namespace mqtt::model::testing
