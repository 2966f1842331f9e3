#include "model/delivery_duties.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <string_view>
#include <utility>

#include "model/retained.hpp"
#include "model/topic.hpp"
#include "model/v5_flow.hpp"
#include "model/v5_message_properties.hpp"
#include "model/v5_shared.hpp"
#include "model/v5_subscription_options.hpp"

namespace mqtt::model::detail {
namespace {

void add_judged(DeliveryDuty& duty, std::string statement) {
  if (std::find(duty.judged_with.begin(), duty.judged_with.end(), statement) == duty.judged_with.end()) {
    duty.judged_with.push_back(std::move(statement));
  }
}

// The statements a duty to a subscriber judges besides its own, as bits of judged_common: literals at fixed
// addresses, so exercising them is answered by the address (statement_memo.hpp) without hashing.
constexpr const char* delivery_judged_statements[] = {"MQTT-4.1.0-2", "MQTT-4.5.0-1", "MQTT-4.1.0-1",
                                                      "MQTT-4.7.3-4", "MQTT-4.7.1-2", "MQTT-4.7.1-3",
                                                      "MQTT-3.1.3-2"};
enum JudgedCommon : std::uint8_t {
  session_lasts = 1u << 0,       // MQTT-4.1.0-2
  offline_added = 1u << 1,       // MQTT-4.5.0-1
  session_state = 1u << 2,       // MQTT-4.1.0-1
  exact_match = 1u << 3,         // MQTT-4.7.3-4
  multi_level = 1u << 4,         // MQTT-4.7.1-2
  single_level = 1u << 5,        // MQTT-4.7.1-3
  earlier_connection = 1u << 6,  // MQTT-3.1.3-2
};

// A filter starting with a wildcard that would match this '$' topic but for the '$' rule: a delivery through
// it is judged from now on (subscriptions.cpp) [MQTT-4.7.2-1].
void exercise_dollar_rule(ModelState& model, const Message& message, std::int64_t owned_at) {
  if (message.topic.empty() || message.topic.front() != '$') return;
  auto undollared = message.topic;
  undollared.front() = '_';
  for (const auto record_index : model.wildcard_records) {
    const auto& record = model.records[record_index];
    if (record.filter.front() != '+' && record.filter.front() != '#') continue;
    if (record_definite(record, message.sent_time, owned_at) && topic::matches(record.filter, undollared)) {
      model.exercise("MQTT-4.7.2-1");
      return;
    }
  }
}

// Every subscription of this session that matched the message was removed by an UNSUBSCRIBE.
bool unsubscribed_since(const ModelState& model, const std::string& client_id, std::uint64_t generation,
                        std::size_t message_index) {
  bool removed = false;
  for (const auto record_index : model.matching_records(model.messages[message_index])) {
    const auto& record = model.records[record_index];
    if (record.client_id != client_id || record.generation != generation || record.refused) continue;
    if (!record.ended_by_unsubscribe) return false;
    removed = true;
  }
  return removed;
}

}  // namespace

void exercise_duty(ModelState& model, const DeliveryDuty& duty) {
  // The usual statements through their literals: the duty's own copy of the text sits at an address of its own,
  // which ModelState's memo can only answer by hashing the text.
  constexpr const char* usual[] = {"MQTT-4.5.0-1", "MQTT-3.1.2-5", "MQTT-4.4.0-1"};
  const auto literal = std::find(std::begin(usual), std::end(usual), std::string_view(duty.statement));
  if (literal != std::end(usual)) {
    model.exercise_literal(*literal);
  } else {
    model.exercise(duty.statement);
  }
  for (std::size_t bit = 0; bit < std::size(delivery_judged_statements); ++bit) {
    if (duty.judged_common & (1u << bit)) model.exercise_literal(delivery_judged_statements[bit]);
  }
  for (const auto& statement : duty.judged_with) model.exercise(statement);
}

std::string duty_description(const ModelState& model, const DeliveryDuty& duty) {
  if (!duty.described_by_message) return duty.description;
  const auto& message = model.messages[duty.message];
  return std::string(message.is_will ? "will " : "") + "message on " + quoted(message.topic) + " (QoS " +
         std::to_string(level_of(message.qos)) + ") to client " + quoted(duty.client_id) + " at QoS " +
         std::to_string(level_of(duty.required)) + duty.description;
}

void release_duty_text(DeliveryDuty& duty) {
  std::string().swap(duty.description);
  duty.judged_common = 0;
  std::vector<std::string>().swap(duty.judged_with);
  std::vector<std::uint64_t>().swap(duty.evidence);
}

void create_delivery_duties(ModelState& model, std::size_t index, std::int64_t owned_at,
                            std::vector<std::uint64_t> evidence) {
  const auto& message = model.messages[index];
  // Per (client id, session generation) the message reaches, in that order: the matching records, sorted by it
  // (stable, so each group keeps the records' order). Four maps keyed by copies of the client id, then one map of
  // (client id, generation), were a fifth, then a tenth, of what this function cost in a fan-in (issue 16); the
  // records do not change while the duties are made, so their client ids are pointed at, not copied.
  struct Match {
    const std::string* client_id = nullptr;
    std::uint64_t generation = 0;
    std::size_t record = 0;
    bool operator<(const Match& other) const {
      const int order = client_id->compare(*other.client_id);
      return order < 0 || (order == 0 && generation < other.generation);
    }
    bool same_session(const Match& other) const {
      return generation == other.generation && *client_id == *other.client_id;
    }
  };
  struct Reach {
    std::pair<int, std::uint64_t> best{0, 0};  // granted, suback seq
    int matching = 0;
    bool resubscribed = false;
    RecordList records;
  };
  boost::container::small_vector<Match, 4> matches;
  exercise_dollar_rule(model, message, owned_at);
  model.for_each_matching_record(message, [&](std::size_t record_index) {
    const auto& record = model.records[record_index];
    if (record.granted > 2) return;
    if (!record_definite(record, message.sent_time, owned_at)) return;
    // 5.0: No Local keeps the subscriber's own publications out; a shared subscription's message is owed to
    // one member of its group, whichever the server picks, never to each.
    if (!carries_publisher(record, message) || !record.share_group.empty()) return;
    matches.push_back(Match{&record.client_id, record.generation, record_index});
  });
  if (message.from_refused_connection) return;
  // A 5.0 message that may expire before its deadline is not owed.
  if (may_have_expired(model, index, add_time(owned_at, model.options.close_grace_ns))) return;
  std::stable_sort(matches.begin(), matches.end());
  for (auto group = matches.begin(); group != matches.end();) {
    const auto group_end =
        std::find_if(group, matches.end(), [&](const Match& match) { return !match.same_session(*group); });
    const std::pair<const std::string&, std::uint64_t> key{*group->client_id, group->generation};
    Reach reach;
    for (; group != group_end; ++group) {
      const auto& record = model.records[group->record];
      ++reach.matching;
      reach.records.push_back(group->record);
      auto& slot = reach.best;
      if (slot.second == 0 || record.granted > slot.first) {
        slot = {record.granted, record.suback_sequence};
        reach.resubscribed = record.replaced_granted && *record.replaced_granted != record.granted;
      }
    }
    const auto& granted = reach.best;
    const auto required = std::min(level_of(message.qos), granted.first);
    auto session_it = model.sessions.find(key.first);
    if (session_it == model.sessions.end()) continue;
    const auto& session = session_it->second;
    if (!session.generation_alive || session.generation != key.second) continue;
    const bool online = session.connection != 0 && !model.connection_at(session.connection).closed;
    // 5.0: a copy that may not fit the subscriber's Maximum Packet Size is discarded, not owed
    // [MQTT-3.1.2-25].
    if (online && may_exceed_client_maximum(model, model.connection_at(session.connection), index)) continue;
    // QoS 0 is owed to a connected session only (queueing it for an offline one is the server's choice), only
    // if the session was already connected when the message was sent (the broker may have handled it while
    // the session was offline), and only for a message a copy can be told apart by (a payload token): its
    // duty arises after the copy may have come, and an identical untokened copy could belong to another
    // message.
    if (required == 0 && (!online || !message.identity.tokened ||
                          model.connection_at(session.connection).connack_time >= message.sent_time)) {
      continue;
    }
    DeliveryDuty duty;
    duty.message = index;
    duty.client_id = key.first;
    duty.generation = key.second;
    duty.required = static_cast<QoS>(required);
    duty.overlapping = reach.matching > 1;
    duty.resubscribed = reach.resubscribed;
    duty.evidence.reserve(evidence.size() + 2);
    duty.evidence = evidence;
    duty.evidence.push_back(granted.second);
    duty.evidence.push_back(message.sequence);
    if (online) {
      duty.due = add_time(owned_at, model.options.close_grace_ns);
      duty.statement = "MQTT-4.5.0-1";
      duty.judged_common |= session_lasts;  // the session lasts while its connection is open
    } else if (session.persistent) {
      duty.statement = "MQTT-3.1.2-5";
      duty.judged_common |= offline_added;  // added to the session although it is offline
    } else {
      continue;
    }
    // The subscriptions it is owed through are session state held until now [MQTT-4.1.0-1], matched byte for
    // byte [MQTT-4.7.3-4]; one made on an earlier connection of the client id was found by that id
    // [MQTT-3.1.3-2].
    duty.judged_common |= session_state | exact_match;
    for (const auto record_index : reach.records) {
      const auto& filter = model.records[record_index].filter;
      if (filter.find('#') != std::string::npos) duty.judged_common |= multi_level;
      if (filter.find('+') != std::string::npos) duty.judged_common |= single_level;
      if (model.records[record_index].connection != session.connection)
        duty.judged_common |= earlier_connection;
    }
    model.exercise(online ? "MQTT-4.5.0-1" : "MQTT-3.1.2-5");  // duty.statement, as a literal
    model.exercise("MQTT-3.8.4-6");
    auto ledger = model.ledgers.find({index, key.second});
    if (ledger != model.ledgers.end() && ledger->second.highest_qos >= required) {
      duty.settled = true;  // the copy came first: the sentence that would describe it is never needed
      exercise_duty(model, duty);
      release_duty_text(duty);
    } else {
      duty.described_by_message = true;  // the sentence is built only if a verdict needs it
    }
    model.add_duty(std::move(duty));
  }
}

void settle_duties(ModelState& model, Connection& conn, std::size_t index, const Publish& publish,
                   const Event& event, bool retained_copy) {
  settle_duties(model, conn, index, publish, event, retained_copy, model.ledgers[{index, conn.generation}]);
}

void settle_duties(ModelState& model, Connection& conn, std::size_t index, const Publish& publish,
                   const Event& event, bool retained_copy, CopyLedger& ledger) {
  ledger.highest_qos = std::max(ledger.highest_qos, level_of(publish.qos));
  ledger.qos_seen |= 1u << level_of(publish.qos);
  for (const auto duty_index : indexed(model.duties_by_message, index)) {
    auto& duty = model.duties[duty_index];
    if (duty.settled || duty.cancelled || duty.message != index) continue;
    if (duty.retained_copy) {
      if (retained_copy && duty.connection == conn.id) {
        duty.settled = true;
        exercise_duty(model, duty);
      }
      continue;
    }
    if (duty.client_id != conn.client_id || duty.generation != conn.generation) continue;
    if (duty.redelivery_id) {
      if (publish.packet_id == duty.redelivery_id) {
        duty.settled = true;
        exercise_duty(model, duty);
        model.exercise("MQTT-3.3.1-1");
        if (!publish.dup) {
          model.violation("MQTT-3.3.1-1",
                          "the server re-sent the unacknowledged message on " +
                              quoted(model.messages[index].topic) + " to client " + quoted(conn.client_id) +
                              " with DUP=0",
                          {duty.evidence.front(), event.sequence});
        }
      }
      continue;
    }
    if (level_of(publish.qos) >= level_of(duty.required)) {
      duty.settled = true;
      exercise_duty(model, duty);
      duty.settled_by_new_copy = !publish.dup;
      // A re-send (DUP=1) shows the message was in flight when the session went offline, not queued.
      if (duty.statement == "MQTT-3.1.2-5" && !publish.dup)
        model.sessions[conn.client_id].offline_queue_shown = true;
    }
    if (duty.settled) release_duty_text(duty);
  }
}

void remember_redeliveries(const Connection& previous, Session& session) {
  if (!session.persistent) return;
  for (const auto& [id, flight] : previous.server_flights) session.owed_redeliveries.emplace_back(id, flight);
}

void resume_session_deliveries(ModelState& model, Connection& conn, Session& session, const Event& event) {
  model.exercise("MQTT-3.1.2-5");
  for (const auto duty_index : indexed(model.duties_by_client, conn.client_id)) {
    auto& duty = model.duties[duty_index];
    if (duty.client_id == conn.client_id && duty.generation == session.generation && !duty.settled &&
        !duty.cancelled && !duty.retained_copy && duty.due == never) {
      if (may_have_expired(model, duty.message, add_time(event.time_ns, model.options.close_grace_ns))) {
        duty.cancelled = true;  // its Message Expiry Interval may have run out while the session was away
        continue;
      }
      if (may_exceed_client_maximum(model, conn, duty.message)) {
        duty.cancelled = true;  // too large for what the resumed connection declared [MQTT-3.1.2-25]
        continue;
      }
      duty.due = add_time(event.time_ns, model.options.close_grace_ns);
      duty.evidence.push_back(event.sequence);
    }
  }
  for (const auto& [id, flight] : session.owed_redeliveries) {
    if (flight.client_answered || flight.message == no_message) continue;  // PUBACK/PUBREC may have arrived
    // 5.0: a QoS 0/1 message of a share group may have gone to another member instead.
    if (conn.version == ProtocolVersion::v5 &&
        may_have_moved_to_another_member(model, conn.client_id, session.generation, flight)) {
      continue;
    }
    model.exercise("MQTT-4.4.0-1");
    DeliveryDuty duty;
    duty.message = flight.message;
    duty.client_id = conn.client_id;
    duty.generation = session.generation;
    duty.required = flight.qos;
    duty.redelivery_id = id;
    duty.redelivery_retain = flight.retain;
    duty.due = add_time(event.time_ns, model.options.close_grace_ns);
    duty.evidence = {flight.sequence, event.sequence};
    duty.statement = "MQTT-4.4.0-1";
    // The in-flight message is session state kept across connections of the client id [MQTT-4.1.0-1,
    // MQTT-3.1.3-2]; when an UNSUBSCRIBE removed its subscription meanwhile, completing it is
    // [MQTT-3.10.4-3].
    add_judged(duty, "MQTT-4.1.0-1");
    add_judged(duty, "MQTT-3.1.3-2");
    if (unsubscribed_since(model, conn.client_id, session.generation, flight.message)) {
      add_judged(duty, "MQTT-3.10.4-3");
    }
    duty.description = "unacknowledged message on " + quoted(model.messages[flight.message].topic) +
                       " with packet id " + std::to_string(id) + " to client " + quoted(conn.client_id) +
                       " again after it resumed its session";
    model.add_duty(std::move(duty));
  }
  session.owed_redeliveries.clear();
}

bool repeats_owed_publish(const ModelState& model, const Connection& conn, std::size_t index,
                          const Publish& publish) {
  if (!publish.packet_id || index == no_message) return false;
  // The message's duties, not the client's: a long-lived session's list holds every message it was owed.
  for (const auto duty_index : indexed(model.duties_by_message, index)) {
    const auto& duty = model.duties[duty_index];
    if (duty.redelivery_id == publish.packet_id && duty.message == index &&
        duty.client_id == conn.client_id && duty.generation == conn.generation &&
        duty.redelivery_retain == publish.retain && !duty.cancelled && !duty.settled) {
      return true;
    }
  }
  return false;
}

namespace {

// An unmet delivery duty where a copy did arrive, only below the highest granted QoS, breaks the overlapping
// subscriptions rule rather than delivery itself.
struct UnmetDelivery {
  std::string statement;
  std::string what;
  std::uint64_t copy_sequence = 0;  // the lower-QoS copy that did arrive, when one did
};

// A message owed to a persistent session while it was offline never arrived after it came back. Which
// statement that breaks depends on what else arrived. Nothing queued arrived: the session did not keep its
// messages [MQTT-3.1.2-5]. Other queued messages arrived as new copies: the session's queue works, so this
// one was never added to it [MQTT-4.5.0-1]; unless it was published while the broker may still have seen the
// session's connection open and a later queued message of the same QoS arrived: then the broker most likely
// sent it on that closing connection and owed it again as a re-send on resume [MQTT-4.4.0-1].
UnmetDelivery unmet_queued_delivery(const ModelState& model, const DeliveryDuty& duty) {
  const auto& message = model.messages[duty.message];
  const auto session = model.sessions.find(duty.client_id);
  if (session == model.sessions.end() || !session->second.offline_queue_shown) {
    return {duty.statement, "the broker did not deliver the " + duty_description(model, duty), 0};
  }
  const bool around_close =
      message.sent_time <= add_time(session->second.offline_since, model.options.close_grace_ns);
  // A later queued message that arrived and has since been forgotten left its time in the session
  // (forgetting.hpp).
  const bool forgotten_later =
      session->second.forgotten_queue_generation == duty.generation &&
      session->second.forgotten_queued_processed[level_of(duty.required)] > message.processed_by;
  const auto later_arrived = [&] {
    if (forgotten_later) return true;
    for (const auto other_index : indexed(model.duties_by_client, duty.client_id)) {
      const auto& other = model.duties[other_index];
      if (other.generation != duty.generation || other.statement != duty.statement ||
          !other.settled_by_new_copy) {
        continue;
      }
      const auto& later = model.messages[other.message];
      if (other.required == duty.required && later.processed_by > message.processed_by) return true;
    }
    return false;
  };
  if (around_close && later_arrived()) {
    return {"MQTT-4.4.0-1",
            "the broker did not deliver the " + duty_description(model, duty) +
                ": published as the client's connection closed, it may have gone out on that connection, "
                "and it was not sent again when the session resumed, although a later message queued "
                "meanwhile was",
            0};
  }
  return {"MQTT-4.5.0-1",
          "the broker did not deliver the " + duty_description(model, duty) +
              ", although other messages queued for it while it was offline did arrive",
          0};
}

UnmetDelivery unmet_delivery(const ModelState& model, const DeliveryDuty& duty) {
  if (!duty.retained_copy && !duty.redelivery_id) {
    const auto ledger = model.ledgers.find({duty.message, duty.generation});
    if (ledger != model.ledgers.end() && ledger->second.highest_qos >= 0 &&
        ledger->second.highest_qos < level_of(duty.required)) {
      const auto& message = model.messages[duty.message];
      const auto copy = ledger->second.first_sequence;
      if (duty.resubscribed && !duty.overlapping) {
        return {"MQTT-3.8.4-3",
                "the broker delivered the message on " + quoted(message.topic) + " to client " +
                    quoted(duty.client_id) + " at QoS " + std::to_string(ledger->second.highest_qos) +
                    ", the QoS of a subscription that a new SUBSCRIBE to the same filter "
                    "replaced with QoS " +
                    std::to_string(level_of(duty.required)),
                copy};
      }
      if (!duty.overlapping) {
        return {"MQTT-3.8.4-6",
                "the broker delivered the " + std::string(message.is_will ? "will " : "") + "message on " +
                    quoted(message.topic) + " to client " + quoted(duty.client_id) + " at QoS " +
                    std::to_string(ledger->second.highest_qos) + " instead of QoS " +
                    std::to_string(level_of(duty.required)) + ", the lower of its published and granted QoS",
                copy};
      }
      return {"MQTT-3.3.5-1",
              "the broker delivered the message on " + quoted(message.topic) + " (QoS " +
                  std::to_string(level_of(message.qos)) + ") to client " + quoted(duty.client_id) +
                  " only at QoS " + std::to_string(ledger->second.highest_qos) +
                  " although a matching subscription granted QoS " + std::to_string(level_of(duty.required)),
              copy};
    }
  }
  if (duty.retained_copy) {
    const auto statement = retained_copy_statement(model, duty.message, duty.statement);
    if (statement == "MQTT-3.1.2-17") {
      return {statement,
              "the broker did not deliver the " + duty_description(model, duty) +
                  ": the will was not stored as retained, although other retained messages reach new "
                  "subscriptions",
              0};
    }
    return {statement, "the broker did not deliver the " + duty_description(model, duty), 0};
  }
  if (duty.statement == "MQTT-3.1.2-5") return unmet_queued_delivery(model, duty);
  return {duty.statement, "the broker did not deliver the " + duty_description(model, duty), 0};
}

// The open connection a pending delivery duty is owed on (the session's current one, or the subscribing
// connection for a retained copy), or nullptr when there is none.
const Connection* open_connection_owed(const ModelState& model, const DeliveryDuty& duty) {
  std::uint32_t target = duty.connection;
  if (!duty.retained_copy) {
    auto session = model.sessions.find(duty.client_id);
    if (session == model.sessions.end() || session->second.connection == 0) return nullptr;
    target = session->second.connection;
  }
  auto conn = model.connections.find(target);
  if (conn == model.connections.end() || conn->second.closed) return nullptr;
  return &conn->second;
}

// Whether the duty's session is persistent (a delivery owed to it survives the connection).
bool persistent_session(const ModelState& model, const DeliveryDuty& duty) {
  const auto session = model.sessions.find(duty.client_id);
  return session != model.sessions.end() && session->second.persistent &&
         session->second.generation == duty.generation;
}

// A QoS 1/2 flow the client has not answered yet: the broker may hold further deliveries back.
bool flow_blocked(const Connection& conn) {
  return std::any_of(conn.server_flights.begin(), conn.server_flights.end(),
                     [](const auto& entry) { return !entry.second.client_answered; });
}

// Calls `visit` with each pending duty due on `conn`: its session's, or a retained copy for its
// subscriptions.
template <typename Visit>
void for_each_due_duty(ModelState& model, const Connection& conn, Visit&& visit) {
  for (const auto duty_index : merged(indexed(model.duties_by_client, conn.client_id),
                                      indexed(model.duties_by_connection, conn.id))) {
    auto& duty = model.duties[duty_index];
    if (duty.settled || duty.cancelled || duty.due == never) continue;
    const bool bound = duty.retained_copy
                           ? duty.connection == conn.id
                           : (duty.client_id == conn.client_id && duty.generation == conn.generation);
    if (bound) visit(duty);
  }
}

}  // namespace

void judge_duties_at_client_close(ModelState& model, Connection& conn, const Event& event) {
  const bool blocked = flow_blocked(conn);
  for_each_due_duty(model, conn, [&](DeliveryDuty& duty) {
    const bool client_ended = !server_closed(conn.close_reason) || conn.disconnect_sent;
    const auto ended_at =
        conn.disconnect_sent ? std::min(conn.disconnect_time, event.time_ns) : event.time_ns;
    if (ended_at > duty.due && !conn.faulted && !blocked && client_ended) {
      auto evidence = duty.evidence;
      evidence.push_back(event.sequence);
      const auto unmet_copy = unmet_delivery(model, duty);
      if (unmet_copy.copy_sequence != 0) evidence.insert(evidence.end() - 1, unmet_copy.copy_sequence);
      model.violation(unmet_copy.statement,
                      unmet_copy.what + " before " + client_label(conn) + " closed the connection", evidence);
      exercise_duty(model, duty);
      duty.settled = true;
    } else if (duty.retained_copy || !persistent_session(model, duty)) {
      if (!conn.faulted && !blocked) {
        model.unresolved(UnresolvedKind::history_ended, duty.statement,
                         client_label(conn) +
                             " closed the connection before the broker's deadline to deliver the " +
                             duty_description(model, duty),
                         {duty.evidence.back(), event.sequence});
      }
      duty.cancelled = true;
    } else {
      duty.due = never;  // persistent: owed again at reconnect
    }
  });
}

void unresolve_duties_at_server_close(ModelState& model, const Connection& conn, const Event& event,
                                      const std::string& why) {
  for_each_due_duty(model, conn, [&](DeliveryDuty& duty) {
    if (!duty.retained_copy && persistent_session(model, duty)) return;
    model.unresolved(UnresolvedKind::server_closed, duty.statement,
                     why + "the " + duty_description(model, duty), {duty.evidence.back(), event.sequence});
    duty.cancelled = true;
  });
}

void outstanding_deliveries(const ModelState& model, std::vector<Expectation>& result) {
  for (const auto& duty : model.duties.values()) {
    if (duty.settled || duty.cancelled || duty.due == never) continue;
    if (const Connection* conn = open_connection_owed(model, duty)) {
      result.push_back({duty.statement, "deliver the " + duty_description(model, duty), conn->id});
    }
  }
}

void finish_delivery_duties(ModelState& model, std::int64_t end_time) {
  for (auto& duty : model.duties.values()) {
    if (duty.settled || duty.cancelled) continue;
    // Cited in the specification of the session (or subscribing connection) the duty is owed to.
    if (duty.retained_copy) {
      model.judged = model.connections[duty.connection].version;
    } else if (const auto session = model.sessions.find(duty.client_id); session != model.sessions.end()) {
      model.judged = session->second.version;
    }
    const Connection* owed = duty.due == never ? nullptr : open_connection_owed(model, duty);
    if (owed == nullptr) {
      if (!duty.retained_copy && persistent_session(model, duty)) {
        model.unresolved(UnresolvedKind::history_ended, duty.statement,
                         "the " + duty_description(model, duty) +
                             " was still owed to a session that was offline when the " + "history ended",
                         duty.evidence);
      }
      continue;
    }
    const auto& conn = *owed;
    const bool blocked = flow_blocked(conn);
    const auto unmet_copy = unmet_delivery(model, duty);
    auto evidence = duty.evidence;
    if (unmet_copy.copy_sequence != 0) evidence.push_back(unmet_copy.copy_sequence);
    model.unmet(unmet_copy.statement, unmet_copy.what, evidence, duty.due, end_time, conn.faulted || blocked,
                conn.faulted ? "fault-excused" : "flow-control-window");
    exercise_duty(model, duty);
    duty.settled = true;
  }
}

}  // namespace mqtt::model::detail
