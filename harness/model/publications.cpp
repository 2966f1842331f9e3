#include "model/publications.hpp"

#include <algorithm>
#include <utility>

#include "model/client_rules.hpp"
#include "model/delivery_duties.hpp"
#include "model/policing.hpp"
#include "model/requests.hpp"
#include "model/retained.hpp"
#include "model/topic.hpp"
#include "codec/encoder.hpp"
#include "model/v5_message_properties.hpp"

namespace mqtt::model::detail {

void on_client_publish(ModelState& model, Connection& conn, const Publish& publish, const Event& event) {
  // A name that passed the check before passes it again: a device publishes to the same few topics all run long.
  auto topic_id = model.topics.find(publish.topic);
  if (!model.topics.valid(topic_id)) {
    if (auto error = topic::validate_name(publish.topic)) {
      auto& duty = protocol_violation(model, conn, event, error->statement,
                                      "it published to the invalid topic " + quoted(publish.topic),
                                      broken_topic_name_rules(error->statement));
      if (publish.qos != QoS::at_most_once) {
        duty.answer = publish.qos == QoS::at_least_once ? PacketType::puback : PacketType::pubrec;
        duty.answer_id = publish.packet_id;
      }
      return;
    }
    if (topic_id == no_topic) topic_id = model.topics.intern(publish.topic);
    model.topics.mark_valid(topic_id);
  }
  auto identity = identify_message(publish.topic, publish.payload);
  const auto& client_id = conn.client_id;
  // A DUP re-send of a publish that is still in flight (on this or a previous connection of the same client).
  if (publish.dup && publish.qos != QoS::at_most_once && publish.packet_id) {
    auto candidates = model.messages_by_key.find(identity.key);
    if (candidates != model.messages_by_key.end()) {
      for (auto it = candidates->second.rbegin(); it != candidates->second.rend(); ++it) {
        auto& previous = model.messages[*it];
        if (previous.publisher == client_id && !previous.is_will && previous.qos == publish.qos) {
          previous.retransmitted = true;
          // 5.0 names the receiver's duty towards a repeated QoS 2 PUBLISH on its own: PUBREC again, and no
          // second onward delivery (judged in delivery.cpp) [MQTT-4.3.3-10].
          if (conn.version == ProtocolVersion::v5 && publish.qos == QoS::exactly_once) {
            model.exercise(v5("MQTT-4.3.3-10"));
          }
          add_publish_request(model, conn, publish, *it, event);
          return;
        }
      }
    }
  }
  Message message;
  message.identity = std::move(identity);
  message.topic = publish.topic;
  message.topic_id = topic_id;
  message.payload_empty = publish.payload.empty();
  message.qos = publish.qos;
  message.retain = publish.retain;
  message.publisher_connection = conn.id;
  message.publisher = client_id;
  message.sequence = event.sequence;
  message.sent_time = event.time_ns;
  message.from_refused_connection = conn.refused;
  if (conn.version == ProtocolVersion::v5) remember_message_properties(message, publish.properties);
  if (conn.version == ProtocolVersion::v5) {
    message.published_size = event.raw.empty() ? encode(Packet{publish}).size() : event.raw.size();
  }
  // One look-up of the key answers both: whether the token was published before, and where the index goes. The
  // key moves into the map only when it was not there.
  const auto key_slot = model.messages_by_key.try_emplace(std::move(message.identity.key)).first;
  if (message.identity.tokened && !key_slot->second.empty()) {
    model.messages[key_slot->second.front()].instances++;  // the same token published again: a new publication
    add_publish_request(model, conn, publish, key_slot->second.front(), event);
    return;
  }
  const auto index = model.add_message(std::move(message), key_slot);
  if (publish.retain) {
    store_retained_publish(model, publish, index);
  } else {
    model.exercise("MQTT-3.3.1-12");
  }
  model.exercise("MQTT-3.3.1-9");
  if (publish.qos == QoS::at_most_once) {
    conn.unconfirmed_qos0.push_back(index);
  } else {
    add_publish_request(model, conn, publish, index, event);
  }
}

void on_publish_after_refusal(ModelState& model, Connection& conn, const Publish& publish, const Event& event) {
  Message message;
  message.identity = identify_message(publish.topic, publish.payload);
  message.topic = publish.topic;
  message.payload_empty = publish.payload.empty();
  message.qos = publish.qos;
  message.retain = publish.retain;
  message.publisher_connection = conn.id;
  message.publisher = conn.client_id;
  message.sequence = event.sequence;
  message.sent_time = event.time_ns;
  message.from_refused_connection = true;
  model.add_message(std::move(message));
}

void confirm_qos0_before(ModelState& model, Connection& conn, std::uint64_t request_sequence,
                         const Event& event) {
  auto& pending = conn.unconfirmed_qos0;
  pending.erase(std::remove_if(pending.begin(), pending.end(),
                               [&](std::size_t index) {
                                 if (model.messages[index].sequence >= request_sequence) return false;
                                 model.mark_processed(index, event.time_ns, event.sequence);
                                 // Proven read, so owned: every online session with a definite matching
                                 // subscription is owed a copy [MQTT-4.5.0-1].
                                 create_delivery_duties(model, index, event.time_ns, {event.sequence});
                                 return true;
                               }),
                pending.end());
}

}  // namespace mqtt::model::detail
