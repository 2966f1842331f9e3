#include "model/copy_attribution.hpp"

#include <algorithm>

#include "model/delivery_duties.hpp"
#include "model/ordering.hpp"
#include "model/retained.hpp"
#include "model/subscriptions.hpp"

namespace mqtt::model::detail {
namespace {

// What the session is owed of `index` when a copy arrives at `received`: whether a delivery duty for it is open,
// or certain to open (for a forwarded copy, RETAIN=0: the publisher has not been answered yet, so no duty exists,
// but a subscription of the session was acknowledged before the message was sent), and whether such a duty's
// deadline had not yet passed. A late copy can still be the one owed, but when identical payloads compete, the
// duty whose deadline the copy meets is the plausible one: a copy does not settle a duty overdue since a restart
// while a fresh one for the same payload waits, nor a message that only overlapped a new subscription while the
// one the subscription was certainly in place for awaits its PUBACK, nor an old will while the will of a connection
// about to close comes ahead of its close.
struct Owed {
  bool owed = false;
  bool in_time = false;
};

Owed owed_to(const ModelState& model, const Connection& conn, std::size_t index, std::int64_t received,
             bool retained_copy) {
  Owed result;
  for (const auto duty_index : indexed(model.duties_by_message, index)) {
    const auto& duty = model.duties[duty_index];
    if (duty.settled || duty.cancelled) continue;
    if (duty.retained_copy ? duty.connection == conn.id
                           : duty.client_id == conn.client_id && duty.generation == conn.generation) {
      result.owed = true;
      result.in_time = result.in_time || duty.due == never || duty.due >= received;
    }
  }
  if (result.owed) return result;
  const auto& message = model.messages[index];
  if (message.is_will) {
    // The will of a connection whose close the client has not seen yet: the broker can notice a dead link (or
    // close it) first and publish the will before the client's side records the close, which then owes it. An
    // identical earlier will that is no longer owed (or not owed at all, after a broker restart) is the less
    // plausible source.
    const auto owner = model.connections.find(message.publisher_connection);
    if (owner != model.connections.end() && owner->second.accepted && !owner->second.closed &&
        !owner->second.disconnect_sent && owner->second.will_message == index) {
      result.owed = result.in_time = true;
    }
    return result;
  }
  if (retained_copy || message.processed_by <= received) return result;
  for (const auto record_index : model.matching_records(message)) {
    const auto& record = model.records[record_index];
    if (record.client_id == conn.client_id && record.generation == conn.generation &&
        record_definite(record, message.sent_time, received)) {
      result.owed = result.in_time = true;
      break;
    }
  }
  return result;
}

// How well one candidate publication explains the copy. The fields are in order of weight: each one outweighs
// all those after it together.
struct Fit {
  bool flags_fit = false;  // published at least at the copy's QoS, and with RETAIN=1 if the copy has it
  bool carried = false;    // a subscription could carry it now: an existing one for RETAIN=0, a new one for 1
  bool exact_qos = false;  // ... at exactly the copy's QoS (the lower of published and granted)
  bool in_order = false;   // it would not overtake a later message of the same publisher
  bool owed = false;       // a delivery duty for it is still open on this session (or certain to open)
  bool in_time = false;    // ... and the copy came before its deadline
  bool room = false;       // fewer copies so far than the subscriptions that could each bring one
  bool new_qos = false;    // no copy at this QoS yet
  bool first_copy = false;  // no copy at all yet

  int score() const {
    int total = 0;
    for (const bool criterion : {flags_fit, flags_fit && carried, flags_fit && exact_qos, in_order, owed,
                                 in_time, room, new_qos, first_copy}) {
      total = total * 2 + (criterion ? 1 : 0);
    }
    return total;
  }
};

Fit fit_of(const ModelState& model, const Connection& conn, const Publish& publish, std::size_t index,
           std::int64_t received) {
  const auto& message = model.messages[index];
  const int qos = level_of(publish.qos);
  const auto ledger = model.ledgers.find({index, conn.generation});
  Fit fit;
  fit.flags_fit = level_of(message.qos) >= qos && (message.retain || !publish.retain);
  if (publish.retain) {
    const int subscriptions = retained_copy_subscriptions(model, conn, index, received);
    const auto copies = conn.retained_copies.find(index);
    fit.carried = fit.exact_qos = subscriptions > 0;
    fit.room = copies == conn.retained_copies.end() || copies->second < subscriptions;
  } else {
    const auto records = normal_copy_records(model, conn, index, received);
    for (const auto record : records) {
      const int granted = model.records[record].granted;
      fit.carried = fit.carried || qos <= granted;
      fit.exact_qos = fit.exact_qos || qos == std::min(granted, level_of(message.qos));
    }
    fit.room = ledger == model.ledgers.end() ||
               ledger->second.ordinary_copies < message.instances * static_cast<int>(records.size());
  }
  fit.in_order = !arrives_out_of_order(model, conn, publish, index);
  const auto owed = owed_to(model, conn, index, received, publish.retain);
  fit.owed = owed.owed;
  fit.in_time = owed.in_time;
  fit.new_qos = ledger == model.ledgers.end() || (ledger->second.qos_seen & (1u << qos)) == 0;
  fit.first_copy = ledger == model.ledgers.end();
  return fit;
}

}  // namespace

std::size_t attribute_copy(const ModelState& model, const Connection& conn, const Publish& publish,
                           const Event& event) {
  const auto identity = identify_message(publish.topic, publish.payload);
  auto it = model.messages_by_key.find(identity.key);
  if (it == model.messages_by_key.end()) return no_message;
  const auto& candidates = it->second;
  if (candidates.size() == 1) return candidates.front();
  // A re-send repeats the message of its packet id.
  if (publish.dup && publish.packet_id) {
    auto flight = conn.server_flights.find(*publish.packet_id);
    if (flight != conn.server_flights.end() &&
        std::find(candidates.begin(), candidates.end(), flight->second.message) != candidates.end()) {
      return flight->second.message;
    }
  }
  for (const auto index : candidates) {
    if (repeats_owed_publish(model, conn, index, publish)) return index;
  }
  // Otherwise the best fit, the earliest among equals.
  std::size_t best = candidates.back();
  int best_score = -1;
  for (const auto index : candidates) {
    const int score = fit_of(model, conn, publish, index, event.time_ns).score();
    if (score > best_score) {
      best = index;
      best_score = score;
    }
  }
  return best;
}

}  // namespace mqtt::model::detail
