#include "model/forgetting.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/delivery_duties.hpp"
#include "model/v5_subscription_options.hpp"

namespace mqtt::model::detail {
namespace {

// Whether confirming this QoS 0 publication of an open connection later (confirm_qos0_before in
// publications.cpp: the answer to a later request of its publisher) could still owe anything. The duties it would
// create (create_delivery_duties in delivery_duties.cpp) go only to sessions online through a subscription
// acknowledged before the message was sent, whose connection was accepted before it, for a tokened message; none
// can join those later. Once each of them already holds a copy (a ledger), each such duty would be settled as it
// is made, so the message is owed nothing more than a settled one; with none of them, it is owed nothing at all.
bool confirmation_owes_nothing(const ModelState& model, std::size_t index, const Message& message) {
  if (!message.identity.tokened) return true;  // QoS 0 is owed only for a copy a token tells apart
  // The ledger first: a session that already holds a copy owes nothing whatever the rest says, and in a fan-in
  // every subscriber does by the sweep, so the session lookup by client id (string compares) is mostly skipped.
  bool owes = false;
  model.for_each_matching_record(message, [&](std::size_t record_index) {
    if (owes) return;
    const auto& record = model.records[record_index];
    if (record.refused || record.granted > 2 || record.start_ack >= message.sent_time || record.end_sent != never ||
        !record.share_group.empty() || !carries_publisher(record, message) ||
        model.ledgers.contains({index, record.generation})) {
      return;
    }
    const auto session = model.sessions.find(record.client_id);
    if (session == model.sessions.end() || !session->second.generation_alive ||
        session->second.generation != record.generation || session->second.connection == 0) {
      return;
    }
    const auto subscriber = model.connections.find(session->second.connection);
    if (subscriber == model.connections.end() || subscriber->second.closed ||
        subscriber->second.connack_time >= message.sent_time) {
      return;
    }
    owes = true;
  });
  return !owes;
}

// QoS 0 publications of open connections, not yet confirmed, that confirmation would owe nothing: they settle like
// any other message (a QoS 0 fan-in whose publishers never send a request would otherwise keep every message).
// Marked with this sweep's number (Message::confirmation_free_in_sweep) rather than gathered into a set: a fan-in
// holds one per message in the window, and hashing each at every sweep cost more than the sweep's other work.
// Once found, "owes nothing" stays so while time moves forward: the subscriptions that could make it owed were
// acknowledged before it was sent, and a session or connection that goes away, or comes back (accepted after
// it was sent), no longer counts; a ledger stays until the message is forgotten.
// Returns those it did not mark (the sweep names them: named_messages), so that no second pass looks each up again.
std::vector<std::size_t> mark_unconfirmed_owing_nothing(ModelState& model) {
  std::vector<std::size_t> owing;
  for (const auto& [id, conn] : model.connections) {
    if (conn.closed) continue;
    for (const auto index : conn.unconfirmed_qos0) {
      auto& message = model.messages[index];
      if (message.from_refused_connection) {
        owing.push_back(index);
        continue;
      }
      bool free = message.confirmation_owes_nothing && !model.time_went_back;
      if (!free) {
        free = confirmation_owes_nothing(model, index, message);
        message.confirmation_owes_nothing = free;
      }
      if (free) {
        message.confirmation_free_in_sweep = model.sweeps;
      } else {
        owing.push_back(index);
      }
    }
  }
  return owing;
}

bool unconfirmed_free(const ModelState& model, const Message& message) {
  return message.confirmation_free_in_sweep == model.sweeps;
}

// Messages something in the model still names by index.
// `unconfirmed_owing`: the unconfirmed QoS 0 publications of open connections that mark_unconfirmed_owing_nothing
// did not mark in this sweep.
std::unordered_set<std::size_t> named_messages(const ModelState& model,
                                               const std::vector<std::size_t>& unconfirmed_owing) {
  std::unordered_set<std::size_t> named(unconfirmed_owing.begin(), unconfirmed_owing.end());
  for (const auto& [id, conn] : model.connections) {
    // Requests of closed connections too: the publisher may re-send with DUP on its next connection, and
    // publications.cpp must find the original then.
    for (const auto& request : conn.requests) named.insert(request.message);
    // A closed connection answers no more requests, so its QoS 0 publications can never be confirmed
    // (publications.cpp); its flights live on in its session's owed re-sends. Its will was published at the
    // close (and is then held by the duties it created) or discarded.
    if (conn.closed) continue;
    named.insert(conn.will_message);
    for (const auto& [packet_id, flight] : conn.server_flights) named.insert(flight.message);
  }
  for (const auto& [client_id, session] : model.sessions) {
    for (const auto& [packet_id, flight] : session.owed_redeliveries) named.insert(flight.message);
  }
  for (const auto& [client_id, will] : model.delayed_wills) named.insert(will.message);
  // The 5.0 shared-subscription and refusal rules read these messages again at finish (v5_shared.cpp,
  // v5_rejections.cpp): a QoS 2 copy a member began receiving, a copy a client refused.
  for (const auto& [key, delivery] : model.shared_deliveries) {
    if (delivery.qos == QoS::exactly_once) named.insert(key.first);
  }
  for (const auto& rejected : model.rejected_deliveries) named.insert(rejected.message);
  named.erase(no_message);
  return named;
}

bool publisher_settled(const ModelState& model, const Message& message) {
  const auto* publisher = model.find_connection(message.publisher_connection);
  if (publisher == nullptr) return true;
  const auto& conn = *publisher;
  // A will is the server's publication, not a request: once its connection is closed it was published or
  // discarded, and the duties it created hold it while owed.
  if (message.is_will) return conn.closed;
  // Not processed and never will be known to be: a QoS 0 publication its closed connection never confirmed, or
  // one whose confirmation would owe nothing.
  if (message.processed_by == never && !(conn.closed && message.qos == QoS::at_most_once) &&
      !unconfirmed_free(model, message)) {
    return false;
  }
  // Before its CONNACK a refusal may still mark it (connection_lifecycle.cpp) or name its publisher.
  return conn.connack_seen || !conn.connect_seen;
}

bool duties_settled(const ModelState& model, std::size_t index) {
  for (const auto duty_index : indexed(model.duties_by_message, index)) {
    const auto& duty = model.duties[duty_index];
    if (!duty.settled && !duty.cancelled) return false;
  }
  return true;
}

bool owes_nothing(const ModelState& model, std::size_t index, const Message& message,
                  const std::unordered_set<std::size_t>& named) {
  return !message.from_refused_connection && !named.contains(index) &&
         publisher_settled(model, message) &&
         duties_settled(model, index);
}

// The earliest SUBSCRIBE still waiting for its SUBACK: the retained value it gets is any one in force while the
// server processed it, so what was in force since then must stay (never when none waits).
std::int64_t earliest_pending_subscribe(const ModelState& model) {
  std::int64_t earliest = never;
  for (const auto& record : model.records.values()) {
    if (!record.refused && record.start_ack == never && record.end_sent == never) {
      earliest = std::min(earliest, record.start_sent);
    }
  }
  return earliest;
}

// Retained versions the store holds that no subscription can still receive as its retained message: a later
// version W of the same topic was published after the server had processed this one, and W itself was
// processed the forgetting window ago and before any SUBSCRIBE still waiting for its SUBACK. Every new
// subscription is then processed after W was (retained_candidates in retained.cpp drops the older one), and
// a copy of the old value arriving after the window is a stray copy like any other (docs/architecture.md).
// The newest version of a topic is never superseded, so the topic's entry and its "prior state unknown" answer
// stay as they were.
std::unordered_set<std::size_t> superseded_retained(const ModelState& model) {
  std::unordered_set<std::size_t> superseded;
  if (model.now < model.options.forget_after_ns) return superseded;
  const auto limit = std::min(model.now - model.options.forget_after_ns, earliest_pending_subscribe(model));
  for (const auto& [topic_name, versions] : model.retained_versions) {
    if (versions.size() < 2) continue;
    // The latest publication time among versions processed before the limit: any version processed before it
    // (and not that version itself) is superseded.
    std::int64_t latest_sent = -1;
    std::size_t latest_index = no_message;
    std::int64_t second_sent = -1;
    for (const auto index : versions) {
      const auto& version = model.messages[index];
      if (version.processed_by == never || version.processed_by >= limit) continue;
      if (version.sent_time > latest_sent) {
        second_sent = latest_sent;
        latest_sent = version.sent_time;
        latest_index = index;
      } else {
        second_sent = std::max(second_sent, version.sent_time);
      }
    }
    for (const auto index : versions) {
      const auto& version = model.messages[index];
      if (version.processed_by == never) continue;
      const auto other_sent = index == latest_index ? second_sent : latest_sent;
      if (other_sent > version.processed_by) superseded.insert(index);
    }
  }
  return superseded;
}

// Retained publications the store still holds: all but the superseded ones.
bool held_as_retained(const ModelState& model, std::size_t index, const Message& message,
                      const std::unordered_set<std::size_t>& superseded) {
  if (!message.retain || superseded.contains(index)) return false;
  const auto& versions = indexed(model.retained_versions, message.topic);
  return std::find(versions.begin(), versions.end(), index) != versions.end();
}

// The one fact unmet_queued_delivery (delivery_duties.cpp) reads of other messages: a later queued message that
// arrived as a new copy.
void keep_queued_arrival(ModelState& model, const DeliveryDuty& duty, const Message& message) {
  if (duty.retained_copy || duty.statement != "MQTT-3.1.2-5" || !duty.settled_by_new_copy) return;
  auto& session = model.sessions[duty.client_id];
  if (session.forgotten_queue_generation != duty.generation) {
    session.forgotten_queue_generation = duty.generation;
    std::fill(std::begin(session.forgotten_queued_processed), std::end(session.forgotten_queued_processed),
              Session::never_processed);
  }
  auto& latest = session.forgotten_queued_processed[level_of(duty.required)];
  latest = std::max(latest, message.processed_by);
}

// A message that owes nothing any more waits out the forgetting window for the copies the broker may still invent
// (duplicates, DUP flags, order); its duties are all settled or cancelled and keep only what those rules and
// unmet_queued_delivery read (release_duty_text in delivery_duties.hpp). Duties settled as they are made or met
// let go of their text at once; this catches the cancelled ones.
void release_settled_duties(ModelState& model, std::size_t index) {
  for (const auto duty_index : indexed(model.duties_by_message, index)) {
    auto& duty = model.duties[duty_index];
    if (duty.settled || duty.cancelled) release_duty_text(duty);
  }
}

template <typename List>
void erase_index(List& list, std::size_t index) {
  const auto at = std::lower_bound(list.begin(), list.end(), index);
  if (at != list.end() && *at == index) list.erase(at);
}

void forget_message(ModelState& model, std::size_t index, std::unordered_set<std::string>& clients,
                    std::unordered_set<std::uint32_t>& retained_connections) {
  const auto& message = model.messages[index];
  if (const auto duties = model.duties_by_message.find(index); duties != model.duties_by_message.end()) {
    for (const auto duty_index : duties->second) {
      const auto& duty = model.duties[duty_index];
      keep_queued_arrival(model, duty, message);
      clients.insert(duty.client_id);
      if (duty.retained_copy) retained_connections.insert(duty.connection);
      model.duties.erase(duty_index);
    }
    model.duties_by_message.erase(duties);
  }
  model.ledgers.erase(model.ledgers.lower_bound({index, 0}), model.ledgers.lower_bound({index + 1, 0}));
  if (const auto key = model.messages_by_key.find(*message.indexed_key); key != model.messages_by_key.end()) {
    auto& candidates = key->second;
    candidates.erase(std::remove(candidates.begin(), candidates.end(), index), candidates.end());
    if (candidates.empty()) model.messages_by_key.erase(key);
  }
  // A QoS 0 publication its open connection never confirmed: a later confirmation must not find it.
  if (message.qos == QoS::at_most_once && !message.is_will) {
    if (const auto publisher = model.connections.find(message.publisher_connection);
        publisher != model.connections.end()) {
      erase_index(publisher->second.unconfirmed_qos0, index);
    }
  }
  if (const auto by_connection = model.messages_by_connection.find(message.publisher_connection);
      by_connection != model.messages_by_connection.end()) {
    erase_index(by_connection->second, index);
    if (by_connection->second.empty()) model.messages_by_connection.erase(by_connection);
  }
  // Which member a QoS 0/1 shared copy went to matters only while the message can still move (v5_shared.cpp).
  model.shared_deliveries.erase(model.shared_deliveries.lower_bound({index, std::string()}),
                                model.shared_deliveries.lower_bound({index + 1, std::string()}));
  if (message.retain) {
    if (const auto versions = model.retained_versions.find(message.topic); versions != model.retained_versions.end()) {
      std::erase(versions->second, index);
    }
  }
  if (model.options.evidence_events) model.evidence_store.forget_publication(message.sequence);
  model.messages.erase(index);
}

template <typename Map, typename Key, typename Keep>
void prune_index(Map& map, const Key& key, Keep&& keep) {
  const auto found = map.find(key);
  if (found == map.end()) return;
  auto& list = found->second;
  list.erase(std::remove_if(list.begin(), list.end(), [&](std::size_t index) { return !keep(index); }),
             list.end());
  if (list.empty()) map.erase(found);
}

// Marks a connection noted about messages, and the ordering marks of connections that are closed: as receiver
// at once, as publisher once none of its messages is left (no copy can be attributed to it any more).
void prune_connections(ModelState& model) {
  const auto known = [&](std::size_t index) { return model.messages.contains(index); };
  std::unordered_set<std::uint32_t> finished_publishers;
  for (auto& [id, conn] : model.connections) {
    if (conn.closed && !conn.publisher_marks_forgotten && !model.messages_by_connection.contains(id)) {
      finished_publishers.insert(id);
      conn.publisher_marks_forgotten = true;
    }
    if (conn.closed) {
      if (conn.arrivals_forgotten) continue;
      conn.first_arrivals = {};
      conn.retained_arrivals = {};
      conn.retained_copies = {};
      const auto first = model.order_marks.lower_bound({id, 0, 0, -1, -1});
      const auto last = model.order_marks.lower_bound({id + 1, 0, 0, -1, -1});
      model.order_marks.erase(first, last);
      conn.arrivals_forgotten = true;
      continue;
    }
    conn.first_arrivals.erase_if([&](std::size_t index) { return !known(index); });
    std::erase_if(conn.retained_arrivals, [&](const auto& entry) { return !known(entry.first); });
    std::erase_if(conn.retained_copies, [&](const auto& entry) { return !known(entry.first); });
  }
  if (finished_publishers.empty()) return;
  std::erase_if(model.order_marks,
                [&](const auto& entry) { return finished_publishers.contains(std::get<1>(entry.first)); });
}

// Connections something in the model still names by id, besides their own messages and retained-copy duties.
std::unordered_set<std::uint32_t> named_connections(const ModelState& model) {
  std::unordered_set<std::uint32_t> named;
  for (const auto& [client_id, session] : model.sessions) named.insert(session.connection);
  for (const auto& [client_id, will] : model.delayed_wills) named.insert(will.connection);
  for (const auto& [key, delivery] : model.shared_deliveries) named.insert(delivery.connection);
  for (const auto& rejected : model.rejected_deliveries) named.insert(rejected.connection);
  // A connection without a will that ended without DISCONNECT turns a later copy of an earlier connection's will
  // into a violation of MQTT-3.1.2-12 (will.cpp): it stays while such a will is still tracked.
  std::unordered_map<std::string, std::uint32_t> earliest_will_owner;
  for (const auto& message : model.messages.values()) {
    if (!message.is_will) continue;
    auto [owner, inserted] = earliest_will_owner.try_emplace(message.publisher, message.publisher_connection);
    if (!inserted) owner->second = std::min(owner->second, message.publisher_connection);
  }
  for (const auto& [id, conn] : model.connections) {
    if (!conn.accepted || conn.will_message != no_message || conn.disconnect_sent) continue;
    const auto owner = earliest_will_owner.find(conn.client_id);
    if (owner != earliest_will_owner.end() && owner->second < id) named.insert(id);
  }
  return named;
}

bool close_settled(const Connection& conn) {
  return std::all_of(conn.close_duties.begin(), conn.close_duties.end(),
                     [](const CloseDuty& duty) { return duty.settled; });
}

void keep_will_marks(ModelState& model, const Connection& conn) {
  if (conn.will_message == no_message || conn.client_id.empty()) return;
  const auto session = model.sessions.find(conn.client_id);
  if (session == model.sessions.end()) return;
  const auto lowest = [&](std::uint32_t& mark) { mark = mark == 0 ? conn.id : std::min(mark, conn.id); };
  lowest(session->second.forgotten_with_will);
  if (conn.will_published || conn.disconnect_sent) lowest(session->second.forgotten_will_gone);
}

// A client id the server generated for an empty one names one connection's session only: once that
// connection is forgotten and nothing is owed to the session, nothing can name it again.
bool generated_session_done(const ModelState& model, const std::string& client_id) {
  return client_id.starts_with("\x01generated:") && !model.duties_by_client.contains(client_id) &&
         !model.delayed_wills.contains(client_id);
}

// Closed connections nothing can still be owed on or about: closed the forgetting window ago, every message they
// published (their will too) forgotten, no retained copy owed to them, their close duties settled, and no
// session, delayed will, shared delivery, refused delivery or will rule naming them. Their session keeps the
// two will marks will.cpp needs; later events on them are ignored (IdIntervals).
std::unordered_set<std::uint32_t> forget_closed_connections(ModelState& model) {
  std::unordered_set<std::uint32_t> forgotten_now;
  if (model.now < model.options.forget_after_ns) return forgotten_now;
  const auto closed_before = model.now - model.options.forget_after_ns;
  const auto named = named_connections(model);
  std::vector<std::uint32_t> forgotten;
  for (const auto& [id, conn] : model.connections) {
    if (!conn.closed || conn.closed_time > closed_before || !conn.arrivals_forgotten ||
        !conn.publisher_marks_forgotten || named.contains(id) || model.messages_by_connection.contains(id) ||
        model.duties_by_connection.contains(id) || !close_settled(conn)) {
      continue;
    }
    forgotten.push_back(id);
  }
  for (const auto id : forgotten) {
    const auto found = model.connections.find(id);
    const auto& conn = found->second;
    keep_will_marks(model, conn);
    if (model.options.evidence_events) model.evidence_store.forget_connection(id);
    const auto client_id = conn.client_id;
    forgotten_now.insert(id);
    model.connection_index.forget(id);
    model.connections.erase(found);
    model.forgotten_connections.insert(id);
    if (generated_session_done(model, client_id)) model.sessions.erase(client_id);
  }
  return forgotten_now;
}

// Subscription records that ended (UNSUBSCRIBE answered, or their session ended) the forgetting window ago,
// before any message still tracked was published (retained values included: a copy of one may still be judged
// against every subscription that could have carried it), whose connection is closed: no copy the model can
// still attribute can have travelled through them. The indexes over records go with them; the wildcard match
// cache is rebuilt.
void forget_ended_records(ModelState& model, const std::unordered_set<std::uint32_t>& forgotten_now) {
  // Candidates are chosen when their connection is forgotten (the session test then), and go once ended before
  // every tracked message; until then they wait in `records_to_forget`.
  for (const auto id : forgotten_now) {
    const auto list = model.records_by_connection.find(id);
    if (list == model.records_by_connection.end()) continue;
    for (const auto index : list->second) {
      const auto& record = model.records[index];
      if (record.end_ack == never || !record.of_clean_session) continue;
      // A later CONNACK that claims the session present (wrongly, after a clean session) lets the model judge
      // copies by the records of the session before: they go only once a later clean session replaced it.
      const auto session = model.sessions.find(record.client_id);
      if (session == model.sessions.end() || session->second.generation <= record.generation ||
          session->second.persistent) {
        continue;
      }
      model.records_to_forget.push_back(index);
    }
  }
  if (model.records_to_forget.empty() || model.now < model.options.forget_after_ns) return;
  std::int64_t oldest_sent = model.now - model.options.forget_after_ns;
  for (const auto& message : model.messages.values()) oldest_sent = std::min(oldest_sent, message.sent_time);
  std::vector<std::size_t> ended;
  std::erase_if(model.records_to_forget, [&](std::size_t index) {
    if (model.records[index].end_ack >= oldest_sent) return false;
    ended.push_back(index);
    return true;
  });
  if (ended.empty()) return;
  const std::unordered_set<std::size_t> gone(ended.begin(), ended.end());
  const auto drop = [&](std::vector<std::size_t>& list) {
    std::erase_if(list, [&](std::size_t index) { return gone.contains(index); });
  };
  bool wildcard_gone = false;
  for (const auto index : ended) {
    const auto& record = model.records[index];
    if (const auto exact = model.exact_records.find(record.filter); exact != model.exact_records.end()) {
      drop(exact->second);
      if (exact->second.empty()) {
        model.exact_records.erase(exact);
        ++model.exact_keys_changed;  // exact_matches may point at the list just erased
      }
    } else {
      wildcard_gone = true;
    }
    for (auto* map : {&model.records_by_generation}) {
      if (const auto list = map->find(record.generation); list != map->end()) {
        drop(list->second);
        if (list->second.empty()) map->erase(list);
      }
    }
    if (const auto list = model.records_by_connection.find(record.connection);
        list != model.records_by_connection.end()) {
      drop(list->second);
      if (list->second.empty()) model.records_by_connection.erase(list);
    }
  }
  if (wildcard_gone) {
    drop(model.wildcard_records);
    model.wildcard_matches.clear();
  }
  for (const auto index : ended) model.records.erase(index);
}

}  // namespace

void forget_when_due(ModelState& model) {
  if (!model.options.forget_settled) return;
  const std::size_t interval =
      model.options.forget_sweep_every != 0
          ? model.options.forget_sweep_every
          : std::max<std::size_t>(1024, (model.messages.live() + model.duties.live() + model.connections.size()) / 2);
  if (++model.events_since_sweep >= interval) forget_settled(model);
}

void forget_settled(ModelState& model) {
  model.events_since_sweep = 0;
  ++model.sweeps;
  const auto named = named_messages(model, mark_unconfirmed_owing_nothing(model));
  const auto superseded = superseded_retained(model);
  std::vector<std::size_t> settled;
  const auto new_since = model.evidence_store.oldest_new_publication();
  std::vector<std::uint64_t> new_tracked;  // tracked messages sent since the last sweep (evidence_store.hpp)
  for (auto& [index, message] : model.messages.entries()) {
    if (message.sequence >= new_since) new_tracked.push_back(message.sequence);
    if (!owes_nothing(model, index, message, named) || held_as_retained(model, index, message, superseded)) {
      message.settled_since = never;
    } else if (message.settled_since == never) {
      message.settled_since = model.now;
      release_settled_duties(model, index);  // duties made later are settled as they are made and let go then
    }
    if (message.settled_since != never && model.now - message.settled_since >= model.options.forget_after_ns) {
      settled.push_back(index);
    }
  }
  // Identical publications without a token share a key, and a copy is attributed to the one among them that
  // explains it best (copy_attribution.cpp): forgetting some of them would move a copy onto another, so they
  // go only all together. A retained value without a token (a status such as "online", a delete) stays even
  // then: the same value retained again later would be judged without the earlier one to explain a copy.
  const auto ripe = [&](std::size_t index) {
    const auto& message = model.messages[index];
    return message.settled_since != never && model.now - message.settled_since >= model.options.forget_after_ns;
  };
  std::erase_if(settled, [&](std::size_t index) {
    const auto& message = model.messages[index];
    if (message.identity.tokened) return false;
    if (message.retain) return true;
    const auto& group = model.messages_by_key.at(*message.indexed_key);
    return !std::all_of(group.begin(), group.end(), ripe);
  });
  std::unordered_set<std::string> clients;
  std::unordered_set<std::uint32_t> retained_connections;
  for (const auto index : settled) forget_message(model, index, clients, retained_connections);
  const auto kept = [&](std::size_t duty_index) { return model.duties.contains(duty_index); };
  for (const auto& client_id : clients) prune_index(model.duties_by_client, client_id, kept);
  for (const auto connection : retained_connections) prune_index(model.duties_by_connection, connection, kept);
  prune_connections(model);  // also when nothing was forgotten: closed connections let go of their marks
  forget_ended_records(model, forget_closed_connections(model));
  if (model.options.evidence_events) {
    // Those forgotten just now already went (forget_message); looking them up finds nothing to drop.
    std::sort(new_tracked.begin(), new_tracked.end());
    model.evidence_store.keep_new_publications(new_tracked);
  }
}

StateSize state_size(const ModelState& model, StateDetail depth) {
  StateSize size;
  size.messages = model.messages.live();
  size.message_keys = model.messages_by_key.size();
  size.obligations = model.duties.live();
  for (const auto& [id, conn] : model.connections) {
    size.obligations += conn.requests.size() + conn.server_flights.size() + conn.close_duties.size();
    size.arrival_marks += conn.first_arrivals.size() + conn.retained_arrivals.size() + conn.retained_copies.size();
    if (!conn.closed) ++size.open_connections;
  }
  size.copy_ledgers = model.ledgers.size();
  size.connections = model.connections.size();
  size.sessions = model.sessions.size();
  size.subscription_records = model.records.live();
  size.retained_topics = model.retained_versions.size();
  for (const auto& [topic_name, versions] : model.retained_versions) size.retained_versions += versions.size();
  size.forgotten_connection_intervals = model.forgotten_connections.intervals();
  size.order_marks = model.order_marks.size();
  size.evidence_events = model.evidence_store.size();
  if (depth == StateDetail::totals) return size;
  for (const auto& [index, message] : model.messages.entries()) {
    if (message.settled_since == never) continue;
    ++size.settled_messages;
    ++size.settled_message_entries;
    for (const auto duty_index : indexed(model.duties_by_message, index)) {
      const auto& duty = model.duties[duty_index];
      size.settled_message_entries += 1 + (duty.description.capacity() > 15 ? 1 : 0) + duty.judged_with.size() +
                                      (duty.evidence.capacity() > 0 ? 1 : 0);
    }
    for (auto ledger = model.ledgers.lower_bound({index, 0}); ledger != model.ledgers.end() && ledger->first.first == index;
         ++ledger) {
      size.settled_message_entries += 1 + (ledger->second.sent_ids.size() > 2 ? 1 : 0) +
                                      (ledger->second.packet_ids.size() > 2 ? 1 : 0);
    }
  }
  return size;
}

}  // namespace mqtt::model::detail
