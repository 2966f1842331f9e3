// FROZEN COPY of harness/model/checker.cpp at 3c7b95a for the split differential test; do not edit.
// The reference model of an MQTT 3.1.1 broker, replayed from the client side of a history.
//
// The checker cannot see inside the broker, so it reasons with time windows: a request sent at t1 and answered at
// t2 was processed somewhere in [t1, t2]. An obligation is "definite" only when every interleaving the windows
// allow makes it one; anything merely possible is allowed. Violations are raised only when the history proves them
// (a later event shows the deadline passed); the end of the history turns unmet obligations into violations only
// when the history ran long enough past their deadline, otherwise into observations.
#include "frozen_checker.hpp"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cstdio>
#include <cctype>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "codec/decoder.hpp"
#include "model/message_identity.hpp"
#include "model/topic.hpp"

namespace mqtt::model::frozen {
namespace {

using history::CloseReason;
using history::Event;
using history::EventKind;

constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t no_message = std::numeric_limits<std::size_t>::max();

int level_of(QoS qos) { return static_cast<int>(qos); }

// Packet variant alternatives are declared in PacketType order, starting at CONNECT = 1.
PacketType type_of(const Packet& packet) { return static_cast<PacketType>(packet.index() + 1); }

std::string type_name(PacketType type) {
  static constexpr const char* names[] = {"RESERVED",    "CONNECT", "CONNACK", "PUBLISH",  "PUBACK",
                                          "PUBREC",      "PUBREL",  "PUBCOMP", "SUBSCRIBE", "SUBACK",
                                          "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT",
                                          "AUTH"};
  return names[static_cast<int>(type) & 0x0F];
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

bool server_closed(CloseReason reason) { return reason == CloseReason::clean_eof || reason == CloseReason::reset; }

std::int64_t add_time(std::int64_t base, std::int64_t delta) {
  if (base == never || delta == never) return never;
  return base + delta;
}

// A request from the client that the server must answer.
struct Request {
  PacketType answer{};
  std::uint16_t packet_id = 0;
  std::uint64_t sequence = 0;
  std::int64_t time = 0;
  std::vector<Subscription> subscriptions;  // SUBSCRIBE
  std::vector<std::size_t> records;         // SUBSCRIBE: subscription records created for it
  std::vector<std::string> filters;         // UNSUBSCRIBE
  std::size_t message = no_message;         // PUBLISH
  std::optional<std::size_t> invalid_filter;  // SUBSCRIBE: index of a filter the server must refuse or close on
  bool removes_nothing = false;                // UNSUBSCRIBE that matches no subscription [MQTT-3.10.4-5]
};

Request simple_request(PacketType answer, std::uint16_t packet_id, const Event& event) {
  Request request;
  request.answer = answer;
  request.packet_id = packet_id;
  request.sequence = event.sequence;
  request.time = event.time_ns;
  return request;
}

// A QoS 1/2 PUBLISH the server sent to this client, until its flow completes.
struct ServerFlight {
  std::size_t message = no_message;
  std::uint64_t sequence = 0;
  QoS qos = QoS::at_least_once;
  bool client_answered = false;  // client sent PUBACK (QoS 1) or PUBREC (QoS 2)
  std::uint64_t answer_sequence = 0;
  std::int64_t answer_time = 0;
  bool released = false;         // server sent PUBREL
};

// The server must close this connection (and must not answer the offending packet as if it were fine).
struct CloseDuty {
  Finding finding;
  std::int64_t since = 0;
  std::optional<PacketType> answer;               // receiving this answer proves the server accepted the packet
  std::optional<std::uint16_t> answer_id;
  std::optional<std::uint8_t> required_connack;   // the server must first answer CONNACK with this code
  bool connack_done = false;
  bool settled = false;
};

struct Connection {
  std::uint32_t id = 0;
  std::string actor;
  bool opened_seen = false;
  bool connect_seen = false;
  Connect connect;
  std::uint64_t connect_sequence = 0;
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  bool connack_seen = false;
  bool accepted = false;
  bool refused = false;
  std::uint64_t connack_sequence = 0;
  std::int64_t connack_time = 0;
  bool any_received = false;
  bool closed = false;
  std::int64_t closed_time = 0;
  std::uint64_t closed_sequence = 0;
  CloseReason close_reason = CloseReason::local_close;
  bool disconnect_sent = false;
  std::int64_t disconnect_time = 0;
  std::uint64_t disconnect_sequence = 0;
  std::int64_t last_client_time = 0;
  std::uint64_t last_client_sequence = 0;
  bool keepalive_reported = false;
  std::vector<Request> requests;
  std::map<std::uint16_t, ServerFlight> server_flights;
  std::vector<std::size_t> unconfirmed_qos0;  // QoS 0 publishes not yet proven processed
  std::vector<CloseDuty> close_duties;
  bool auth_failure_expected = false;
  std::uint64_t auth_note_sequence = 0;
  std::string client_id;      // session key (a generated one for an accepted empty client id)
  std::uint64_t generation = 0;
  bool faulted = false;
  bool taken_over = false;
  bool client_violation = false;  // the client broke the protocol: the server may close at any time
  std::size_t will_message = no_message;
  std::set<std::size_t> first_arrivals;  // messages already seen on this connection (ordering uses the first)
};

struct SubscriptionRecord {
  std::string client_id;
  std::uint64_t generation = 0;
  std::uint32_t connection = 0;
  std::string filter;
  QoS requested = QoS::at_most_once;
  std::uint8_t granted = 0;  // requested until the SUBACK says otherwise
  bool refused = false;
  std::uint64_t subscribe_sequence = 0;
  std::int64_t start_sent = 0;
  std::int64_t start_ack = never;
  std::uint64_t suback_sequence = 0;
  std::int64_t end_sent = never;
  std::int64_t end_ack = never;
  std::uint64_t end_sequence = 0;
  bool ended_by_unsubscribe = false;
  std::optional<std::uint8_t> replaced_granted;  // QoS granted to the identical filter this record replaced
};

struct Message {
  MessageIdentity identity;  // its key is dropped once stored in messages_by_key
  std::string topic;
  bool payload_empty = false;  // all the model needs of the payload (retained deletes)
  QoS qos = QoS::at_most_once;
  bool retain = false;
  std::uint32_t publisher_connection = 0;
  std::string publisher;
  std::uint64_t sequence = 0;
  std::int64_t sent_time = 0;
  std::int64_t processed_by = never;  // the server had certainly processed it by then
  std::uint64_t processed_sequence = 0;
  bool is_will = false;
  bool will_due = false;
  bool from_refused_connection = false;
  bool retransmitted = false;
  int instances = 1;
};

enum class Existence : std::uint8_t { unknown, absent, present };

struct Session {
  Existence existence = Existence::unknown;
  std::uint64_t existence_sequence = 0;
  std::uint64_t generation = 0;
  bool generation_alive = false;
  bool persistent = false;
  bool subscriptions_known = false;
  std::uint32_t connection = 0;  // 0 while offline
  std::vector<std::pair<std::uint16_t, ServerFlight>> owed_redeliveries;  // from the last connection
};

// A delivery the broker owes: a message to a session, or a retained message to a new subscription.
struct DeliveryDuty {
  std::size_t message = no_message;
  std::string client_id;
  std::uint64_t generation = 0;
  QoS required = QoS::at_least_once;
  bool retained_copy = false;
  std::uint32_t connection = 0;  // retained copies: the subscribing connection
  std::optional<std::uint16_t> redelivery_id;
  std::int64_t due = never;      // never while the session is offline
  std::vector<std::uint64_t> evidence;
  std::string statement;
  std::string description;
  bool settled = false;
  bool cancelled = false;
  bool overlapping = false;      // several of the session's subscriptions matched the message
  bool resubscribed = false;     // the granting subscription replaced an identical filter with another QoS
};

struct CopyLedger {
  int new_qos2_copies = 0;
  std::set<std::uint16_t> packet_ids;
  std::uint64_t first_sequence = 0;
  int highest_qos = -1;
};

// Append-only storage for message keys (a key holds the whole payload when it carries no token): one
// allocation per megabyte instead of one per message; the views it hands out stay valid (chunks never move).
class KeyArena {
 public:
  std::string_view store(std::string_view text) {
    if (text.size() > chunk_size / 8) {
      large_.emplace_back(new char[text.size()]);  // not value-initialised: every byte is copied over
      std::copy(text.begin(), text.end(), large_.back().get());
      return {large_.back().get(), text.size()};
    }
    if (chunks_.empty() || used_ + text.size() > chunk_size) {
      chunks_.emplace_back(new char[chunk_size]);
      used_ = 0;
    }
    char* place = chunks_.back().get() + used_;
    std::copy(text.begin(), text.end(), place);
    used_ += text.size();
    return {place, text.size()};
  }

 private:
  static constexpr std::size_t chunk_size = 1 << 20;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::vector<std::unique_ptr<char[]>> large_;
  std::size_t used_ = 0;
};

struct OrderMark {
  std::uint64_t publish_sequence = 0;
  std::uint64_t receive_sequence = 0;
};

}  // namespace

struct Checker::State {
  CheckOptions options;
  Verdicts verdicts;
  std::map<std::uint32_t, Connection> connections;
  std::map<std::string, Session> sessions;
  std::vector<SubscriptionRecord> records;
  std::vector<Message> messages;
  KeyArena message_keys;
  // Views into message_keys -> messages with that key; nearly every key names one message, kept inline.
  std::unordered_map<std::string_view, boost::container::small_vector<std::size_t, 1>> messages_by_key;
  std::map<std::string, std::vector<std::size_t>> retained_versions;  // topic -> retained publishes in order
  std::vector<DeliveryDuty> duties;
  // Indexes over the vectors above, each list in ascending index order so that walking an index visits the
  // same elements in the same order as a full scan filtering on the indexed field (verdicts depend on order).
  // exact_records: filter without wildcards -> records with that filter.
  std::unordered_map<std::string, std::vector<std::size_t>> exact_records;
  std::vector<std::size_t> wildcard_records;                                // records whose filter has + or #
  // topic -> the wildcard records (positions below `checked` in wildcard_records) whose filter matches it.
  // Records are only ever appended and filters never change, so the cache only grows: each (wildcard filter,
  // topic) pair is matched once.
  struct WildcardMatches {
    std::size_t checked = 0;
    std::vector<std::size_t> records;
  };
  mutable std::unordered_map<std::string, WildcardMatches> wildcard_matches;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> records_by_generation;  // generation != 0
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> records_by_connection;
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> messages_by_connection;  // publisher connection
  std::unordered_map<std::size_t, std::vector<std::size_t>> duties_by_message;
  std::unordered_map<std::string, std::vector<std::size_t>> duties_by_client;
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> duties_by_connection;  // retained copies
  std::map<std::pair<std::size_t, std::uint64_t>, CopyLedger> ledgers;  // (message, generation)
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::string, int, int>, OrderMark> order_marks;
  std::set<std::string> auth_failure_actors;
  std::uint64_t next_generation = 1;
  std::int64_t now = 0;
  std::set<std::pair<std::string, std::vector<std::uint64_t>>> reported;

  explicit State(CheckOptions check_options) : options(check_options) {}

  // ---- reporting -------------------------------------------------------------------------------------------------

  void violation(std::string statement, std::string message, std::vector<std::uint64_t> evidence,
                 std::string level = "MUST") {
    std::sort(evidence.begin(), evidence.end());
    evidence.erase(std::unique(evidence.begin(), evidence.end()), evidence.end());
    evidence.erase(std::remove(evidence.begin(), evidence.end(), 0), evidence.end());
    if (!reported.insert({statement, evidence}).second) return;
    verdicts.exercised.insert(statement);
    verdicts.violations.push_back(Finding{std::move(statement), std::move(level), std::move(message),
                                          std::move(evidence)});
  }

  void observe_behaviour(std::string behaviour, std::string detail, std::vector<std::uint64_t> evidence) {
    verdicts.observed.push_back(Observation{std::move(behaviour), std::move(detail), std::move(evidence)});
  }

  void exercise(std::string_view statement) { verdicts.exercised.insert(std::string(statement)); }

  // ---- lookups ---------------------------------------------------------------------------------------------------

  Connection& connection(const Event& event) {
    auto [it, inserted] = connections.try_emplace(event.connection);
    if (inserted) {
      it->second.id = event.connection;
      it->second.actor = event.actor;
    }
    return it->second;
  }

  std::string client_label(const Connection& conn) const {
    if (!conn.connect_seen) return "connection " + std::to_string(conn.id);
    if (conn.connect.client_id.empty()) return "client '' (connection " + std::to_string(conn.id) + ")";
    return "client " + quoted(conn.connect.client_id);
  }

  bool open(const Connection& conn) const { return !conn.closed; }

  bool generation_known(const Connection& conn) const {
    auto it = sessions.find(conn.client_id);
    return conn.accepted && it != sessions.end() && it->second.generation == conn.generation &&
           it->second.subscriptions_known;
  }

  bool record_possible(const SubscriptionRecord& record, std::int64_t from, std::int64_t to) const {
    return !record.refused && record.start_sent <= to && record.end_ack >= from;
  }

  bool record_definite(const SubscriptionRecord& record, std::int64_t from, std::int64_t to) const {
    return !record.refused && record.start_ack < from && record.end_sent > to;
  }

  // ---- retained store --------------------------------------------------------------------------------------------

  struct RetainedCandidates {
    std::vector<std::size_t> versions;  // retained publishes (may be empty-payload deletes)
    bool prior_unknown = false;         // the state before the history may still show through
  };

  // Which retained versions of `topic` a subscription processed somewhere in [from, to] may receive.
  RetainedCandidates retained_candidates(const std::string& topic, std::int64_t from, std::int64_t to) const {
    RetainedCandidates result;
    result.prior_unknown = true;
    auto it = retained_versions.find(topic);
    if (it == retained_versions.end()) return result;
    const auto& versions = it->second;
    for (auto index : versions) {
      const auto& version = messages[index];
      if (version.processed_by < from) result.prior_unknown = false;
    }
    for (auto index : versions) {
      const auto& version = messages[index];
      if (version.sent_time > to) continue;
      bool superseded = false;
      for (auto other_index : versions) {
        const auto& other = messages[other_index];
        if (other_index != index && other.sent_time > version.processed_by && other.processed_by < from) {
          superseded = true;
          break;
        }
      }
      if (!superseded) result.versions.push_back(index);
    }
    return result;
  }

  // ---- message bookkeeping ---------------------------------------------------------------------------------------

  void mark_processed(std::size_t index, std::int64_t time, std::uint64_t sequence) {
    auto& message = messages[index];
    if (time < message.processed_by) {
      message.processed_by = time;
      message.processed_sequence = sequence;
    }
  }

  // Answers to later requests prove the server read the earlier QoS 0 publishes on the same connection.
  void confirm_qos0_before(Connection& conn, std::uint64_t request_sequence, const Event& event) {
    auto& pending = conn.unconfirmed_qos0;
    pending.erase(std::remove_if(pending.begin(), pending.end(),
                                 [&](std::size_t index) {
                                   if (messages[index].sequence >= request_sequence) return false;
                                   mark_processed(index, event.time_ns, event.sequence);
                                   return true;
                                 }),
                  pending.end());
  }

  std::size_t add_message(Message message) {
    const auto index = messages.size();
    auto slot = messages_by_key.find(message.identity.key);
    if (slot == messages_by_key.end()) {
      slot = messages_by_key.try_emplace(message_keys.store(message.identity.key)).first;
    }
    slot->second.push_back(index);
    message.identity.key.clear();
    message.identity.key.shrink_to_fit();
    messages_by_connection[message.publisher_connection].push_back(index);
    messages.push_back(std::move(message));
    return index;
  }

  std::size_t add_record(SubscriptionRecord record) {
    const auto index = records.size();
    if (topic::has_wildcard(record.filter)) {
      wildcard_records.push_back(index);
    } else {
      exact_records[record.filter].push_back(index);
    }
    records_by_connection[record.connection].push_back(index);
    if (record.generation != 0) records_by_generation[record.generation].push_back(index);
    records.push_back(std::move(record));
    return index;
  }

  // A record created before its connection's CONNACK joins the session's generation then.
  void bind_record(std::size_t index, const std::string& client_id, std::uint64_t generation) {
    auto& record = records[index];
    record.client_id = client_id;
    record.generation = generation;
    if (generation == 0) return;
    auto& list = records_by_generation[generation];
    list.insert(std::lower_bound(list.begin(), list.end(), index), index);
  }

  void add_duty(DeliveryDuty duty) {
    const auto index = duties.size();
    duties_by_message[duty.message].push_back(index);
    duties_by_client[duty.client_id].push_back(index);
    if (duty.retained_copy) duties_by_connection[duty.connection].push_back(index);
    duties.push_back(std::move(duty));
  }

  template <typename Key, typename Map>
  static const std::vector<std::size_t>& indexed(const Map& map, const Key& key) {
    static const std::vector<std::size_t> none;
    auto it = map.find(key);
    return it == map.end() ? none : it->second;
  }

  // Indexes of the records whose filter matches `topic_name`, ascending: what a scan of all records calling
  // topic::matches would keep. A filter without wildcards matches exactly the name equal to it.
  std::vector<std::size_t> matching_records(const std::string& topic_name) const {
    const auto& exact = indexed(exact_records, topic_name);
    if (wildcard_records.empty()) return exact;
    auto& cached = wildcard_matches[topic_name];
    for (; cached.checked < wildcard_records.size(); ++cached.checked) {
      const auto index = wildcard_records[cached.checked];
      if (topic::matches(records[index].filter, topic_name)) cached.records.push_back(index);
    }
    std::vector<std::size_t> result;
    result.reserve(exact.size() + cached.records.size());
    auto next_exact = exact.begin();
    for (auto index : cached.records) {
      while (next_exact != exact.end() && *next_exact < index) result.push_back(*next_exact++);
      result.push_back(index);
    }
    result.insert(result.end(), next_exact, exact.end());
    return result;
  }

  // The union of two ascending index lists, ascending and without repeats.
  static std::vector<std::size_t> merged(const std::vector<std::size_t>& a,
                                         const std::vector<std::size_t>& b) {
    std::vector<std::size_t> result;
    result.reserve(a.size() + b.size());
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(result));
    return result;
  }

  // The broker has taken ownership of a message: every session with a definite matching subscription is owed it.
  void create_delivery_duties(std::size_t index, std::int64_t owned_at, std::vector<std::uint64_t> evidence) {
    const auto& message = messages[index];
    std::map<std::pair<std::string, std::uint64_t>, std::pair<int, std::uint64_t>> best;  // granted, suback seq
    std::map<std::pair<std::string, std::uint64_t>, int> matching;
    std::map<std::pair<std::string, std::uint64_t>, bool> resubscribed;
    for (const auto record_index : matching_records(message.topic)) {
      const auto& record = records[record_index];
      if (record.granted > 2) continue;
      if (!record_definite(record, message.sent_time, owned_at)) continue;
      ++matching[{record.client_id, record.generation}];
      auto& slot = best[{record.client_id, record.generation}];
      if (slot.second == 0 || record.granted > slot.first) {
        slot = {record.granted, record.suback_sequence};
        resubscribed[{record.client_id, record.generation}] =
            record.replaced_granted && *record.replaced_granted != record.granted;
      }
    }
    for (const auto& [key, granted] : best) {
      const auto required = std::min(level_of(message.qos), granted.first);
      if (required == 0) continue;
      auto session_it = sessions.find(key.first);
      if (session_it == sessions.end()) continue;
      const auto& session = session_it->second;
      if (!session.generation_alive || session.generation != key.second) continue;
      DeliveryDuty duty;
      duty.message = index;
      duty.client_id = key.first;
      duty.generation = key.second;
      duty.required = static_cast<QoS>(required);
      duty.overlapping = matching[key] > 1;
      duty.resubscribed = resubscribed[key];
      duty.evidence = evidence;
      duty.evidence.push_back(granted.second);
      duty.evidence.push_back(message.sequence);
      const bool online = session.connection != 0 && !connections[session.connection].closed;
      if (online) {
        duty.due = add_time(owned_at, options.close_grace_ns);
        duty.statement = "MQTT-4.5.0-1";
      } else if (session.persistent) {
        duty.statement = "MQTT-3.1.2-5";
      } else {
        continue;
      }
      exercise(duty.statement);
      exercise("MQTT-3.8.4-6");
      duty.description = std::string(message.is_will ? "will " : "") + "message on " + quoted(message.topic) +
                         " (QoS " + std::to_string(level_of(message.qos)) + ") to client " +
                         quoted(key.first) + " at QoS " + std::to_string(required);
      auto ledger = ledgers.find({index, key.second});
      if (ledger != ledgers.end() && ledger->second.highest_qos >= required) duty.settled = true;
      add_duty(std::move(duty));
    }
  }

  // ---- connection lifecycle --------------------------------------------------------------------------------------

  void add_close_duty(Connection& conn, std::string statement, std::string message,
                      std::vector<std::uint64_t> evidence, std::int64_t since) {
    CloseDuty duty;
    duty.finding = Finding{std::move(statement), "MUST", std::move(message), std::move(evidence)};
    duty.since = since;
    exercise(duty.finding.statement);
    conn.close_duties.push_back(std::move(duty));
  }

  // The client sent something the spec forbids: the server must close the connection.
  CloseDuty& client_violation(Connection& conn, const Event& event, std::string statement, std::string what) {
    conn.client_violation = true;
    add_close_duty(conn, statement,
                   "the server did not close the connection of " + client_label(conn) + " after " + what,
                   {event.sequence}, event.time_ns);
    return conn.close_duties.back();
  }

  void end_generation(const std::string& client_id, std::int64_t time, std::uint64_t sequence) {
    auto& session = sessions[client_id];
    if (!session.generation_alive) return;
    session.generation_alive = false;
    for (const auto record_index : indexed(records_by_generation, session.generation)) {
      auto& record = records[record_index];
      if (record.generation != session.generation || record.client_id != client_id) continue;
      if (record.end_sent == never) {
        record.end_sent = time;
        record.end_ack = time;
        record.end_sequence = sequence;
      }
    }
    for (const auto duty_index : indexed(duties_by_client, client_id)) {
      auto& duty = duties[duty_index];
      if (duty.client_id == client_id && duty.generation == session.generation && !duty.settled) {
        duty.cancelled = true;
      }
    }
    session.owed_redeliveries.clear();
  }

  void start_generation(Session& session, bool persistent, bool subscriptions_known) {
    session.generation = next_generation++;
    session.generation_alive = true;
    session.persistent = persistent;
    session.subscriptions_known = subscriptions_known;
  }

  // An unmet delivery duty where a copy did arrive, only below the highest granted QoS, breaks the overlapping
  // subscriptions rule rather than delivery itself.
  struct UnmetDelivery {
    std::string statement;
    std::string what;
    std::uint64_t copy_sequence = 0;  // the lower-QoS copy that did arrive, when one did
  };
  UnmetDelivery unmet_delivery(const DeliveryDuty& duty) const {
    if (!duty.retained_copy && !duty.redelivery_id) {
      const auto ledger = ledgers.find({duty.message, duty.generation});
      if (ledger != ledgers.end() && ledger->second.highest_qos >= 0 &&
          ledger->second.highest_qos < level_of(duty.required)) {
        const auto& message = messages[duty.message];
        const auto copy = ledger->second.first_sequence;
        if (duty.resubscribed && !duty.overlapping) {
          return {"MQTT-3.8.4-3", "the broker delivered the message on " + quoted(message.topic) + " to client " +
                                      quoted(duty.client_id) + " at QoS " +
                                      std::to_string(ledger->second.highest_qos) +
                                      ", the QoS of a subscription that a new SUBSCRIBE to the same filter "
                                      "replaced with QoS " + std::to_string(level_of(duty.required)),
                  copy};
        }
        if (!duty.overlapping) {
          return {"MQTT-3.8.4-6", "the broker delivered the " + std::string(message.is_will ? "will " : "") +
                                      "message on " + quoted(message.topic) + " to client " +
                                      quoted(duty.client_id) + " at QoS " +
                                      std::to_string(ledger->second.highest_qos) + " instead of QoS " +
                                      std::to_string(level_of(duty.required)) +
                                      ", the lower of its published and granted QoS",
                  copy};
        }
        return {"MQTT-3.3.5-1", "the broker delivered the message on " + quoted(message.topic) + " (QoS " +
                                    std::to_string(level_of(message.qos)) + ") to client " +
                                    quoted(duty.client_id) + " only at QoS " +
                                    std::to_string(ledger->second.highest_qos) +
                                    " although a matching subscription granted QoS " +
                                    std::to_string(level_of(duty.required)),
                copy};
      }
    }
    return {duty.statement, "the broker did not deliver the " + duty.description, 0};
  }

  // Delivery duties bound to a connection that the client side closed: a deadline already past is proven unmet.
  void judge_duties_at_client_close(Connection& conn, const Event& event) {
    const bool flow_blocked = std::any_of(conn.server_flights.begin(), conn.server_flights.end(),
                                          [](const auto& entry) { return !entry.second.client_answered; });
    for (const auto duty_index :
         merged(indexed(duties_by_client, conn.client_id), indexed(duties_by_connection, conn.id))) {
      auto& duty = duties[duty_index];
      if (duty.settled || duty.cancelled || duty.due == never) continue;
      const bool bound = duty.retained_copy ? duty.connection == conn.id
                                            : (duty.client_id == conn.client_id && duty.generation == conn.generation);
      if (!bound) continue;
      const bool client_ended = !server_closed(conn.close_reason) || conn.disconnect_sent;
      const auto ended_at = conn.disconnect_sent ? std::min(conn.disconnect_time, event.time_ns) : event.time_ns;
      if (ended_at > duty.due && !conn.faulted && !flow_blocked && client_ended) {
        auto evidence = duty.evidence;
        evidence.push_back(event.sequence);
        const auto unmet_copy = unmet_delivery(duty);
        if (unmet_copy.copy_sequence != 0) evidence.insert(evidence.end() - 1, unmet_copy.copy_sequence);
        violation(unmet_copy.statement, unmet_copy.what + " before " + client_label(conn) + " closed the connection",
                  evidence);
        duty.settled = true;
      } else if (duty.retained_copy) {
        duty.cancelled = true;
      } else {
        duty.due = never;  // persistent: owed again at reconnect; clean: cancelled with the session below
      }
    }
  }

  // ---- events from the client ------------------------------------------------------------------------------------

  void on_sent(const Event& event) {
    auto& conn = connection(event);
    // The silence that just ended may already prove the server kept the connection too long.
    if (!conn.closed) check_keepalive_proof(conn, event);
    conn.last_client_time = event.time_ns;
    conn.last_client_sequence = event.sequence;
    if (conn.closed) return;
    const Packet* packet = event.packet ? &*event.packet : nullptr;  // no copy of the payload per packet
    std::optional<Packet> decoded_packet;
    if (!packet) {
      if (event.raw.empty()) return;
      const auto version = conn.connect_seen ? conn.version : ProtocolVersion::v3_1_1;
      auto decoded = decode_packet(event.raw, Sender::client, version);
      if (auto* error = std::get_if<DecodeError>(&decoded)) {
        on_client_malformed(conn, event, *error);
        return;
      }
      decoded_packet = std::get<Packet>(std::move(decoded));
      packet = &*decoded_packet;
    }
    if (conn.client_violation) return;  // the server owes a close; later packets are not judged
    const auto type = type_of(*packet);
    if (!conn.connect_seen) {
      if (type == PacketType::connect) {
        on_connect(conn, std::get<Connect>(*packet), event);
        return;
      }
      if (conn.opened_seen) {
        auto& duty = client_violation(conn, event, "MQTT-3.1.0-1", "its first packet was " + type_name(type) +
                                                                          " instead of CONNECT");
        duty.answer = std::nullopt;
        duty.answer_id = std::nullopt;
        exercise("MQTT-4.8.0-1");
        return;
      }
      // A capture that starts mid-connection: judge what follows without a session.
    } else if (type == PacketType::connect) {
      auto& duty = client_violation(conn, event, "MQTT-3.1.0-2", "it sent a second CONNECT");
      duty.answer = PacketType::connack;
      return;
    }
    if (conn.refused) return;  // nothing after a refused CONNECT is acted on
    switch (type) {
      case PacketType::publish: on_client_publish(conn, std::get<Publish>(*packet), event); break;
      case PacketType::puback: on_client_ack(conn, std::get<Puback>(*packet).packet_id, PacketType::puback, event); break;
      case PacketType::pubrec: on_client_ack(conn, std::get<Pubrec>(*packet).packet_id, PacketType::pubrec, event); break;
      case PacketType::pubcomp: on_client_ack(conn, std::get<Pubcomp>(*packet).packet_id, PacketType::pubcomp, event); break;
      case PacketType::pubrel: {
        conn.requests.push_back(simple_request(PacketType::pubcomp, std::get<Pubrel>(*packet).packet_id, event));
        exercise("MQTT-4.3.3-2");
        break;
      }
      case PacketType::subscribe: on_client_subscribe(conn, std::get<Subscribe>(*packet), event); break;
      case PacketType::unsubscribe: on_client_unsubscribe(conn, std::get<Unsubscribe>(*packet), event); break;
      case PacketType::pingreq:
        conn.requests.push_back(simple_request(PacketType::pingresp, 0, event));
        exercise("MQTT-3.12.4-1");
        break;
      case PacketType::disconnect:
        conn.disconnect_sent = true;
        conn.disconnect_time = event.time_ns;
        conn.disconnect_sequence = event.sequence;
        if (conn.connect.will) exercise("MQTT-3.14.4-3");
        break;
      default:
        client_violation(conn, event, "MQTT-4.8.0-1", "it sent " + type_name(type) + ", a server-only packet");
        break;
    }
  }

  void on_client_malformed(Connection& conn, const Event& event, const DecodeError& error) {
    auto statement = error.statement.empty() ? std::string("MQTT-4.8.0-1") : error.statement;
    // The client broke the reserved-flags rule; what the server owes, and can break, is closing [MQTT-2.2.2-2].
    if (statement == "MQTT-2.2.2-1") statement = "MQTT-2.2.2-2";
    const auto type = error.packet_type;
    auto& duty = client_violation(conn, event, statement, "it sent a malformed packet (" + describe(error) + ")");
    if (type == PacketType::connect || (!conn.connect_seen && !type)) {
      duty.answer = PacketType::connack;
      if (statement == "MQTT-3.1.2-2") {
        duty.required_connack = 0x01;
        duty.finding.message = "the server did not answer CONNACK 0x01 and close for " + client_label(conn) +
                               " whose CONNECT carries an unsupported protocol level";
      }
    } else if (type == PacketType::subscribe) {
      duty.answer = PacketType::suback;
    } else if (type == PacketType::unsubscribe) {
      duty.answer = PacketType::unsuback;
    } else if (type == PacketType::pingreq) {
      duty.answer = PacketType::pingresp;
    } else if (type == PacketType::pubrel) {
      duty.answer = PacketType::pubcomp;
    }
  }

  void on_connect(Connection& conn, const Connect& connect, const Event& event) {
    conn.connect_seen = true;
    conn.connect = connect;
    conn.version = connect.version;
    conn.connect_sequence = event.sequence;
    exercise("MQTT-3.2.0-1");
    exercise("MQTT-3.1.4-4");
    if (auth_failure_actors.erase(conn.actor) > 0) conn.auth_failure_expected = true;
    if (connect.client_id.empty() && !connect.clean_session) {
      auto& duty = client_violation(conn, event, "MQTT-3.1.3-8", "");
      duty.required_connack = 0x02;
      duty.answer = PacketType::connack;
      duty.finding.message = "the server did not answer CONNACK 0x02 and close for a CONNECT with an empty "
                             "client id and clean session 0";
      conn.client_violation = false;  // the CONNECT itself is well formed; the CONNACK decides
      return;
    }
    if (!connect.client_id.empty() && connect.client_id.size() <= 23 &&
        std::all_of(connect.client_id.begin(), connect.client_id.end(),
                    [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
      exercise("MQTT-3.1.3-5");
    }
    if (connect.will) exercise("MQTT-3.1.2-8");
  }

  void on_client_publish(Connection& conn, const Publish& publish, const Event& event) {
    if (auto error = topic::validate_name(publish.topic)) {
      auto& duty = client_violation(conn, event, error->statement,
                                    "it published to the invalid topic " + quoted(publish.topic));
      if (publish.qos != QoS::at_most_once) {
        duty.answer = publish.qos == QoS::at_least_once ? PacketType::puback : PacketType::pubrec;
        duty.answer_id = publish.packet_id;
      }
      return;
    }
    auto identity = identify_message(publish.topic, publish.payload);
    const auto& client_id = conn.client_id;
    // A DUP re-send of a publish that is still in flight (on this or a previous connection of the same client).
    if (publish.dup && publish.qos != QoS::at_most_once && publish.packet_id) {
      auto candidates = messages_by_key.find(identity.key);
      if (candidates != messages_by_key.end()) {
        for (auto it = candidates->second.rbegin(); it != candidates->second.rend(); ++it) {
          auto& previous = messages[*it];
          if (previous.publisher == client_id && !previous.is_will && previous.qos == publish.qos) {
            previous.retransmitted = true;
            add_publish_request(conn, publish, *it, event);
            return;
          }
        }
      }
    }
    Message message;
    message.identity = std::move(identity);
    message.topic = publish.topic;
    message.payload_empty = publish.payload.empty();
    message.qos = publish.qos;
    message.retain = publish.retain;
    message.publisher_connection = conn.id;
    message.publisher = client_id;
    message.sequence = event.sequence;
    message.sent_time = event.time_ns;
    message.from_refused_connection = conn.refused;
    if (message.identity.tokened) {
      auto existing = messages_by_key.find(message.identity.key);
      if (existing != messages_by_key.end() && !existing->second.empty()) {
        messages[existing->second.front()].instances++;  // the same token published again: a new publication
        add_publish_request(conn, publish, existing->second.front(), event);
        return;
      }
    }
    const auto index = add_message(std::move(message));
    if (publish.retain) {
      retained_versions[publish.topic].push_back(index);
      exercise("MQTT-3.3.1-5");
      exercise(publish.payload.empty() ? "MQTT-3.3.1-10" : "MQTT-3.3.1-6");
      if (publish.payload.empty()) exercise("MQTT-3.3.1-11");
      if (publish.qos == QoS::at_most_once) exercise("MQTT-3.3.1-7");
    } else {
      exercise("MQTT-3.3.1-12");
    }
    exercise("MQTT-3.3.1-9");
    if (publish.qos == QoS::at_most_once) {
      conn.unconfirmed_qos0.push_back(index);
    } else {
      add_publish_request(conn, publish, index, event);
    }
  }

  void add_publish_request(Connection& conn, const Publish& publish, std::size_t index, const Event& event) {
    if (publish.qos == QoS::at_most_once || !publish.packet_id) return;
    Request request;
    request.answer = publish.qos == QoS::at_least_once ? PacketType::puback : PacketType::pubrec;
    request.packet_id = *publish.packet_id;
    request.sequence = event.sequence;
    request.time = event.time_ns;
    request.message = index;
    // A re-send replaces the earlier request for the same packet id.
    conn.requests.erase(std::remove_if(conn.requests.begin(), conn.requests.end(),
                                       [&](const Request& r) {
                                         return r.answer == request.answer && r.packet_id == request.packet_id;
                                       }),
                        conn.requests.end());
    conn.requests.push_back(std::move(request));
    exercise("MQTT-3.3.4-1");
    exercise("MQTT-2.3.1-6");
  }

  void on_client_ack(Connection& conn, std::uint16_t packet_id, PacketType type, const Event& event) {
    auto flight = conn.server_flights.find(packet_id);
    if (flight == conn.server_flights.end()) return;
    if (type == PacketType::puback || type == PacketType::pubrec) {
      flight->second.client_answered = true;
      flight->second.answer_sequence = event.sequence;
      flight->second.answer_time = event.time_ns;
      if (type == PacketType::puback) conn.server_flights.erase(flight);
      else exercise("MQTT-4.3.3-1");
    } else if (type == PacketType::pubcomp) {
      conn.server_flights.erase(flight);
    }
  }

  void on_client_subscribe(Connection& conn, const Subscribe& subscribe, const Event& event) {
    if (subscribe.subscriptions.empty()) {
      auto& duty = client_violation(conn, event, "MQTT-3.8.3-3", "it sent a SUBSCRIBE with no topic filter");
      duty.answer = PacketType::suback;
      duty.answer_id = subscribe.packet_id;
      return;
    }
    Request request;
    request.answer = PacketType::suback;
    request.packet_id = subscribe.packet_id;
    request.sequence = event.sequence;
    request.time = event.time_ns;
    request.subscriptions = subscribe.subscriptions;
    for (std::size_t i = 0; i < subscribe.subscriptions.size(); ++i) {
      const auto& subscription = subscribe.subscriptions[i];
      if (auto error = topic::validate_filter(subscription.filter)) {
        // The server may refuse this filter with 0x80 or close the connection; granting it is a violation.
        request.invalid_filter = i;
        request.records.push_back(no_message);
        exercise(error->statement);
        continue;
      }
      SubscriptionRecord record;
      record.client_id = conn.client_id;
      record.generation = conn.generation;
      record.connection = conn.id;
      record.filter = subscription.filter;
      record.requested = subscription.qos;
      record.granted = static_cast<std::uint8_t>(subscription.qos);
      record.subscribe_sequence = event.sequence;
      record.start_sent = event.time_ns;
      request.records.push_back(records.size());
      add_record(std::move(record));
    }
    exercise("MQTT-3.8.4-1");
    exercise("MQTT-3.8.4-5");
    exercise("MQTT-3.9.3-1");
    exercise("MQTT-3.9.3-2");
    exercise("MQTT-2.3.1-7");
    exercise("MQTT-3.3.1-8");
    if (subscribe.subscriptions.size() > 1) exercise("MQTT-3.8.4-4");
    conn.requests.push_back(std::move(request));
  }

  void on_client_unsubscribe(Connection& conn, const Unsubscribe& unsubscribe, const Event& event) {
    if (unsubscribe.filters.empty()) {
      auto& duty = client_violation(conn, event, "MQTT-3.10.3-2", "it sent an UNSUBSCRIBE with no topic filter");
      duty.answer = PacketType::unsuback;
      duty.answer_id = unsubscribe.packet_id;
      return;
    }
    bool removes_something = false;
    for (auto& record : records) {
      if (record.client_id != conn.client_id || record.generation != conn.generation) continue;
      if (record.end_sent != never) continue;
      if (std::find(unsubscribe.filters.begin(), unsubscribe.filters.end(), record.filter) ==
          unsubscribe.filters.end()) {
        continue;
      }
      record.end_sent = event.time_ns;
      record.end_sequence = event.sequence;
      record.ended_by_unsubscribe = true;
      removes_something = true;
    }
    Request request;
    request.answer = PacketType::unsuback;
    request.packet_id = unsubscribe.packet_id;
    request.sequence = event.sequence;
    request.time = event.time_ns;
    request.filters = unsubscribe.filters;
    request.removes_nothing = !removes_something && generation_known(conn);
    conn.requests.push_back(std::move(request));
    exercise("MQTT-3.10.4-4");
    exercise(removes_something ? "MQTT-3.10.4-2" : "MQTT-3.10.4-5");
  }

  // ---- events from the server ------------------------------------------------------------------------------------

  // Some received packets are the answer the server would give had it accepted a forbidden packet.
  void check_forbidden_answers(Connection& conn, const Packet& packet, const Event& event) {
    const auto type = type_of(packet);
    for (auto& duty : conn.close_duties) {
      if (duty.settled) continue;
      if (duty.required_connack && type == PacketType::connack && !duty.connack_done) {
        const auto code = std::get<Connack>(packet).reason_code;
        duty.connack_done = true;
        if (code != *duty.required_connack) {
          auto evidence = duty.finding.evidence;
          evidence.push_back(event.sequence);
          violation(duty.finding.statement,
                    "the server answered CONNACK " + std::to_string(code) + " where the spec requires " +
                        std::to_string(*duty.required_connack) + " for " + client_label(conn),
                    evidence);
          duty.settled = code != 0 ? false : true;
          if (code == 0) conn.client_violation = false;
        }
        continue;
      }
      if (!duty.answer || *duty.answer != type) continue;
      if (type == PacketType::connack && std::get<Connack>(packet).reason_code != 0) continue;
      std::optional<std::uint16_t> id;
      if (type == PacketType::suback) id = std::get<Suback>(packet).packet_id;
      if (type == PacketType::unsuback) id = std::get<Unsuback>(packet).packet_id;
      if (type == PacketType::puback) id = std::get<Puback>(packet).packet_id;
      if (type == PacketType::pubrec) id = std::get<Pubrec>(packet).packet_id;
      if (duty.answer_id && id && *duty.answer_id != *id) continue;
      // Without an id to compare, an answer to an earlier, valid request proves nothing.
      if (!duty.answer_id && type != PacketType::connack &&
          find_request(conn, type, id.value_or(0)) != conn.requests.end()) {
        continue;
      }
      auto evidence = duty.finding.evidence;
      evidence.push_back(event.sequence);
      violation(duty.finding.statement,
                "the server answered " + type_name(type) + " to a forbidden packet from " + client_label(conn) +
                    " instead of closing the connection",
                evidence);
      duty.settled = true;
    }
  }

  void on_received(const Event& event) {
    auto& conn = connection(event);
    if (!event.packet) return;
    const auto& packet = *event.packet;
    const auto type = type_of(packet);
    check_keepalive_proof(conn, event);
    check_close_duty_proof(conn, event);
    if (!conn.any_received && conn.connect_seen && type != PacketType::connack) {
      violation("MQTT-3.2.0-1",
                "the first packet the server sent to " + client_label(conn) + " was " + type_name(type) +
                    ", not CONNACK",
                {conn.connect_sequence, event.sequence});
    }
    conn.any_received = true;
    check_forbidden_answers(conn, packet, event);
    switch (type) {
      case PacketType::connack: on_connack(conn, std::get<Connack>(packet), event); break;
      case PacketType::publish: on_delivery(conn, std::get<Publish>(packet), event); break;
      case PacketType::puback: on_server_ack(conn, std::get<Puback>(packet).packet_id, PacketType::puback, event); break;
      case PacketType::pubrec: on_server_ack(conn, std::get<Pubrec>(packet).packet_id, PacketType::pubrec, event); break;
      case PacketType::pubcomp: on_server_ack(conn, std::get<Pubcomp>(packet).packet_id, PacketType::pubcomp, event); break;
      case PacketType::pubrel: on_server_pubrel(conn, std::get<Pubrel>(packet).packet_id, event); break;
      case PacketType::suback: on_suback(conn, std::get<Suback>(packet), event); break;
      case PacketType::unsuback: on_server_ack(conn, std::get<Unsuback>(packet).packet_id, PacketType::unsuback, event); break;
      case PacketType::pingresp: on_server_ack(conn, 0, PacketType::pingresp, event); break;
      default: break;
    }
  }

  std::vector<Request>::iterator find_request(Connection& conn, PacketType answer, std::uint16_t packet_id) {
    return std::find_if(conn.requests.begin(), conn.requests.end(), [&](const Request& request) {
      return request.answer == answer && (answer == PacketType::pingresp || request.packet_id == packet_id);
    });
  }

  void on_server_ack(Connection& conn, std::uint16_t packet_id, PacketType type, const Event& event) {
    auto request = find_request(conn, type, packet_id);
    if (request == conn.requests.end()) {
      // A mid-life capture, an unsolicited PINGRESP, or an answer to a forbidden packet (judged by its close duty).
      if (!conn.connect_seen || type == PacketType::pingresp || conn.client_violation) return;
      const auto statement = type == PacketType::unsuback ? "MQTT-3.10.4-4" : "MQTT-2.3.1-6";
      violation(statement,
                "the server sent " + type_name(type) + " with packet id " + std::to_string(packet_id) + " to " +
                    client_label(conn) + " but no request with that id was waiting for it",
                {event.sequence});
      return;
    }
    confirm_qos0_before(conn, request->sequence, event);
    if (type == PacketType::unsuback) {
      for (const auto record_index : indexed(records_by_connection, conn.id)) {
        auto& record = records[record_index];
        if (record.connection == conn.id && record.end_sequence == request->sequence) record.end_ack = event.time_ns;
      }
    }
    if ((type == PacketType::puback || type == PacketType::pubrec) && request->message != no_message) {
      mark_processed(request->message, event.time_ns, event.sequence);
      create_delivery_duties(request->message, event.time_ns, {event.sequence});
    }
    conn.requests.erase(request);
  }

  void on_server_pubrel(Connection& conn, std::uint16_t packet_id, const Event& event) {
    exercise("MQTT-2.3.1-6");
    auto flight = conn.server_flights.find(packet_id);
    if (flight == conn.server_flights.end() || flight->second.qos != QoS::exactly_once ||
        !flight->second.client_answered) {
      if (!conn.connect_seen || flight == conn.server_flights.end()) {
        // A PUBREL re-sent after reconnect may answer a PUBREC sent on the previous connection.
        return;
      }
      violation("MQTT-2.3.1-6",
                "the server sent PUBREL with packet id " + std::to_string(packet_id) + " to " + client_label(conn) +
                    " before the client had sent PUBREC for it",
                {flight->second.sequence, event.sequence});
      return;
    }
    flight->second.released = true;
  }

  void on_connack(Connection& conn, const Connack& connack, const Event& event) {
    if (!conn.connect_seen || conn.connack_seen) return;
    conn.connack_seen = true;
    conn.connack_sequence = event.sequence;
    conn.connack_time = event.time_ns;
    const auto& connect = conn.connect;
    const std::vector<std::uint64_t> evidence{conn.connect_sequence, event.sequence};
    if (connack.reason_code != 0) {
      conn.refused = true;
      exercise("MQTT-3.2.2-4");
      exercise("MQTT-3.2.2-5");
      if (connack.session_present) {
        violation("MQTT-3.2.2-4", "CONNACK for " + client_label(conn) + " has return code " +
                                      std::to_string(connack.reason_code) + " but session present 1",
                  evidence);
      }
      add_close_duty(conn, "MQTT-3.2.2-5",
                     "the server did not close the connection of " + client_label(conn) +
                         " after CONNACK return code " + std::to_string(connack.reason_code),
                     evidence, event.time_ns);
      for (const auto message_index : indexed(messages_by_connection, conn.id)) {
        auto& message = messages[message_index];
        if (message.publisher_connection == conn.id) message.from_refused_connection = true;
      }
      if (conn.auth_failure_expected) {
        if (connack.reason_code != 4 && connack.reason_code != 5) {
          observe_behaviour("refuses-bad-credentials-with-code-" + std::to_string(connack.reason_code),
                            client_label(conn) + " with wrong credentials got CONNACK " +
                                std::to_string(connack.reason_code) + " (4 or 5 expected)",
                            evidence);
        }
      }
      if (connect.client_id.empty()) {
        observe_behaviour("refuses-empty-client-id", "empty client id refused with CONNACK " +
                                                         std::to_string(connack.reason_code), evidence);
      }
      return;
    }
    if (conn.auth_failure_expected) {
      violation("MQTT-3.1.4-1",
                "the server accepted " + client_label(conn) + " whose CONNECT carried wrong credentials",
                {conn.auth_note_sequence, conn.connect_sequence, event.sequence});
    }
    conn.accepted = true;
    if (connect.client_id.empty()) {
      conn.client_id = "\x01generated:" + std::to_string(conn.id);
      exercise("MQTT-3.1.3-6");
      observe_behaviour("accepts-empty-client-id", "an empty client id with clean session 1 was accepted",
                        evidence);
    } else {
      conn.client_id = connect.client_id;
    }
    auto& session = sessions[conn.client_id];
    // Takeover: the previous connection of this client id must be closed [MQTT-3.1.4-2].
    if (session.connection != 0 && session.connection != conn.id) {
      auto& previous = connections[session.connection];
      if (!previous.closed) {
        previous.taken_over = true;
        add_close_duty(previous, "MQTT-3.1.4-2",
                       "the server did not disconnect the existing connection " + std::to_string(previous.id) +
                           " of client " + quoted(conn.client_id) + " when a second CONNECT with that id arrived",
                       {previous.connack_sequence, conn.connect_sequence, event.sequence}, event.time_ns);
        remember_redeliveries(previous, session);
      }
    }
    exercise("MQTT-3.1.4-2");
    if (connect.clean_session) {
      exercise("MQTT-3.2.2-1");
      exercise("MQTT-3.1.2-6");
      if (connack.session_present) {
        violation("MQTT-3.2.2-1", "CONNACK for " + client_label(conn) + " with clean session 1 has session present 1",
                  evidence);
      }
      end_generation(conn.client_id, event.time_ns, event.sequence);
      start_generation(session, false, true);
      session.existence = Existence::absent;
      session.existence_sequence = event.sequence;
    } else {
      exercise("MQTT-3.1.2-4");
      bool resumed = false;
      if (session.existence == Existence::present) {
        exercise("MQTT-3.2.2-2");
        if (!connack.session_present) {
          violation("MQTT-3.2.2-2",
                    "CONNACK for client " + quoted(conn.client_id) +
                        " has session present 0 although its persistent session was stored",
                    {session.existence_sequence, conn.connect_sequence, event.sequence});
        } else {
          resumed = session.generation_alive;
        }
      } else if (session.existence == Existence::absent) {
        exercise("MQTT-3.2.2-3");
        if (connack.session_present) {
          violation("MQTT-3.2.2-3",
                    "CONNACK for client " + quoted(conn.client_id) +
                        " has session present 1 although no session was stored for it",
                    {session.existence_sequence, conn.connect_sequence, event.sequence});
        }
      }
      if (resumed) {
        resume_session(conn, session, event);
      } else {
        end_generation(conn.client_id, event.time_ns, event.sequence);
        const bool known = !connack.session_present || session.existence == Existence::absent;
        start_generation(session, true, known);
      }
      session.existence = Existence::present;
      session.existence_sequence = event.sequence;
    }
    session.connection = conn.id;
    conn.generation = session.generation;
    // Clients may pipeline packets before CONNACK arrives; bind them to the session now that it is known.
    for (const auto record_index : indexed(records_by_connection, conn.id)) {
      const auto& record = records[record_index];
      if (record.connection == conn.id && record.generation == 0) {
        bind_record(record_index, conn.client_id, conn.generation);
      }
    }
    for (const auto message_index : indexed(messages_by_connection, conn.id)) {
      auto& message = messages[message_index];
      if (message.publisher_connection == conn.id && !message.is_will) message.publisher = conn.client_id;
    }
    if (connect.will) {
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
      conn.will_message = add_message(std::move(will));
    }
  }

  void remember_redeliveries(const Connection& previous, Session& session) {
    if (!session.persistent) return;
    for (const auto& [id, flight] : previous.server_flights) session.owed_redeliveries.emplace_back(id, flight);
  }

  void resume_session(Connection& conn, Session& session, const Event& event) {
    exercise("MQTT-3.1.2-5");
    for (const auto duty_index : indexed(duties_by_client, conn.client_id)) {
      auto& duty = duties[duty_index];
      if (duty.client_id == conn.client_id && duty.generation == session.generation && !duty.settled &&
          !duty.cancelled && !duty.retained_copy && duty.due == never) {
        duty.due = add_time(event.time_ns, options.close_grace_ns);
        duty.evidence.push_back(event.sequence);
      }
    }
    for (const auto& [id, flight] : session.owed_redeliveries) {
      if (flight.client_answered || flight.message == no_message) continue;  // PUBACK/PUBREC may have arrived
      exercise("MQTT-4.4.0-1");
      DeliveryDuty duty;
      duty.message = flight.message;
      duty.client_id = conn.client_id;
      duty.generation = session.generation;
      duty.required = flight.qos;
      duty.redelivery_id = id;
      duty.due = add_time(event.time_ns, options.close_grace_ns);
      duty.evidence = {flight.sequence, event.sequence};
      duty.statement = "MQTT-4.4.0-1";
      duty.description = "unacknowledged message on " + quoted(messages[flight.message].topic) +
                         " with packet id " + std::to_string(id) + " to client " + quoted(conn.client_id) +
                         " again after it resumed its session";
      add_duty(std::move(duty));
    }
    session.owed_redeliveries.clear();
  }

  void on_suback(Connection& conn, const Suback& suback, const Event& event) {
    auto request = find_request(conn, PacketType::suback, suback.packet_id);
    if (request == conn.requests.end()) {
      if (conn.connect_seen && !conn.client_violation) {
        violation("MQTT-2.3.1-7",
                  "the server sent SUBACK with packet id " + std::to_string(suback.packet_id) + " to " +
                      client_label(conn) + " but no SUBSCRIBE with that id was waiting",
                  {event.sequence});
      }
      return;
    }
    confirm_qos0_before(conn, request->sequence, event);
    const std::vector<std::uint64_t> evidence{request->sequence, event.sequence};
    if (suback.reason_codes.size() != request->subscriptions.size()) {
      violation("MQTT-3.8.4-5",
                "SUBACK " + std::to_string(suback.packet_id) + " to " + client_label(conn) + " has " +
                    std::to_string(suback.reason_codes.size()) + " return codes for " +
                    std::to_string(request->subscriptions.size()) + " topic filters",
                evidence);
    }
    for (std::size_t i = 0; i < request->subscriptions.size(); ++i) {
      const auto& subscription = request->subscriptions[i];
      const std::uint8_t code = i < suback.reason_codes.size() ? suback.reason_codes[i] : 0x80;
      const bool valid_code = code <= 2 || code == 0x80;
      if (!valid_code) {
        violation("MQTT-3.9.3-2",
                  "SUBACK " + std::to_string(suback.packet_id) + " to " + client_label(conn) +
                      " carries the return code " + std::to_string(code) + " for " + quoted(subscription.filter),
                  evidence);
      } else if (code <= 2 && code > level_of(subscription.qos)) {
        violation("MQTT-3.8.4-5",
                  "SUBACK " + std::to_string(suback.packet_id) + " to " + client_label(conn) + " grants QoS " +
                      std::to_string(code) + " for " + quoted(subscription.filter) + " where QoS " +
                      std::to_string(level_of(subscription.qos)) + " was requested",
                  evidence);
      }
      if (request->invalid_filter && *request->invalid_filter == i) {
        if (code != 0x80) {
          const auto error = topic::validate_filter(subscription.filter);
          violation(error ? error->statement : "MQTT-4.7.1-2",
                    "the server granted the invalid topic filter " + quoted(subscription.filter) + " to " +
                        client_label(conn),
                    evidence);
        }
        continue;
      }
      const auto record_index = i < request->records.size() ? request->records[i] : no_message;
      if (record_index == no_message) continue;
      auto& record = records[record_index];
      record.start_ack = event.time_ns;
      record.suback_sequence = event.sequence;
      if (code > 2) {
        record.refused = true;
        continue;
      }
      record.granted = code;
      // A subscription to an identical filter replaces the previous one [MQTT-3.8.4-3]. Identical filters
      // share an index list (the exact one, or the wildcard one).
      const auto& same_kind = topic::has_wildcard(record.filter) ? wildcard_records
                                                                 : indexed(exact_records, record.filter);
      for (const auto j : same_kind) {
        auto& old = records[j];
        if (j == record_index || old.client_id != record.client_id || old.generation != record.generation ||
            old.filter != record.filter || old.end_sent != never || old.subscribe_sequence >= record.subscribe_sequence) {
          continue;
        }
        exercise("MQTT-3.8.4-3");
        record.replaced_granted = old.granted;
        old.end_sent = record.start_sent;
        old.end_ack = record.start_ack;
        old.end_sequence = record.subscribe_sequence;
      }
      create_retained_duties(conn, record_index);
    }
    conn.requests.erase(request);
  }

  void create_retained_duties(const Connection& conn, std::size_t record_index) {
    const auto& record = records[record_index];
    // A filter without wildcards matches only the topic equal to it: look it up, do not try every topic.
    const bool exact = !topic::has_wildcard(record.filter);
    auto first = exact ? retained_versions.find(record.filter) : retained_versions.begin();
    auto last = first == retained_versions.end() ? first : exact ? std::next(first) : retained_versions.end();
    for (auto entry = first; entry != last; ++entry) {
      const auto& topic_name = entry->first;
      if (!topic::matches(record.filter, topic_name)) continue;
      exercise("MQTT-3.3.1-6");
      auto candidates = retained_candidates(topic_name, record.start_sent, record.start_ack);
      if (candidates.prior_unknown || candidates.versions.size() != 1) continue;
      const auto index = candidates.versions.front();
      const auto& version = messages[index];
      if (version.payload_empty || version.qos == QoS::at_most_once || version.from_refused_connection) {
        continue;
      }
      if (version.processed_by >= record.start_sent) continue;
      DeliveryDuty duty;
      duty.message = index;
      duty.client_id = record.client_id;
      duty.generation = record.generation;
      duty.required = QoS::at_most_once;
      duty.retained_copy = true;
      duty.connection = conn.id;
      duty.due = add_time(record.start_ack, options.close_grace_ns);
      duty.evidence = {version.sequence, version.processed_sequence, record.subscribe_sequence,
                       record.suback_sequence};
      // A will published with Will Retain=1 that a new subscription does not get was never stored as retained.
      duty.statement = version.is_will ? "MQTT-3.1.2-17" : "MQTT-3.3.1-6";
      duty.description = std::string(version.is_will ? "retained will" : "retained message") + " on " + quoted(topic_name) + " to the new subscription " +
                         quoted(record.filter) + " of " + client_label(conn);
      add_duty(std::move(duty));
    }
  }

  // Picks the message a received PUBLISH carries, or no_message when the history never saw it published.
  std::size_t identify_delivery(const Connection& conn, const Publish& publish) const {
    const auto identity = identify_message(publish.topic, publish.payload);
    auto it = messages_by_key.find(identity.key);
    if (it == messages_by_key.end()) return no_message;
    const auto& candidates = it->second;
    if (candidates.size() == 1) return candidates.front();
    // Indistinguishable messages: prefer one still owed to this session, then one with a fitting QoS and flag.
    for (const auto duty_index : indexed(duties_by_client, conn.client_id)) {
      const auto& duty = duties[duty_index];
      if (duty.settled || duty.cancelled || duty.client_id != conn.client_id) continue;
      if (std::find(candidates.begin(), candidates.end(), duty.message) != candidates.end()) return duty.message;
    }
    std::size_t best = no_message;
    for (auto index : candidates) {
      const auto& message = messages[index];
      if (level_of(message.qos) < level_of(publish.qos)) continue;
      if (publish.retain && !message.retain) continue;
      best = index;
      if (!ledgers.contains({index, conn.generation})) return index;
    }
    return best == no_message ? candidates.back() : best;
  }

  void on_delivery(Connection& conn, const Publish& publish, const Event& event) {
    const auto index = identify_delivery(conn, publish);
    if (publish.qos != QoS::at_most_once && publish.packet_id) {
      const auto id = *publish.packet_id;
      auto existing = conn.server_flights.find(id);
      exercise("MQTT-2.3.1-4");
      if (existing != conn.server_flights.end() && !(publish.dup && existing->second.message == index)) {
        violation("MQTT-2.3.1-4",
                  "the server reused packet id " + std::to_string(id) + " for a new PUBLISH to " +
                      client_label(conn) + " while the previous PUBLISH with that id was unacknowledged",
                  {existing->second.sequence, event.sequence});
      }
      ServerFlight flight;
      flight.message = index;
      flight.sequence = event.sequence;
      flight.qos = publish.qos;
      conn.server_flights[id] = flight;
    }
    if (conn.refused) {
      violation("MQTT-3.1.4-5",
                "the server delivered a message on " + quoted(publish.topic) + " to " + client_label(conn) +
                    " after refusing its CONNECT",
                {conn.connack_sequence, event.sequence});
      return;
    }
    if (index == no_message) return;
    auto& message = messages[index];
    mark_processed(index, event.time_ns, event.sequence);
    exercise("MQTT-3.3.5-1");
    if (message.from_refused_connection) {
      violation("MQTT-3.1.4-5",
                "the server forwarded a message on " + quoted(message.topic) + " that a refused client sent",
                {message.sequence, event.sequence});
      return;
    }
    if (message.is_will) check_will_delivery(conn, index, event);
    if (level_of(publish.qos) > level_of(message.qos)) {
      violation("MQTT-3.8.4-6",
                "the message on " + quoted(message.topic) + " published at QoS " +
                    std::to_string(level_of(message.qos)) + " reached " + client_label(conn) + " at QoS " +
                    std::to_string(level_of(publish.qos)),
                {message.sequence, event.sequence});
    }
    if (publish.retain) {
      on_retained_copy(conn, publish, index, event);
    } else {
      on_normal_copy(conn, publish, index, event);
    }
  }

  void check_will_delivery(const Connection& subscriber, std::size_t index, const Event& event) {
    const auto& message = messages[index];
    auto& owner = connections[message.publisher_connection];
    if (owner.disconnect_sent && owner.disconnect_time < event.time_ns && !owner.faulted &&
        !(owner.closed && server_closed(owner.close_reason) && owner.closed_time < owner.disconnect_time)) {
      violation("MQTT-3.14.4-3",
                "the will of client " + quoted(owner.client_id) + " reached " + client_label(subscriber) +
                    " although the client had sent DISCONNECT",
                {owner.disconnect_sequence, event.sequence});
    }
  }

  void on_retained_copy(Connection& conn, const Publish& publish, std::size_t index, const Event& event) {
    const auto& message = messages[index];
    if (!generation_known(conn)) return;
    // Which new subscriptions of this connection could this copy answer?
    int granted_limit = -1;
    std::uint64_t subscribe_evidence = 0;
    for (const auto record_index : matching_records(message.topic)) {
      const auto& record = records[record_index];
      if (record.connection != conn.id || record.refused) continue;
      if (record.start_sent > event.time_ns) continue;
      auto candidates = retained_candidates(message.topic, record.start_sent,
                                            std::min(record.start_ack, event.time_ns));
      const bool candidate =
          std::find(candidates.versions.begin(), candidates.versions.end(), index) != candidates.versions.end();
      if (candidate) {
        granted_limit = std::max<int>(granted_limit, record.granted);
        subscribe_evidence = record.subscribe_sequence;
      }
    }
    if (granted_limit >= 0) {
      exercise("MQTT-3.3.1-8");
      if (level_of(publish.qos) > std::min(granted_limit, level_of(message.qos))) {
        violation("MQTT-3.8.4-6",
                  "the retained message on " + quoted(message.topic) + " reached " + client_label(conn) +
                      " at QoS " + std::to_string(level_of(publish.qos)) + ", above the granted QoS " +
                      std::to_string(granted_limit),
                  {subscribe_evidence, message.sequence, event.sequence});
      }
      settle_duties(conn, index, publish, event, true);
      return;
    }
    // Not an answer to a new subscription: say which rule the RETAIN flag or the stale copy breaks.
    std::string statement = "MQTT-3.3.1-9";
    std::string why = "carries RETAIN=1 although it went to an existing subscription";
    std::vector<std::uint64_t> evidence{message.sequence, event.sequence};
    if (!possible_normal_copy(conn, index, event.time_ns)) {
      if (message.is_will && !message.retain) {
        statement = "MQTT-3.1.2-16";
        why = "carries RETAIN=1 although the will was not retained";
      } else if (!message.retain) {
        statement = "MQTT-3.3.1-12";
        why = "was delivered as retained although it was published with RETAIN=0";
      } else {
        const auto& versions = retained_versions[message.topic];
        for (auto later : versions) {
          const auto& replacement = messages[later];
          if (replacement.sent_time > message.processed_by && replacement.processed_by < event.time_ns) {
            evidence.push_back(replacement.sequence);
            if (replacement.payload_empty) {
              statement = "MQTT-3.3.1-10";
              why = "was delivered as retained after an empty retained message deleted it";
            } else {
              statement = replacement.qos == QoS::at_most_once ? "MQTT-3.3.1-7" : "MQTT-3.3.1-5";
              why = "was delivered as retained after a newer retained message replaced it";
            }
            break;
          }
        }
      }
    }
    violation(statement, "the message on " + quoted(message.topic) + " to " + client_label(conn) + " " + why,
              evidence);
    settle_duties(conn, index, publish, event, false);  // it did arrive; the flag is the fault, not the loss
  }

  // Records of this session that could have carried `message` as an ordinary delivery.
  std::vector<std::size_t> normal_copy_records(const Connection& conn, std::size_t index, std::int64_t received) const {
    const auto& message = messages[index];
    std::vector<std::size_t> result;
    const auto upper = std::min(message.processed_by, received);
    for (const auto i : matching_records(message.topic)) {
      const auto& record = records[i];
      if (record.client_id != conn.client_id) continue;
      if (record_possible(record, message.sent_time, upper)) result.push_back(i);
    }
    return result;
  }

  bool possible_normal_copy(const Connection& conn, std::size_t index, std::int64_t received) const {
    return !normal_copy_records(conn, index, received).empty();
  }

  void on_normal_copy(Connection& conn, const Publish& publish, std::size_t index, const Event& event) {
    const auto& message = messages[index];
    const auto possible = normal_copy_records(conn, index, event.time_ns);
    if (possible.empty()) {
      if (!generation_known(conn)) return;
      std::vector<std::uint64_t> evidence{message.sequence, event.sequence};
      // A retained message answering a new subscription must carry RETAIN=1.
      for (const auto record_index : matching_records(message.topic)) {
        const auto& record = records[record_index];
        if (record.connection != conn.id || record.refused) continue;
        if (!message.retain) continue;
        auto candidates = retained_candidates(message.topic, record.start_sent, record.start_ack);
        if (std::find(candidates.versions.begin(), candidates.versions.end(), index) != candidates.versions.end()) {
          evidence.push_back(record.subscribe_sequence);
          violation("MQTT-3.3.1-8",
                    "the retained message on " + quoted(message.topic) + " sent to the new subscription " +
                        quoted(record.filter) + " of " + client_label(conn) + " carries RETAIN=0",
                    evidence);
          settle_duties(conn, index, publish, event, true);
          return;
        }
      }
      std::string statement = "MQTT-3.3.2-3";
      std::string why = "although none of its subscriptions matches the topic";
      if (!message.topic.empty() && message.topic.front() == '$') {
        auto undollared = message.topic;
        undollared.front() = '_';
        for (const auto& record : records) {
          if (record.client_id == conn.client_id && !record.refused && topic::matches(record.filter, undollared) &&
              record_possible(record, message.sent_time, event.time_ns)) {
            statement = "MQTT-4.7.2-1";
            why = "through the filter " + quoted(record.filter) + ", which starts with a wildcard";
            evidence.push_back(record.subscribe_sequence);
            break;
          }
        }
      }
      for (const auto record_index : matching_records(message.topic)) {
        const auto& record = records[record_index];
        if (statement == "MQTT-4.7.2-1") break;
        if (record.client_id != conn.client_id) continue;
        if (record.end_ack < message.sent_time) {
          statement = record.ended_by_unsubscribe ? "MQTT-3.10.4-2" : "MQTT-3.1.2-6";
          why = record.ended_by_unsubscribe ? "after its subscription " + quoted(record.filter) + " was removed"
                                            : "although the session that held the subscription " +
                                                  quoted(record.filter) + " had ended";
          evidence.push_back(record.end_sequence);
          break;
        }
      }
      violation(statement, "the message on " + quoted(message.topic) + " was delivered to " + client_label(conn) +
                               " " + why,
                evidence);
      return;
    }
    if (!generation_known(conn) && !conn.accepted) return;
    int granted = -1;
    std::uint64_t suback_evidence = 0;
    for (auto i : possible) {
      if (records[i].granted > granted) {
        granted = records[i].granted;
        suback_evidence = records[i].suback_sequence ? records[i].suback_sequence : records[i].subscribe_sequence;
      }
    }
    if (level_of(publish.qos) > std::min(granted, level_of(message.qos))) {
      violation("MQTT-3.8.4-6",
                "the message on " + quoted(message.topic) + " reached " + client_label(conn) + " at QoS " +
                    std::to_string(level_of(publish.qos)) + ", above the QoS " + std::to_string(granted) +
                    " granted to its subscription",
                {suback_evidence, message.sequence, event.sequence});
    }
    // Exactly once: new copies of a QoS 2 message are bounded by publications times matching subscriptions.
    auto& ledger = ledgers[{index, conn.generation}];
    if (publish.qos == QoS::exactly_once && publish.packet_id) {
      const bool redelivery = publish.dup && ledger.packet_ids.contains(*publish.packet_id);
      if (!redelivery) {
        ledger.new_qos2_copies++;
        ledger.packet_ids.insert(*publish.packet_id);
        const int allowed = message.instances * static_cast<int>(possible.size());
        exercise(message.retransmitted ? "MQTT-4.3.3-2" : "MQTT-4.3.3-1");
        if (ledger.new_qos2_copies > allowed) {
          violation(message.retransmitted ? "MQTT-4.3.3-2" : "MQTT-4.3.3-1",
                    "the QoS 2 message on " + quoted(message.topic) + " was delivered " +
                        std::to_string(ledger.new_qos2_copies) + " times to " + client_label(conn) +
                        " (exactly once per matching subscription expected)",
                    {message.sequence, ledger.first_sequence, event.sequence});
        }
      }
    }
    if (ledger.first_sequence == 0) ledger.first_sequence = event.sequence;
    check_order(conn, publish, index, event);
    settle_duties(conn, index, publish, event, false);
  }

  void check_order(Connection& conn, const Publish& publish, std::size_t index, const Event& event) {
    if (!conn.first_arrivals.insert(index).second) return;
    const auto& message = messages[index];
    if (message.is_will || message.instances > 1 || message.retransmitted) return;
    exercise("MQTT-4.6.0-6");
    auto key = std::make_tuple(conn.id, message.publisher_connection, message.topic, level_of(message.qos),
                               level_of(publish.qos));
    auto [mark, inserted] = order_marks.try_emplace(key);
    if (!inserted && message.sequence < mark->second.publish_sequence) {
      violation("MQTT-4.6.0-6",
                "messages published by " + quoted(message.publisher) + " on " + quoted(message.topic) +
                    " reached " + client_label(conn) + " out of publish order",
                {message.sequence, mark->second.publish_sequence, mark->second.receive_sequence, event.sequence});
      return;
    }
    mark->second = OrderMark{message.sequence, event.sequence};
  }

  void settle_duties(Connection& conn, std::size_t index, const Publish& publish, const Event& event,
                     bool retained_copy) {
    auto& ledger = ledgers[{index, conn.generation}];
    ledger.highest_qos = std::max(ledger.highest_qos, level_of(publish.qos));
    for (const auto duty_index : indexed(duties_by_message, index)) {
      auto& duty = duties[duty_index];
      if (duty.settled || duty.cancelled || duty.message != index) continue;
      if (duty.retained_copy) {
        if (retained_copy && duty.connection == conn.id) duty.settled = true;
        continue;
      }
      if (duty.client_id != conn.client_id || duty.generation != conn.generation) continue;
      if (duty.redelivery_id) {
        if (publish.packet_id == duty.redelivery_id) {
          duty.settled = true;
          exercise("MQTT-3.3.1-1");
          if (!publish.dup) {
            violation("MQTT-3.3.1-1",
                      "the server re-sent the unacknowledged message on " + quoted(messages[index].topic) +
                          " to client " + quoted(conn.client_id) + " with DUP=0",
                      {duty.evidence.front(), event.sequence});
          }
        }
        continue;
      }
      if (level_of(publish.qos) >= level_of(duty.required)) duty.settled = true;
    }
    (void)retained_copy;
  }

  // ---- closes, faults, notes -------------------------------------------------------------------------------------

  void check_keepalive_proof(Connection& conn, const Event& event) {
    if (!conn.accepted || conn.keepalive_reported || conn.connect.keep_alive == 0 || conn.faulted) return;
    const auto deadline = conn.last_client_time + conn.connect.keep_alive * 1'500'000'000LL + options.keepalive_grace_ns;
    exercise("MQTT-3.1.2-24");
    if (event.time_ns > deadline) {
      conn.keepalive_reported = true;
      violation("MQTT-3.1.2-24",
                "the server kept " + client_label(conn) + " connected after " +
                    std::to_string(conn.connect.keep_alive) + " s keep alive x 1.5 of silence",
                {conn.last_client_sequence, event.sequence});
    }
  }

  // The server closed a silent connection: beyond the tolerance it is a violation; past 1.5 x keep alive but
  // within the tolerance it is what periodic keep-alive sweeps do, shown as observed behaviour.
  void check_late_keepalive_close(Connection& conn, const Event& event) {
    if (!conn.accepted || conn.keepalive_reported || conn.connect.keep_alive == 0 || conn.faulted ||
        !conn.close_duties.empty() || conn.disconnect_sent) {
      return;
    }
    check_keepalive_proof(conn, event);
    if (conn.keepalive_reported) return;
    const auto limit = conn.last_client_time + conn.connect.keep_alive * 1'500'000'000LL;
    const auto late = event.time_ns - limit;
    if (late > options.prompt_close_ns) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(late) / 1e9);
      observe_behaviour("late-keepalive-close",
                        "closed the silent connection of " + client_label(conn) + " " + seconds + " s after " +
                            std::to_string(conn.connect.keep_alive) +
                            " s keep alive x 1.5 (within the checker's tolerance)",
                        {conn.last_client_sequence, event.sequence});
    }
  }

  void check_close_duty_proof(Connection& conn, const Event& event) {
    for (auto& duty : conn.close_duties) {
      if (duty.settled || conn.faulted) continue;
      if (event.time_ns > duty.since + options.close_grace_ns) {
        auto evidence = duty.finding.evidence;
        evidence.push_back(event.sequence);
        violation(duty.finding.statement, duty.finding.message, evidence, duty.finding.level);
        duty.settled = true;
      }
    }
  }

  std::string request_statement(const Request& request) const {
    if (request.answer == PacketType::unsuback && request.removes_nothing) return "MQTT-3.10.4-5";
    switch (request.answer) {
      // The QoS flow's own receiver rule is more telling than the general "answer by QoS" [MQTT-3.3.4-1].
      case PacketType::puback: return "MQTT-4.3.2-2";
      case PacketType::pubrec: return "MQTT-4.3.3-2";
      case PacketType::pubcomp: return "MQTT-4.3.3-2";
      case PacketType::suback: return "MQTT-3.8.4-1";
      case PacketType::unsuback: return "MQTT-3.10.4-4";
      case PacketType::pingresp: return "MQTT-3.12.4-1";
      default: return "MQTT-4.8.0-1";
    }
  }

  std::string request_description(const Request& request) const {
    auto text = type_name(request.answer);
    if (request.answer != PacketType::pingresp) text += " for packet id " + std::to_string(request.packet_id);
    return text;
  }

  bool requests_owed(const Connection& conn) const {
    return conn.accepted && !conn.client_violation && !conn.refused && !conn.faulted && !conn.taken_over;
  }

  void on_closed(const Event& event) {
    auto& conn = connection(event);
    if (conn.closed) return;
    conn.closed = true;
    conn.closed_time = event.time_ns;
    conn.closed_sequence = event.sequence;
    conn.close_reason = event.close_reason.value_or(CloseReason::clean_eof);
    const bool by_server = server_closed(conn.close_reason);
    if (by_server) check_late_keepalive_close(conn, event);
    for (auto& duty : conn.close_duties) {
      if (duty.settled) continue;
      if (by_server) {
        if (duty.required_connack && !duty.connack_done) {
          auto evidence = duty.finding.evidence;
          evidence.push_back(event.sequence);
          violation(duty.finding.statement, duty.finding.message, evidence);
        }
        duty.settled = true;
      }
    }
    // The client ended the connection (closed it, or sent DISCONNECT and the server closed as it must): what the
    // server still owed by then, past its grace, was never sent.
    if (!by_server || conn.disconnect_sent) {
      if (!by_server) {
        check_close_duty_proof(conn, event);
        check_keepalive_proof(conn, event);
      }
      const auto ended_at = conn.disconnect_sent ? std::min(conn.disconnect_time, event.time_ns) : event.time_ns;
      const auto ended_by = conn.disconnect_sent ? conn.disconnect_sequence : event.sequence;
      if (requests_owed(conn)) {
        for (const auto& request : conn.requests) {
          if (request.sequence < ended_by && ended_at > request.time + options.close_grace_ns) {
            violation(request_statement(request),
                      "the server never sent " + request_description(request) + " to " + client_label(conn),
                      {request.sequence, ended_by});
          }
        }
      }
      judge_duties_at_client_close(conn, event);
    }
    conn.requests.clear();
    // The will: published unless the client sent DISCONNECT first [MQTT-3.1.2-8, MQTT-3.1.2-10].
    if (conn.accepted && conn.will_message != no_message) {
      auto& will = messages[conn.will_message];
      if (!conn.disconnect_sent) {
        will.sent_time = std::min(will.sent_time, event.time_ns);
        will.will_due = true;
        exercise("MQTT-3.1.2-8");
        exercise(will.retain ? "MQTT-3.1.2-17" : "MQTT-3.1.2-16");
        if (will.retain) retained_versions[will.topic].push_back(conn.will_message);
        if (!conn.taken_over) {
          const auto detection = conn.faulted ? (conn.connect.keep_alive == 0
                                                     ? never
                                                     : conn.connect.keep_alive * 1'500'000'000LL +
                                                           options.keepalive_grace_ns)
                                              : 0;
          if (detection != never) {
            const auto before = duties.size();
            will.sent_time = event.time_ns;
            create_delivery_duties(conn.will_message, add_time(event.time_ns, detection), {event.sequence});
            for (auto i = before; i < duties.size(); ++i) {
              if (duties[i].statement == "MQTT-4.5.0-1") duties[i].statement = "MQTT-3.1.2-8";
            }
          }
        }
      }
    }
    // Session bookkeeping.
    auto session_it = sessions.find(conn.client_id);
    if (conn.accepted && session_it != sessions.end() && session_it->second.connection == conn.id) {
      auto& session = session_it->second;
      session.connection = 0;
      if (session.persistent) {
        remember_redeliveries(conn, session);
      } else {
        end_generation(conn.client_id, event.time_ns, event.sequence);
      }
    }
  }

  void on_fault(const Event& event) {
    if (event.connection == 0) {
      for (auto& [id, conn] : connections) {
        if (!conn.closed) conn.faulted = true;
      }
    } else {
      connection(event).faulted = true;
    }
    observe_behaviour("fault-" + event.fault, event.detail, {event.sequence});
  }

  void on_note(const Event& event) {
    if (event.detail != "expect-auth-failure") return;
    exercise("MQTT-3.2.2-5");
    if (event.connection != 0) {
      auto& conn = connection(event);
      conn.auth_failure_expected = true;
      conn.auth_note_sequence = event.sequence;
    } else {
      auth_failure_actors.insert(event.actor);
    }
  }

  void on_decode_error(const Event& event) {
    auto& conn = connection(event);
    const auto statement = event.error && !event.error->statement.empty() ? event.error->statement
                                                                            : std::string("MQTT-4.8.0-1");
    violation(statement,
              "the server sent " + client_label(conn) + " bytes that do not decode" +
                  (event.error ? ": " + describe(*event.error) : std::string()),
              {event.sequence});
  }

  void observe(const Event& event) {
    now = std::max(now, event.time_ns);
    switch (event.kind) {
      case EventKind::open: {
        auto& conn = connection(event);
        conn.opened_seen = true;
        conn.last_client_time = event.time_ns;
        conn.last_client_sequence = event.sequence;
        break;
      }
      case EventKind::open_failed: break;
      case EventKind::sent: on_sent(event); break;
      case EventKind::received: on_received(event); break;
      case EventKind::closed: on_closed(event); break;
      case EventKind::decode_error: on_decode_error(event); break;
      case EventKind::fault: on_fault(event); break;
      case EventKind::note: on_note(event); break;
    }
  }

  // ---- what is owed ----------------------------------------------------------------------------------------------

  // The open connection a pending delivery duty is owed on (the session's current one, or the subscribing
  // connection for a retained copy), or nullptr when there is none.
  const Connection* open_connection_owed(const DeliveryDuty& duty) const {
    std::uint32_t target = duty.connection;
    if (!duty.retained_copy) {
      auto session = sessions.find(duty.client_id);
      if (session == sessions.end() || session->second.connection == 0) return nullptr;
      target = session->second.connection;
    }
    auto conn = connections.find(target);
    if (conn == connections.end() || conn->second.closed) return nullptr;
    return &conn->second;
  }

  std::vector<Expectation> outstanding() const {
    std::vector<Expectation> result;
    for (const auto& [id, conn] : connections) {
      if (conn.closed) continue;
      for (const auto& duty : conn.close_duties) {
        if (!duty.settled) result.push_back({duty.finding.statement, "close the connection of " + client_label(conn), id});
      }
      if (requests_owed(conn)) {
        for (const auto& request : conn.requests) {
          result.push_back({request_statement(request), request_description(request) + " to " + client_label(conn), id});
        }
      }
      for (const auto& [packet_id, flight] : conn.server_flights) {
        if (flight.qos == QoS::exactly_once && flight.client_answered && !flight.released) {
          result.push_back({"MQTT-4.3.3-1", "PUBREL for packet id " + std::to_string(packet_id) + " to " + client_label(conn), id});
        }
      }
    }
    for (const auto& duty : duties) {
      if (duty.settled || duty.cancelled || duty.due == never) continue;
      if (const Connection* conn = open_connection_owed(duty)) {
        result.push_back({duty.statement, "deliver the " + duty.description, conn->id});
      }
    }
    return result;
  }

  // ---- end of history --------------------------------------------------------------------------------------------

  void unmet(const std::string& statement, const std::string& message, std::vector<std::uint64_t> evidence,
             std::int64_t deadline, std::int64_t end_time, bool excused, const std::string& excuse) {
    if (end_time >= deadline && !excused) {
      violation(statement, message, std::move(evidence));
    } else {
      observe_behaviour(excused ? excuse : "history-ended-before-deadline",
                        message + " (not judged: " + (excused ? excuse : "the history ended before the deadline") + ")",
                        std::move(evidence));
    }
  }

  void finish(std::int64_t end_time) {
    for (auto& [id, conn] : connections) {
      if (conn.closed) {
        for (auto& duty : conn.close_duties) {
          if (!duty.settled) {
            observe_behaviour("client-closed-first", duty.finding.message + " (the client closed first)",
                              duty.finding.evidence);
          }
        }
        continue;
      }
      for (auto& duty : conn.close_duties) {
        if (duty.settled) continue;
        unmet(duty.finding.statement, duty.finding.message, duty.finding.evidence,
              duty.since + options.close_grace_ns, end_time, conn.faulted, "fault-excused");
      }
      if (requests_owed(conn)) {
        for (const auto& request : conn.requests) {
          unmet(request_statement(request),
                "the server never sent " + request_description(request) + " to " + client_label(conn),
                {request.sequence}, request.time + options.close_grace_ns, end_time, false, "");
        }
      }
      for (const auto& [packet_id, flight] : conn.server_flights) {
        if (flight.qos == QoS::exactly_once && flight.client_answered && !flight.released && requests_owed(conn)) {
          unmet("MQTT-4.3.3-1",
                "the server never sent PUBREL for packet id " + std::to_string(packet_id) + " to " + client_label(conn),
                {flight.sequence, flight.answer_sequence}, flight.answer_time + options.close_grace_ns, end_time, false,
                "");
        }
      }
      if (conn.accepted && conn.connect.keep_alive > 0 && !conn.keepalive_reported && !conn.faulted) {
        const auto deadline =
            conn.last_client_time + conn.connect.keep_alive * 1'500'000'000LL + options.keepalive_grace_ns;
        if (end_time > deadline) {
          conn.keepalive_reported = true;
          violation("MQTT-3.1.2-24",
                    "the server kept " + client_label(conn) + " connected after " +
                        std::to_string(conn.connect.keep_alive) + " s keep alive x 1.5 of silence",
                    {conn.last_client_sequence});
        }
      }
    }
    for (auto& duty : duties) {
      if (duty.settled || duty.cancelled || duty.due == never) continue;
      const Connection* owed = open_connection_owed(duty);
      if (owed == nullptr) continue;
      const auto& conn = *owed;
      const bool flow_blocked = std::any_of(conn.server_flights.begin(), conn.server_flights.end(),
                                            [](const auto& entry) { return !entry.second.client_answered; });
      const auto unmet_copy = unmet_delivery(duty);
      auto evidence = duty.evidence;
      if (unmet_copy.copy_sequence != 0) evidence.push_back(unmet_copy.copy_sequence);
      unmet(unmet_copy.statement, unmet_copy.what, evidence, duty.due,
            end_time, conn.faulted || flow_blocked,
            conn.faulted ? "fault-excused" : "flow-control-window");
      duty.settled = true;
    }
  }
};

Checker::Checker(CheckOptions options) : state_(std::make_unique<State>(options)) {}
Checker::~Checker() = default;
Checker::Checker(Checker&&) noexcept = default;
Checker& Checker::operator=(Checker&&) noexcept = default;

void Checker::observe(const history::Event& event) { state_->observe(event); }

std::vector<Expectation> Checker::outstanding() const { return state_->outstanding(); }

std::size_t Checker::violations_so_far() const { return state_->verdicts.violations.size(); }

Verdicts Checker::finish(std::int64_t end_time_ns) {
  state_->finish(end_time_ns);
  auto verdicts = state_->verdicts;
  std::sort(verdicts.violations.begin(), verdicts.violations.end(),
            [](const Finding& a, const Finding& b) { return a.evidence < b.evidence; });
  return verdicts;
}

Verdicts check(const history::History& history, const CheckOptions& options) {
  Checker checker(options);
  std::int64_t end_time = 0;
  for (const auto& event : history.events) {
    checker.observe(event);
    end_time = std::max(end_time, event.time_ns);
  }
  return checker.finish(end_time);
}

}  // namespace mqtt::model::frozen
