#include "model/v5_subs_identifiers.hpp"

#include <algorithm>
#include <iterator>

#include "model/statement_citation.hpp"

namespace mqtt::model::detail {

namespace {

// Messages waiting for their proof on one connection; beyond this the oldest is dropped unjudged (a fleet's
// subscriber may never see a later message on the same topic), which can only hide a violation.
constexpr std::size_t waiting_limit = 256;

std::string listed(const std::set<std::uint32_t>& identifiers) {
  std::string out;
  for (const auto identifier : identifiers) out += (out.empty() ? "" : ", ") + std::to_string(identifier);
  return out;
}

void judge(ModelState& model, const Connection& conn, const IdentifiedOverlap& overlap, const Event& proof) {
  std::set<std::uint32_t> missing;
  std::set_difference(overlap.required.begin(), overlap.required.end(), overlap.carried.begin(),
                      overlap.carried.end(), std::inserter(missing, missing.end()));
  std::vector<std::uint64_t> evidence{overlap.publish_sequence};
  evidence.insert(evidence.end(), overlap.copy_sequences.begin(), overlap.copy_sequences.end());
  evidence.push_back(proof.sequence);
  const auto statement = v5(overlap.copies == 1 ? "MQTT-3.3.4-4" : "MQTT-3.3.4-5");
  model.exercise(statement);
  if (missing.empty()) return;
  const std::string how = overlap.copies == 1
                              ? "one copy, carrying the Subscription Identifiers " + listed(overlap.carried)
                              : std::to_string(overlap.copies) + " copies, one per subscription, carrying between "
                                                                 "them the Subscription Identifiers " +
                                    listed(overlap.carried);
  model.violation(statement,
                  "the message on " + quoted(overlap.topic) + " reached " + client_label(conn) + " as " + how +
                      ", without " + listed(missing) + " of the matching subscriptions (identifiers " +
                      listed(overlap.required) + ")",
                  evidence);
}

bool proven_complete_by(const IdentifiedOverlap& overlap, const Message& later, std::size_t later_index,
                        const Publish& copy) {
  // Compared by sequence too: a forgotten message's index may be reused (indexed_store.hpp).
  return (overlap.message != later_index || overlap.publish_sequence != later.sequence) && overlap.topic == later.topic && overlap.publisher == later.publisher &&
         overlap.publish_sequence < later.sequence && overlap.qos == copy.qos;
}

}  // namespace

void note_identified_overlap_copy(ModelState& model, Connection& conn, const Publish& publish, std::size_t index,
                                  const RecordList& possible, const std::set<std::uint32_t>& carried,
                                  const Event& event) {
  const auto& message = model.messages[index];
  auto& waiting = conn.v5.identified_overlaps;
  // A copy of a later message from the same publisher on the same topic and QoS: an ordered server has sent
  // every copy of the earlier ones by now [MQTT-4.6.0-5].
  for (auto overlap = waiting.begin(); overlap != waiting.end();) {
    if (proven_complete_by(*overlap, message, index, publish)) {
      judge(model, conn, *overlap, event);
      overlap = waiting.erase(overlap);
    } else {
      ++overlap;
    }
  }
  // A copy with no identifier is MQTT-3.3.4-3's; a re-send (DUP 1) is not another copy.
  if (carried.empty() || publish.dup) return;
  if (possible.size() < 2 || message.instances != 1 || message.is_will) return;
  const auto& first = model.records[possible.front()];
  const bool comparable = std::all_of(possible.begin(), possible.end(), [&](std::size_t i) {
    const auto& record = model.records[i];
    return record.identifier.has_value() && record.share_group.empty() && record.granted == first.granted;
  });
  if (!comparable) return;
  auto overlap = std::find_if(waiting.begin(), waiting.end(),
                              [&](const IdentifiedOverlap& candidate) {
                                return candidate.message == index && candidate.publish_sequence == message.sequence;
                              });
  if (overlap == waiting.end()) {
    if (waiting.size() >= waiting_limit) waiting.erase(waiting.begin());
    IdentifiedOverlap fresh;
    fresh.message = index;
    fresh.topic = message.topic;
    fresh.publisher = message.publisher;
    fresh.publish_sequence = message.sequence;
    fresh.qos = publish.qos;
    for (const auto i : possible) fresh.required.insert(*model.records[i].identifier);
    waiting.push_back(std::move(fresh));
    overlap = std::prev(waiting.end());
  }
  overlap->copies++;
  overlap->carried.insert(carried.begin(), carried.end());
  overlap->copy_sequences.push_back(event.sequence);
  // One copy per subscription, all of them here: complete without waiting.
  if (overlap->copies >= 2 && static_cast<std::size_t>(overlap->copies) >= overlap->required.size()) {
    judge(model, conn, *overlap, event);
    waiting.erase(overlap);
  }
}

}  // namespace mqtt::model::detail
