// Reporting, lookups and index upkeep of the model's shared state.
#include "model/model_state.hpp"

#include <algorithm>
#include <iterator>

#include "model/topic.hpp"

namespace mqtt::model::detail {

std::string type_name(PacketType type) {
  static constexpr const char* names[] = {
      "RESERVED",  "CONNECT", "CONNACK",     "PUBLISH",  "PUBACK",  "PUBREC",   "PUBREL",     "PUBCOMP",
      "SUBSCRIBE", "SUBACK",  "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};
  return names[static_cast<int>(type) & 0x0F];
}

// Built by appending: GCC 12 warns falsely (-Wrestrict) on "'" + std::string(text) + "'" once inlined.
std::string quoted(std::string_view text) {
  std::string result;
  result.reserve(text.size() + 2);
  result += '\'';
  result += text;
  result += '\'';
  return result;
}

std::vector<std::size_t> merged(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
  std::vector<std::size_t> result;
  result.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(result));
  return result;
}

// ---- reporting --------------------------------------------------------------------------------------------

void ModelState::violation(std::string statement, std::string message, std::vector<std::uint64_t> evidence,
                           std::string level) {
  const std::string spec(cited_spec(judged, statement));
  statement = cite(statement);
  if (statement.empty()) return;  // a rule the judged connection's specification does not have
  std::sort(evidence.begin(), evidence.end());
  evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
  evidence.erase(std::remove(evidence.begin(), evidence.end(), 0), evidence.end());
  if (!reported.insert({statement, evidence}).second) return;
  verdicts.exercised.insert(statement);
  verdicts.exercised_by_spec[spec].insert(statement);
  auto evidence_events =
      options.evidence_events ? evidence_store.slice(evidence) : std::vector<history::Event>{};
  verdicts.violations.push_back(Finding{std::move(statement), std::move(level), std::move(message),
                                        std::move(evidence), spec, std::move(evidence_events)});
}

void ModelState::exercise(std::string_view statement) {
  // cite and cited_spec depend on (judged, statement) only: a statement entered once for this version is done.
  if (statements_entered.entered_text(statement, judged)) return;
  auto cited = cite(statement);
  if (cited.empty()) return;
  verdicts.exercised_by_spec[std::string(cited_spec(judged, statement))].insert(cited);
  verdicts.exercised.insert(std::move(cited));
}

void ModelState::exercise_literal_first(const char* literal) {
  exercise(std::string_view(literal));
  statements_entered.remember_literal(literal, judged);
}

void ModelState::observe_behaviour(std::string behaviour, std::string detail,
                                   std::vector<std::uint64_t> evidence) {
  verdicts.observed.push_back(Observation{std::move(behaviour), std::move(detail), std::move(evidence)});
}

void ModelState::unresolved(UnresolvedKind kind, std::string statement, std::string reason,
                            std::vector<std::uint64_t> evidence, std::uint8_t return_code) {
  const std::string spec(cited_spec(judged, statement));
  statement = cite(statement);
  std::sort(evidence.begin(), evidence.end());
  evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
  evidence.erase(std::remove(evidence.begin(), evidence.end(), 0), evidence.end());
  verdicts.unresolved.push_back(
      Unresolved{kind, std::move(statement), std::move(reason), std::move(evidence), return_code,
                 spec});
}

void ModelState::unmet(const std::string& statement, const std::string& message,
                       std::vector<std::uint64_t> evidence, std::int64_t deadline, std::int64_t end_time,
                       bool excused, const std::string& excuse) {
  if (excused) {
    observe_behaviour(excuse, message + " (not judged: " + excuse + ")", std::move(evidence));
  } else if (end_time >= deadline) {
    violation(statement, message, std::move(evidence));
  } else {
    unresolved(UnresolvedKind::history_ended, statement,
               message + " (the history ended before the deadline)", std::move(evidence));
  }
}

// ---- lookups ----------------------------------------------------------------------------------------------

Connection& ModelState::connection(const Event& event) {
  if (auto* known = connection_index.find(event.connection)) return *known;
  auto [it, inserted] = connections.try_emplace(event.connection);
  if (inserted) {
    it->second.id = event.connection;
    it->second.actor = event.actor;
  }
  connection_index.set(event.connection, &it->second);
  return it->second;
}

Connection* ModelState::find_connection(std::uint32_t id) {
  if (auto* known = connection_index.find(id)) return known;
  const auto found = connections.find(id);
  if (found == connections.end()) return nullptr;
  connection_index.set(id, &found->second);
  return &found->second;
}

const Connection* ModelState::find_connection(std::uint32_t id) const {
  // The index is a cache over the map: filling it from a const lookup changes nothing the model says.
  return const_cast<ModelState*>(this)->find_connection(id);
}

Connection& ModelState::connection_at(std::uint32_t id) {
  if (auto* known = find_connection(id)) return *known;
  auto& inserted = connections[id];
  connection_index.set(id, &inserted);
  return inserted;
}

bool ModelState::generation_known(const Connection& conn) const {
  auto it = sessions.find(conn.client_id);
  return conn.accepted && it != sessions.end() && it->second.generation == conn.generation &&
         it->second.subscriptions_known;
}

// ---- bookkeeping and indexes ------------------------------------------------------------------------------

std::size_t ModelState::add_message(Message message) {
  const auto slot = messages_by_key.try_emplace(std::move(message.identity.key)).first;
  return add_message(std::move(message), slot);
}

std::size_t ModelState::add_message(Message message, MessageKeySlot slot) {
  const auto index = messages.next_index();
  if (message.topic_id == no_topic) message.topic_id = topics.intern(message.topic);
  // Nodes of an unordered_map never move: the message can keep a pointer to its key there.
  slot->second.push_back(index);
  message.identity.key = std::string();
  message.indexed_key = &slot->first;
  messages_by_connection[message.publisher_connection].push_back(index);
  messages.push_back(std::move(message));
  return index;
}

void ModelState::mark_processed(std::size_t index, std::int64_t time, std::uint64_t sequence) {
  auto& message = messages[index];
  if (time < message.processed_by) {
    message.processed_by = time;
    message.processed_sequence = sequence;
  }
}

std::size_t ModelState::add_record(SubscriptionRecord record) {
  const auto index = records.next_index();
  if (topic::has_wildcard(record.filter)) {
    wildcard_records.push_back(index);
  } else {
    const auto [list, added] = exact_records.try_emplace(record.filter);
    if (added) ++exact_keys_changed;
    list->second.push_back(index);
  }
  records_by_connection[record.connection].push_back(index);
  if (record.generation != 0) records_by_generation[record.generation].push_back(index);
  records.push_back(std::move(record));
  return index;
}

void ModelState::bind_record(std::size_t index, const std::string& client_id, std::uint64_t generation) {
  auto& record = records[index];
  record.client_id = client_id;
  record.generation = generation;
  if (generation == 0) return;
  auto& list = records_by_generation[generation];
  list.insert(std::lower_bound(list.begin(), list.end(), index), index);
}

void ModelState::add_duty(DeliveryDuty duty) {
  const auto index = duties.next_index();
  duties_by_message[duty.message].push_back(index);
  duties_by_client[duty.client_id].push_back(index);
  if (duty.retained_copy) duties_by_connection[duty.connection].push_back(index);
  duties.push_back(std::move(duty));
}

const std::vector<std::size_t>& ModelState::exact_matching_records(const std::string& topic_name,
                                                                   std::uint32_t topic_id) const {
  static const std::vector<std::size_t> none;
  if (topic_id == no_topic) return indexed(exact_records, topic_name);
  if (topic_id >= exact_matches.size()) exact_matches.resize(topic_id + 1);
  auto& cached = exact_matches[topic_id];
  if (cached.keys_changed != exact_keys_changed) {
    const auto found = exact_records.find(topic_name);
    cached.records = found == exact_records.end() ? nullptr : &found->second;
    cached.keys_changed = exact_keys_changed;
  }
  return cached.records == nullptr ? none : *cached.records;
}

const std::vector<std::size_t>& ModelState::matching_wildcard_records(const std::string& topic_name,
                                                                      std::uint32_t topic_id) const {
  if (topic_id == no_topic) topic_id = topics.intern(topic_name);
  if (topic_id >= wildcard_matches.size()) wildcard_matches.resize(topic_id + 1);
  auto& cached = wildcard_matches[topic_id];
  for (; cached.checked < wildcard_records.size(); ++cached.checked) {
    const auto index = wildcard_records[cached.checked];
    if (topic::matches(records[index].filter, topic_name)) cached.records.push_back(index);
  }
  return cached.records;
}

std::vector<std::size_t> ModelState::matching_records(const Message& message) const {
  if (wildcard_records.empty()) return indexed(exact_records, message.topic);
  std::vector<std::size_t> result;
  for_each_matching_record(message, [&](std::size_t index) { result.push_back(index); });
  return result;
}

std::vector<std::size_t> ModelState::matching_records(const std::string& topic_name) const {
  if (wildcard_records.empty()) return indexed(exact_records, topic_name);
  std::vector<std::size_t> result;
  result.reserve(indexed(exact_records, topic_name).size() + matching_wildcard_records(topic_name).size());
  for_each_matching_record(topic_name, [&](std::size_t index) { result.push_back(index); });
  return result;
}

}  // namespace mqtt::model::detail
