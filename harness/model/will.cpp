#include "model/will.hpp"

#include <algorithm>
#include <utility>

#include "model/delivery_duties.hpp"
#include "model/keepalive.hpp"
#include "model/retained.hpp"
#include "model/subscriptions.hpp"
#include "codec/encoder.hpp"
#include "model/v5_message_properties.hpp"
#include "model/v5_will.hpp"

namespace mqtt::model::detail {

namespace {

// Enters a will's key: a key entered before belongs to a will the broker may publish for another connection.
void enter_will_key(ModelState& model, const std::string& key) {
  if (!model.will_keys.insert(key).second) model.repeated_will_keys.insert(key);
}

std::string will_key(const Connect& connect) { return identify_message(connect.will->topic, connect.will->payload).key; }

// A connection that sent CONNECT with a will identical to `key` and has not seen the CONNACK yet: the broker may have
// accepted it and be publishing its will already (the CONNACK lost in a cut link, or not read yet).
bool unconfirmed_will_pending(const ModelState& model, const std::string& key) {
  for (const auto& [id, conn] : model.connections) {
    if (conn.connect_seen && !conn.connack_seen && !conn.closed && conn.connect.will && will_key(conn.connect) == key) {
      return true;
    }
  }
  return false;
}

}  // namespace

void register_will(ModelState& model, Connection& conn, const Event& event) {
  const auto& connect = conn.connect;
  if (!connect.will) return;
  Message will;
  will.identity = identify_message(connect.will->topic, connect.will->payload);
  enter_will_key(model, will.identity.key);
  will.topic = connect.will->topic;
  will.payload_empty = connect.will->payload.empty();
  will.qos = connect.will->qos;
  will.retain = connect.will->retain;
  will.publisher_connection = conn.id;
  will.publisher = conn.client_id;
  will.sequence = conn.connect_sequence;
  will.sent_time = event.time_ns;
  will.is_will = true;
  if (conn.version == ProtocolVersion::v5) remember_message_properties(will, connect.will->properties);
  if (conn.version == ProtocolVersion::v5) {
    Publish as_published;
    as_published.version = ProtocolVersion::v5;
    as_published.topic = connect.will->topic;
    as_published.payload = connect.will->payload;
    as_published.properties = connect.will->properties;
    will.published_size = encode(Packet{as_published}).size();
  }
  conn.will_message = model.add_message(std::move(will));
}

void note_unconfirmed_will(ModelState& model, const Connection& conn) {
  if (conn.connect_seen && !conn.connack_seen && conn.connect.will) enter_will_key(model, will_key(conn.connect));
}

void publish_will_at_close(ModelState& model, Connection& conn, const Event& event) {
  // A connection without a will that ends without DISCONNECT publishes none [MQTT-3.1.2-12]; a will of an earlier
  // connection of the client id, published or discarded, is no longer held [MQTT-3.1.2-10]: check_will_delivery
  // judges any copy that comes now.
  if (conn.accepted && conn.will_message == no_message && !conn.disconnect_sent) {
    for (const auto& [id, earlier] : model.connections) {
      if (id >= conn.id || earlier.client_id != conn.client_id || earlier.will_message == no_message) continue;
      model.exercise("MQTT-3.1.2-12");
      if (earlier.will_published || earlier.disconnect_sent) model.exercise("MQTT-3.1.2-10");
    }
    // Earlier connections the checker has forgotten left these two marks in the session (forgetting.hpp).
    if (const auto session = model.sessions.find(conn.client_id); session != model.sessions.end()) {
      const auto& marks = session->second;
      if (marks.forgotten_with_will != 0 && marks.forgotten_with_will < conn.id) model.exercise("MQTT-3.1.2-12");
      if (marks.forgotten_will_gone != 0 && marks.forgotten_will_gone < conn.id) model.exercise("MQTT-3.1.2-10");
    }
  }
  // The will: published unless the client sent DISCONNECT first [MQTT-3.1.2-8, MQTT-3.1.2-10].
  if (!conn.accepted || conn.will_message == no_message) return;
  auto& will = model.messages[conn.will_message];
  // 5.0 discards the will only on DISCONNECT with reason 0x00; 0x04 and the other reasons keep it.
  if (conn.version == ProtocolVersion::v5 ? conn.v5.will_discarded : conn.disconnect_sent) return;
  will.sent_time = std::min(will.sent_time, event.time_ns);
  will.will_due = true;
  conn.will_published = true;
  // A broker restart ended this connection: the spec asks a server to publish the will when it closes a network
  // connection without DISCONNECT, and does not ask a server that stops to publish, after it starts again, the
  // wills of the connections its stop ended (mosquitto and the embedded broker publish none on a clean shutdown).
  // So the will is allowed, not owed: it stays a possible retained version, a copy that comes is judged as any
  // will's (never twice, never after DISCONNECT) and shown as observed behaviour (check_will_delivery).
  if (conn.cut_by_restart != 0) {
    will.will_not_owed = true;
    if (will.retain) store_retained_will(model, conn.will_message);
    return;
  }
  model.exercise("MQTT-3.1.2-8");
  model.exercise(will.retain ? "MQTT-3.1.2-17" : "MQTT-3.1.2-16");
  if (will.retain) store_retained_will(model, conn.will_message);
  if (conn.taken_over) return;
  // A faulted connection's will is due once the broker could have noticed (keepalive.hpp).
  const auto detection = conn.faulted ? faulted_will_detection_ns(model, conn) : 0;
  if (detection == never) return;
  const auto before = model.duties.next_index();
  will.sent_time = event.time_ns;
  const auto delay = conn.version == ProtocolVersion::v5 ? delay_will(model, conn, event) : 0;
  create_delivery_duties(model, conn.will_message, add_time(event.time_ns, detection + delay),
                         {event.sequence});
  for (auto i = before; i < model.duties.next_index(); ++i) {
    if (model.duties[i].statement == "MQTT-4.5.0-1") model.duties[i].statement = "MQTT-3.1.2-8";
  }
}

namespace {

// The connection of the will's client id, later than the will's own, that had no will and ended without DISCONNECT
// before `time`: a will published then was published for a connection that had none [MQTT-3.1.2-12].
const Connection* later_connection_without_will(const ModelState& model, const Connection& owner, std::int64_t time) {
  for (const auto& [id, conn] : model.connections) {
    if (id <= owner.id || !conn.accepted || conn.client_id != owner.client_id) continue;
    if (conn.will_message == no_message && conn.closed && !conn.disconnect_sent && conn.closed_time < time) {
      return &conn;
    }
  }
  return nullptr;
}

}  // namespace

void check_will_delivery(ModelState& model, const Connection& subscriber, std::size_t index, const Publish& publish,
                         const Event& event) {
  const auto& message = model.messages[index];
  auto& owner = model.connections[message.publisher_connection];
  if (owner.version == ProtocolVersion::v5) check_delayed_will_copy(model, owner, index, event);
  if (message.will_not_owed && !message.will_copy_observed) {
    model.messages[index].will_copy_observed = true;  // one observation per will, not per subscriber
    model.observe_behaviour("publishes-wills-of-connections-a-restart-ended",
                            "the will of client " + quoted(owner.client_id) + ", whose connection the broker's restart "
                            "ended, reached " + client_label(subscriber) + " (allowed, not owed)",
                            {owner.cut_by_restart, event.sequence});
  }
  // Published once, then no longer held [MQTT-3.1.2-10]: more new copies than the subscriber's matching
  // subscriptions (one copy per subscription is allowed) means the server published it again. Only for a will no
  // other message looks like (a device re-connecting with the same will publishes an identical one each time).
  const auto key = identify_message(publish.topic, publish.payload).key;
  const auto candidates = model.messages_by_key.find(key);
  const bool unique = candidates != model.messages_by_key.end() && candidates->second.size() == 1 &&
                      !model.repeated_will_keys.contains(key);
  if (unique && !publish.retain && model.generation_known(subscriber)) {
    const auto ledger = model.ledgers.find({index, subscriber.generation});
    const auto allowed = std::max<std::size_t>(1, normal_copy_records(model, subscriber, index, event.time_ns).size());
    const bool new_copy = !publish.dup && !repeats_owed_publish(model, subscriber, index, publish);
    if (new_copy && ledger != model.ledgers.end() &&
        ledger->second.ordinary_copies + 1 > static_cast<int>(allowed) && !unconfirmed_will_pending(model, key)) {
      model.violation("MQTT-3.1.2-10",
                      "the will of client " + quoted(owner.client_id) + " reached " + client_label(subscriber) +
                          " again, as a new message, after it had been published",
                      {message.sequence, ledger->second.first_sequence, event.sequence});
      return;
    }
  }
  const bool discarded = owner.version == ProtocolVersion::v5 ? owner.v5.will_discarded : owner.disconnect_sent;
  if (discarded && owner.disconnect_time < event.time_ns && !owner.faulted &&
      !(owner.closed && server_closed(owner.close_reason) && owner.closed_time < owner.disconnect_time)) {
    if (const auto* later = later_connection_without_will(model, owner, event.time_ns)) {
      model.violation("MQTT-3.1.2-12",
                      "the will of an earlier connection of client " + quoted(owner.client_id) + " reached " +
                          client_label(subscriber) + " after a connection of that client without a will ended",
                      {owner.disconnect_sequence, later->connect_sequence, later->closed_sequence, event.sequence});
      return;
    }
    model.violation("MQTT-3.14.4-3",
                    "the will of client " + quoted(owner.client_id) + " reached " + client_label(subscriber) +
                        " although the client had sent DISCONNECT",
                    {owner.disconnect_sequence, event.sequence});
  }
}

}  // namespace mqtt::model::detail
