#include "model/will.hpp"

#include <algorithm>
#include <utility>

#include "model/delivery_duties.hpp"
#include "model/retained.hpp"

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
  conn.will_message = model.add_message(std::move(will));
}

void publish_will_at_close(ModelState& model, Connection& conn, const Event& event) {
  // The will: published unless the client sent DISCONNECT first [MQTT-3.1.2-8, MQTT-3.1.2-10].
  if (!conn.accepted || conn.will_message == no_message) return;
  auto& will = model.messages[conn.will_message];
  if (conn.disconnect_sent) return;
  will.sent_time = std::min(will.sent_time, event.time_ns);
  will.will_due = true;
  model.exercise("MQTT-3.1.2-8");
  model.exercise(will.retain ? "MQTT-3.1.2-17" : "MQTT-3.1.2-16");
  if (will.retain) store_retained_will(model, conn.will_message);
  if (conn.taken_over) return;
  // A faulted connection's will is due once the broker could have noticed: 1.5 x keep alive plus the
  // tolerance.
  const auto detection =
      conn.faulted ? (conn.connect.keep_alive == 0
                          ? never
                          : conn.connect.keep_alive * 1'500'000'000LL + model.options.keepalive_grace_ns)
                   : 0;
  if (detection == never) return;
  const auto before = model.duties.size();
  will.sent_time = event.time_ns;
  create_delivery_duties(model, conn.will_message, add_time(event.time_ns, detection), {event.sequence});
  for (auto i = before; i < model.duties.size(); ++i) {
    if (model.duties[i].statement == "MQTT-4.5.0-1") model.duties[i].statement = "MQTT-3.1.2-8";
  }
}

void check_will_delivery(ModelState& model, const Connection& subscriber, std::size_t index,
                         const Event& event) {
  const auto& message = model.messages[index];
  auto& owner = model.connections[message.publisher_connection];
  if (owner.disconnect_sent && owner.disconnect_time < event.time_ns && !owner.faulted &&
      !(owner.closed && server_closed(owner.close_reason) && owner.closed_time < owner.disconnect_time)) {
    model.violation("MQTT-3.14.4-3",
                    "the will of client " + quoted(owner.client_id) + " reached " + client_label(subscriber) +
                        " although the client had sent DISCONNECT",
                    {owner.disconnect_sequence, event.sequence});
  }
}

}  // namespace mqtt::model::detail
