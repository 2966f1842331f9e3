#include "model/v5_shared.hpp"

#include <algorithm>

#include "model/topic.hpp"
#include "model/v5_rejections.hpp"

namespace mqtt::model::detail {
namespace {

// The share group every record of `possible` belongs to ("" when some copy path is not shared, or the
// records name different groups: then the copy cannot be told to be this group's).
std::string common_group(const ModelState& model, const RecordList& possible) {
  std::string group;
  for (const auto index : possible) {
    const auto& record = model.records[index];
    if (record.share_group.empty() || (!group.empty() && group != record.share_group)) return "";
    group = record.share_group;
  }
  return group;
}

// The member's session ended after its connection was lost: the session that received the copy is no longer the
// client id's live one.
bool member_session_ended(const ModelState& model, const SharedDelivery& delivery) {
  const auto session = model.sessions.find(delivery.client_id);
  return session == model.sessions.end() || session->second.generation != delivery.generation ||
         !session->second.generation_alive;
}

// A publication that reached the server exactly once and is known by its token: two copies of it to two
// members are one message given twice, not two messages.
bool single_publication(const Message& message) {
  return message.identity.tokened && message.instances == 1 && !message.retransmitted && !message.is_will;
}

// A copy to `conn` of a message the server began delivering to another member of `group`, after that member's
// connection was lost: true when it is such a move. At QoS 0 or 1 the move is the server's right; at QoS 2 it is
// what MQTT-4.8.2-4 (session alive) or MQTT-4.8.2-5 (session ended) forbids.
bool judge_move(ModelState& model, const Connection& conn, std::size_t index, const std::string& group,
                const Event& event) {
  // A message a member refused is discarded, whatever its QoS and whether or not that member is still there.
  if (const auto* rejected = rejected_by_member(model, index, group, event.time_ns);
      rejected != nullptr && rejected->client_id != conn.client_id) {
    const auto& message = model.messages[index];
    model.violation(v5("MQTT-4.8.2-6"),
                    "the message on " + quoted(message.topic) + " that " + quoted(rejected->client_id) +
                        " refused with a reason code of 0x80 or above reached " + client_label(conn) +
                        ", another member of the share group " + quoted(group),
                    {message.sequence, rejected->sequence, event.sequence});
    return true;
  }
  const auto held = model.shared_deliveries.find(std::make_pair(index, group));
  if (held == model.shared_deliveries.end()) return false;
  const auto& delivery = held->second;
  if (delivery.client_id == conn.client_id) return false;  // the member's own re-send or completion
  const auto member = model.connections.find(delivery.connection);
  if (member == model.connections.end() || !member->second.closed || member->second.closed_time > event.time_ns) {
    return false;  // the member was still connected: a second member's copy is not a move after a loss
  }
  if (delivery.qos != QoS::exactly_once) return true;
  const auto& message = model.messages[index];
  const bool ended = member_session_ended(model, delivery);
  model.violation(v5(ended ? "MQTT-4.8.2-5" : "MQTT-4.8.2-4"),
                  "the QoS 2 message on " + quoted(message.topic) + " that the server had begun delivering to " +
                      quoted(delivery.client_id) + " through the shared subscription of group " + quoted(group) +
                      " reached " + client_label(conn) + " after that member's connection was lost" +
                      (ended ? " and its session ended" : ", while its session lived on"),
                  {message.sequence, delivery.sequence, member->second.closed_sequence, event.sequence});
  return true;
}

}  // namespace

void check_shared_copy(ModelState& model, const Connection& conn, const Publish& publish, std::size_t index,
                       const RecordList& possible, const Event& event) {
  const auto group = common_group(model, possible);
  if (group.empty()) return;
  const auto& message = model.messages[index];
  // The grant can only be broken where it is below the published QoS (delivery.cpp reports a copy above it).
  const bool grant_below_published = std::all_of(possible.begin(), possible.end(), [&](std::size_t i) {
    return model.records[i].start_ack <= event.time_ns && model.records[i].granted < level_of(message.qos);
  });
  if (grant_below_published) model.exercise(v5("MQTT-4.8.2-3"));
  if (!single_publication(message)) return;
  if (judge_move(model, conn, index, group, event)) return;
  const auto key = std::make_pair(index, group);
  if (!conn.accepted || model.shared_deliveries.contains(key)) return;
  SharedDelivery delivery;
  delivery.connection = conn.id;
  delivery.client_id = conn.client_id;
  delivery.generation = conn.generation;
  delivery.sequence = event.sequence;
  delivery.qos = publish.qos;
  model.shared_deliveries.emplace(key, std::move(delivery));
}

bool moved_shared_copy(ModelState& model, const Connection& conn, std::size_t index, const Event& event) {
  if (conn.version != ProtocolVersion::v5 || !single_publication(model.messages[index])) return false;
  // A member that joined the group after the publication can still be handed the message by a move.
  for (const auto record_index : indexed(model.records_by_connection, conn.id)) {
    const auto& record = model.records[record_index];
    if (record.share_group.empty() || record.refused || record.start_sent > event.time_ns ||
        !topic::matches(record.filter, model.messages[index].topic)) {
      continue;
    }
    if (judge_move(model, conn, index, record.share_group, event)) return true;
  }
  return false;
}

bool may_have_moved_to_another_member(const ModelState& model, const std::string& client_id, std::uint64_t generation,
                                      const ServerFlight& flight) {
  if (flight.qos == QoS::exactly_once || flight.message == no_message) return false;
  const auto& topic_name = model.messages[flight.message].topic;
  for (const auto record_index : indexed(model.records_by_generation, generation)) {
    const auto& member = model.records[record_index];
    if (member.client_id != client_id || member.share_group.empty() || member.refused ||
        !topic::matches(member.filter, topic_name)) {
      continue;
    }
    const bool other_member = std::ranges::any_of(model.records.values(), [&](const auto& record) {
      return record.share_group == member.share_group && record.client_id != client_id && !record.refused &&
             topic::matches(record.filter, topic_name);
    });
    if (other_member) return true;
  }
  return false;
}

void finish_shared_deliveries(ModelState& model) {
  for (const auto& [key, delivery] : model.shared_deliveries) {
    const auto& [index, group] = key;
    if (delivery.qos != QoS::exactly_once) continue;
    const auto member = model.connections.find(delivery.connection);
    if (member == model.connections.end() || !member->second.closed) continue;
    const auto lost = member->second.closed_time;
    const auto& topic_name = model.messages[index].topic;
    const bool other_member = std::ranges::any_of(model.records.values(), [&](const auto& record) {
      return record.share_group == group && record.client_id != delivery.client_id && !record.refused &&
             record.end_ack >= lost && topic::matches(record.filter, topic_name);
    });
    if (!other_member) continue;
    model.exercise(v5(member_session_ended(model, delivery) ? "MQTT-4.8.2-5" : "MQTT-4.8.2-4"));
  }
}

}  // namespace mqtt::model::detail
