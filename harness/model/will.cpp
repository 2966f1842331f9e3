#include "model/will.hpp"

#include <algorithm>
#include <utility>

#include "model/delivery_duties.hpp"
#include "model/keepalive.hpp"
#include "model/retained.hpp"
#include "model/v5_message_properties.hpp"
#include "model/v5_will.hpp"

namespace mqtt::model::detail {

void register_will(ModelState& model, Connection& conn, const Event& event) {
  const auto& connect = conn.connect;
  if (!connect.will) return;
  Message will;
  will.identity = identify_message(connect.will->topic, connect.will->payload);
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
  conn.will_message = model.add_message(std::move(will));
}

void publish_will_at_close(ModelState& model, Connection& conn, const Event& event) {
  // The will: published unless the client sent DISCONNECT first [MQTT-3.1.2-8, MQTT-3.1.2-10].
  if (!conn.accepted || conn.will_message == no_message) return;
  auto& will = model.messages[conn.will_message];
  // 5.0 discards the will only on DISCONNECT with reason 0x00; 0x04 and the other reasons keep it.
  if (conn.version == ProtocolVersion::v5 ? conn.v5.will_discarded : conn.disconnect_sent) return;
  will.sent_time = std::min(will.sent_time, event.time_ns);
  will.will_due = true;
  model.exercise("MQTT-3.1.2-8");
  model.exercise(will.retain ? "MQTT-3.1.2-17" : "MQTT-3.1.2-16");
  if (will.retain) store_retained_will(model, conn.will_message);
  if (conn.taken_over) return;
  // A faulted connection's will is due once the broker could have noticed (keepalive.hpp).
  const auto detection = conn.faulted ? faulted_will_detection_ns(model, conn) : 0;
  if (detection == never) return;
  const auto before = model.duties.size();
  will.sent_time = event.time_ns;
  const auto delay = conn.version == ProtocolVersion::v5 ? delay_will(model, conn, event) : 0;
  create_delivery_duties(model, conn.will_message, add_time(event.time_ns, detection + delay),
                         {event.sequence});
  for (auto i = before; i < model.duties.size(); ++i) {
    if (model.duties[i].statement == "MQTT-4.5.0-1") model.duties[i].statement = "MQTT-3.1.2-8";
  }
}

void check_will_delivery(ModelState& model, const Connection& subscriber, std::size_t index,
                         const Event& event) {
  const auto& message = model.messages[index];
  auto& owner = model.connections[message.publisher_connection];
  if (owner.version == ProtocolVersion::v5) check_delayed_will_copy(model, owner, index, event);
  const bool discarded = owner.version == ProtocolVersion::v5 ? owner.v5.will_discarded : owner.disconnect_sent;
  if (discarded && owner.disconnect_time < event.time_ns && !owner.faulted &&
      !(owner.closed && server_closed(owner.close_reason) && owner.closed_time < owner.disconnect_time)) {
    model.violation("MQTT-3.14.4-3",
                    "the will of client " + quoted(owner.client_id) + " reached " + client_label(subscriber) +
                        " although the client had sent DISCONNECT",
                    {owner.disconnect_sequence, event.sequence});
  }
}

}  // namespace mqtt::model::detail
