// The reference model's state, shared by the rule units (connection_lifecycle, policing, requests,
// publications, subscriptions, copy_attribution, delivery, delivery_duties, retained, will, keepalive,
// ordering): what the history has shown of connections, sessions, subscriptions, messages and what the broker
// owes, the indexes over them, and the verdicts found so far. Each rule unit is a set of free functions
// taking this state by reference; checker.cpp dispatches events to them.
#pragma once

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "history/event.hpp"
#include "model/arrival_set.hpp"
#include "model/checker.hpp"
#include "model/copy_ledger.hpp"
#include "model/evidence_store.hpp"
#include "model/id_index.hpp"
#include "model/id_intervals.hpp"
#include "model/indexed_store.hpp"
#include "model/message_identity.hpp"
#include "model/statement_citation.hpp"
#include "model/statement_memo.hpp"
#include "model/topic_table.hpp"
#include "model/v5_connection_state.hpp"

namespace mqtt::model::detail {

using history::CloseReason;
using history::Event;
using history::EventKind;

constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t no_message = std::numeric_limits<std::size_t>::max();

inline int level_of(QoS qos) { return static_cast<int>(qos); }

// Packet variant alternatives are declared in PacketType order, starting at CONNECT = 1.
inline PacketType type_of(const Packet& packet) { return static_cast<PacketType>(packet.index() + 1); }

std::string type_name(PacketType type);

std::string quoted(std::string_view text);  // the text in single quotes

inline bool server_closed(CloseReason reason) {
  return reason == CloseReason::clean_eof || reason == CloseReason::reset;
}

inline std::int64_t add_time(std::int64_t base, std::int64_t delta) {
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
  // SUBSCRIBE: index of a filter the server must refuse or close on
  std::optional<std::size_t> invalid_filter;
  bool removes_nothing = false;  // UNSUBSCRIBE that matches no subscription [MQTT-3.10.4-5]
  ProtocolVersion version = ProtocolVersion::v3_1_1;  // of the connection (PUBCOMP's statement differs in 5.0)
  // 5.0: sent while the server's send quota towards the client was zero (v5_flow_quota.cpp) [MQTT-3.3.4-10]
  bool at_zero_send_quota = false;
};

inline Request simple_request(PacketType answer, std::uint16_t packet_id, const Event& event) {
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
  bool retain = false;           // the RETAIN flag it carried (a re-send repeats it)
  bool client_answered = false;  // client sent PUBACK (QoS 1) or PUBREC (QoS 2)
  std::uint64_t answer_sequence = 0;
  std::int64_t answer_time = 0;
  bool released = false;  // server sent PUBREL
};

// The server must close this connection (and must not answer the offending packet as if it were fine).
struct CloseDuty {
  Finding finding;
  std::int64_t since = 0;
  std::optional<PacketType> answer;  // receiving this answer proves the server accepted the packet
  std::optional<std::uint16_t> answer_id;
  std::optional<std::uint8_t> required_connack;  // the server must first answer CONNACK with this code
  bool connack_done = false;
  bool settled = false;
  // Statements the server's close (or its failure to close) judges besides the finding's own: the server's general
  // duty (MQTT-4.8.0-1, MQTT-3.1.4-1) and the client rules the offending packet broke (client_rules.hpp).
  std::vector<std::string> judged_with;
};

struct Connection {
  std::uint32_t id = 0;
  std::string actor;
  bool opened_seen = false;
  bool connect_seen = false;
  Connect connect;
  std::uint64_t connect_sequence = 0;
  std::int64_t connect_time = 0;
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
  // Keep alive (keepalive.cpp): the client's last packet, and the latest moment the server can have read it
  // (its answer's arrival when one came, else the time it was sent): the silence the server must time.
  std::int64_t last_client_time = 0;
  std::uint64_t last_client_sequence = 0;
  std::int64_t heard_by = 0;
  std::optional<std::pair<PacketType, std::uint16_t>> awaited_answer;  // the answer that would move heard_by
  bool keepalive_reported = false;
  std::vector<Request> requests;
  std::map<std::uint16_t, ServerFlight> server_flights;
  std::vector<std::size_t> unconfirmed_qos0;  // QoS 0 publishes not yet proven processed
  std::vector<CloseDuty> close_duties;
  bool auth_failure_expected = false;
  bool refusal_unresolved = false;  // a refusal already reported as unresolved (by policing)
  std::uint64_t auth_note_sequence = 0;
  std::string client_id;  // session key (a generated one for an accepted empty client id)
  std::uint64_t generation = 0;
  bool faulted = false;
  // Open when the broker itself was restarted (the `broker-restart` fault of connection 0): the broker ended it,
  // and a broker that stops need not publish the wills of the connections it ends (will.cpp). The fault's event,
  // so that a restart the runner then skipped can take the mark back.
  std::uint64_t cut_by_restart = 0;
  bool taken_over = false;
  bool client_violation = false;  // the client broke the protocol: the server may close at any time
  std::size_t will_message = no_message;
  bool will_published = false;  // its will became due at close (kept after the will message is forgotten)
  ArrivalSet first_arrivals;  // messages already seen on this connection (ordering uses the first)
  // Retained copies (RETAIN=1) received on this connection: message -> when it last arrived. A broker may
  // send the retained message for a new subscription before its SUBACK [3.1.1 section 3.8.4], so the duty
  // created at the SUBACK may already be met.
  std::map<std::size_t, std::int64_t> retained_arrivals;
  std::map<std::size_t, int> retained_copies;  // message -> copies received with RETAIN=1
  bool arrivals_forgotten = false;  // closed, and its arrival and ordering marks dropped (forgetting.hpp)
  bool publisher_marks_forgotten = false;  // closed, its messages gone, and the ordering marks they left dropped
  // The keep alive the server must time: the CONNECT's, or the Server Keep Alive of a 5.0 CONNACK.
  std::uint16_t keep_alive = 0;
  V5Connection v5;
  std::uint64_t websocket_split_sequence = 0;  // websocket.cpp: a split packet the server has not read past yet
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
  // 5.0 subscription options and identifier (v5_subscription_options.cpp); a shared subscription
  // '$share/group/filter' keeps its filter in `filter` (what it matches) and its group in `share_group`.
  bool no_local = false;
  bool retain_as_published = false;
  std::uint8_t retain_handling = 0;
  std::optional<std::uint32_t> identifier;
  std::string share_group;
  // Made on a 3.1.1 connection with clean session 1: its session ends with the connection and no later CONNACK
  // can bring it back, which is what lets forgetting.hpp drop the record.
  bool of_clean_session = false;
};

struct Message {
  MessageIdentity identity;  // its key moves into messages_by_key; `indexed_key` points at it there
  const std::string* indexed_key = nullptr;
  std::string topic;
  std::uint32_t topic_id = no_topic;  // in ModelState::topics, given by add_message when not set before
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
  bool will_not_owed = false;  // the will of a connection a broker restart ended: allowed, not owed (will.cpp)
  bool will_copy_observed = false;  // ... and a copy of it has been shown as observed behaviour
  bool from_refused_connection = false;
  bool retransmitted = false;
  int instances = 1;
  bool reached_new_subscription = false;  // a copy with RETAIN=1 answered a new subscription: it was retained
  // A 5.0 publication: its Message Expiry Interval (seconds) and the properties the server must pass on
  // unchanged (v5_message_properties.cpp).
  std::optional<std::uint32_t> expiry;
  Properties forwarded_properties;
  // Bytes of the PUBLISH (or will) as the publisher gave it: what bounds the size of a forwarded copy, which a
  // 5.0 server must discard rather than send above a client's Maximum Packet Size [MQTT-3.1.2-25].
  std::size_t published_size = 0;
  // Forgetting (forgetting.hpp): since when (history time) nothing more has been owed for it, never while
  // something still is.
  std::int64_t settled_since = never;
  // The sweep (ModelState::sweeps) that last found confirming this unconfirmed QoS 0 publication would owe nothing,
  // and whether that was found once while history time only moved forward: it then stays so (forgetting.cpp), and
  // later sweeps need not match its topic, find its subscribers' sessions and ledgers again.
  std::uint64_t confirmation_free_in_sweep = 0;
  bool confirmation_owes_nothing = false;
};

enum class Existence : std::uint8_t { unknown, absent, present };

struct Session {
  Existence existence = Existence::unknown;
  std::uint64_t existence_sequence = 0;
  std::uint64_t generation = 0;
  bool generation_alive = false;
  bool persistent = false;
  bool subscriptions_known = false;
  std::uint32_t connection = 0;    // 0 while offline
  std::int64_t offline_since = 0;  // when its last connection closed, as the client saw it
  // The earliest the server can have ended that connection (v5_session_expiry.hpp): the close's earliest time
  // (history::earliest_time: the harness may have noticed it late), or the DISCONNECT's sending.
  std::int64_t offline_earliest = 0;
  // A message queued for it while it was offline did arrive (as a new copy, not a re-send) when it came back:
  // its offline queue works, so a queued message that never arrives was never added to it [MQTT-4.5.0-1]
  // rather than lost from it.
  bool offline_queue_shown = false;
  std::vector<std::pair<std::uint16_t, ServerFlight>> owed_redeliveries;  // from the last connection
  // 5.0: QoS 2 deliveries whose PUBREL the server sent and whose PUBCOMP has not arrived, packet id -> message;
  // their PUBLISH is never sent again, on this connection or a later one [MQTT-4.3.3-6] (v5_qos2_release.cpp).
  std::map<std::uint16_t, std::size_t> released_qos2;
  // The protocol version of its last connection, and for 5.0 the Session Expiry Interval in force when that
  // connection closed (v5_session_expiry.cpp).
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  std::uint32_t expiry = 0;
  std::uint64_t offline_sequence = 0;
  // What unmet_queued_delivery (delivery_duties.cpp) needs of the queued messages forgotten meanwhile: for the
  // generation named, per required QoS, the latest `processed_by` of a message queued while the session was
  // offline (MQTT-3.1.2-5 duty) that then arrived as a new copy; `never_processed` when there was none.
  std::uint64_t forgotten_queue_generation = 0;
  std::int64_t forgotten_queued_processed[3] = {never_processed, never_processed, never_processed};
  static constexpr std::int64_t never_processed = std::numeric_limits<std::int64_t>::min();
  // What the will rules (will.cpp) still need of this client id's connections the checker has forgotten
  // (forgetting.hpp): the lowest id among them that had a will, and among those whose will was published or
  // whose client sent DISCONNECT; 0 for none.
  std::uint32_t forgotten_with_will = 0;
  std::uint32_t forgotten_will_gone = 0;
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
  bool redelivery_retain = false;  // the RETAIN flag of the unacknowledged PUBLISH owed again
  std::int64_t due = never;        // never while the session is offline
  std::vector<std::uint64_t> evidence;
  std::string statement;
  // What the duty owes, in the words of a verdict. A duty to a subscriber (described_by_message) keeps only what
  // later rules append here: the sentence naming the message, client and QoS is built from the duty when a
  // verdict needs it (duty_description, delivery_duties.hpp), since most duties are settled without one and
  // building it per subscriber was most of what creating a fan-in's duties cost (issue 16).
  std::string description;
  bool described_by_message = false;
  bool settled = false;
  bool cancelled = false;
  bool overlapping = false;   // several of the session's subscriptions matched the message
  bool resubscribed = false;  // the granting subscription replaced an identical filter with another QoS
  bool settled_by_new_copy = false;  // settled by a copy with DUP=0
  // Statements the duty's outcome judges besides its own: the session state it relies on (MQTT-4.1.0-1, keyed on
  // the client id across connections: MQTT-3.1.3-2), the wildcards and byte-exact matching that made it owed.
  std::vector<std::string> judged_with;
  // The same, for the few statements every duty to a subscriber judges (a bit per entry of
  // delivery_judged_statements, delivery_duties.cpp): no string is built or compared per duty.
  std::uint8_t judged_common = 0;
};

// A 5.0 will waiting for its Will Delay Interval (v5_will.cpp): published once the delay (or the session, if
// shorter) has run out, never if the client id connects again first [MQTT-3.1.2-8, MQTT-3.1.3-9].
struct DelayedWill {
  std::size_t message = no_message;
  std::uint32_t connection = 0;
  std::int64_t closed_time = 0;           // the close as the client noticed it: the latest the server closed
  std::int64_t closed_earliest = 0;       // the earliest the server can have closed (v5_will.hpp)
  std::uint64_t closed_sequence = 0;
  std::int64_t delay_ns = 0;              // the lower of the will delay and the session expiry
  std::uint64_t early_sequence = 0;       // a copy that arrived before the delay had run out
  std::int64_t early_time = 0;            // ... and when
  std::uint64_t reconnect_sequence = 0;   // CONNACK of a reconnect the server read before the delay ran out
  bool judged = false;
};

// The first copy of a message the server sent to a member of a share group (v5_shared.cpp): at QoS 2 the
// message stays that member's; at QoS 0 or 1 it may move to another member once the member's connection is lost.
struct SharedDelivery {
  std::uint32_t connection = 0;
  std::string client_id;
  std::uint64_t generation = 0;
  std::uint64_t sequence = 0;
  QoS qos = QoS::at_most_once;
};

// A QoS 1/2 PUBLISH the client answered with a reason code of 0x80 or above (v5_rejections.cpp).
struct RejectedDelivery {
  std::size_t message = no_message;
  std::uint32_t connection = 0;
  std::string client_id;
  std::uint64_t generation = 0;
  std::uint16_t packet_id = 0;
  std::uint64_t sequence = 0;
  std::int64_t time = 0;
  std::string share_group;  // the share group it came through, if any
};

// A topic (by its id) -> the wildcard records (positions below `checked` in wildcard_records) whose filter matches it.
// Records are only ever appended and filters never change, so the cache only grows: each (wildcard filter,
// topic) pair is matched once.
struct WildcardMatches {
  std::size_t checked = 0;
  std::vector<std::size_t> records;
};

inline std::string client_label(const Connection& conn) {
  if (!conn.connect_seen) return "connection " + std::to_string(conn.id);
  if (conn.connect.client_id.empty()) return "client '' (connection " + std::to_string(conn.id) + ")";
  return "client " + quoted(conn.connect.client_id);
}

inline bool record_possible(const SubscriptionRecord& record, std::int64_t from, std::int64_t to) {
  return !record.refused && record.start_sent <= to && record.end_ack >= from;
}

inline bool record_definite(const SubscriptionRecord& record, std::int64_t from, std::int64_t to) {
  return !record.refused && record.start_ack < from && record.end_sent > to;
}

// The index list stored under `key`, or an empty one.
template <typename Key, typename Map>
const std::vector<std::size_t>& indexed(const Map& map, const Key& key) {
  static const std::vector<std::size_t> none;
  auto it = map.find(key);
  return it == map.end() ? none : it->second;
}

// The union of two ascending index lists, ascending and without repeats.
std::vector<std::size_t> merged(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b);

struct ModelState {
  CheckOptions options;
  Verdicts verdicts;
  std::map<std::uint32_t, Connection> connections;
  mutable IdIndex<Connection> connection_index;  // points into `connections` (id_index.hpp); lookups fill it
  // Closed connections the checker has forgotten (forgetting.hpp); later events on them are not judged.
  IdIntervals forgotten_connections;
  // By client id. Unordered: nothing walks it in an order a verdict depends on (forgetting.cpp only gathers sets),
  // and a tree of a thousand client ids compared byte by byte was found for every duty made (issue 16).
  std::unordered_map<std::string, Session> sessions;
  // Subscription records, erased once ended long enough that nothing can be judged by them (forgetting.hpp).
  IndexedStore<SubscriptionRecord> records;
  std::vector<std::size_t> records_to_forget;  // ended clean-session records waiting to go (forgetting.hpp)
  // Messages and duties are erased once settled (forgetting.hpp).
  IndexedStore<Message, std::unordered_map<std::size_t, Message>> messages;
  // Message key -> messages with that key; nearly every key names one message, kept inline.
  std::unordered_map<std::string, boost::container::small_vector<std::size_t, 1>> messages_by_key;
  // Keys of every will registered, and those registered more than once (a device reconnecting with the same will).
  // A will nothing is owed for (its faulted connection's close the broker may never notice, a takeover) is
  // forgotten after the window, yet the broker may still publish it later (at the takeover by the next connection):
  // the "published again" rule [MQTT-3.1.2-10] must then still know that an identical will existed, or that late
  // copy would count against the newest one. Bounded by the distinct wills, not by the connections reusing one.
  std::unordered_set<std::string> will_keys;
  std::unordered_set<std::string> repeated_will_keys;
  std::map<std::string, std::vector<std::size_t>> retained_versions;  // topic -> retained publishes in order
  IndexedStore<DeliveryDuty> duties;
  // Indexes over the vectors above, each list in ascending index order so that walking an index visits the
  // same elements in the same order as a full scan filtering on the indexed field (verdicts depend on order).
  // exact_records: filter without wildcards -> records with that filter.
  std::unordered_map<std::string, std::vector<std::size_t>> exact_records;
  // Where exact_records keeps a topic's list (by topic id), found once per topic rather than by hashing the name for
  // every copy and duty; an entry is good while `exact_keys_changed` is what it was when the entry was taken (a key
  // added to exact_records or erased from it; the lists themselves never move).
  struct ExactMatches {
    std::uint64_t keys_changed = 0;
    const std::vector<std::size_t>* records = nullptr;
  };
  mutable std::vector<ExactMatches> exact_matches;  // by topic id
  std::uint64_t exact_keys_changed = 1;
  std::vector<std::size_t> wildcard_records;  // records whose filter has + or #
  mutable std::vector<WildcardMatches> wildcard_matches;  // by topic id
  // Every topic name met (published, a will's, or matched against the subscriptions), by id. Interning a name the
  // model was only asked about changes no verdict, hence mutable.
  mutable TopicTable topics;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> records_by_generation;  // generation != 0
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> records_by_connection;
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> messages_by_connection;  // publisher connection
  std::unordered_map<std::size_t, std::vector<std::size_t>> duties_by_message;
  std::unordered_map<std::string, std::vector<std::size_t>> duties_by_client;
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> duties_by_connection;  // retained copies
  std::map<std::pair<std::size_t, std::uint64_t>, CopyLedger> ledgers;               // (message, generation)
  // (receiving connection, publisher connection, topic id, published QoS, copy QoS) -> the last copy in order.
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, int, int>, OrderMark> order_marks;
  std::set<std::string> auth_failure_actors;
  std::uint64_t last_broker_restart = 0;  // the latest broker-restart fault's event (connection_lifecycle.cpp)
  std::map<std::string, DelayedWill> delayed_wills;  // client id -> its latest delayed will
  // (message, share group) -> the member the server began delivering it to (v5_shared.cpp)
  std::map<std::pair<std::size_t, std::string>, SharedDelivery> shared_deliveries;
  std::vector<RejectedDelivery> rejected_deliveries;  // in the order the client refused them
  // Some message published with RETAIN=1 came back with RETAIN=1: the broker does store retained messages, so
  // a retained will that no new subscription ever gets was not stored as retained [MQTT-3.1.2-17].
  bool retained_store_shown = false;
  std::uint64_t next_generation = 1;
  std::int64_t now = 0;
  std::size_t events_since_sweep = 0;  // forgetting.hpp
  std::uint64_t sweeps = 0;            // forget_settled calls so far (Message::confirmation_free_in_sweep)
  // An event came with a time before an earlier one's (a capture's clocks): forgetting.cpp stops trusting what it
  // remembered as settled for good, which holds only while time moves forward.
  bool time_went_back = false;
  EvidenceStore evidence_store;  // filled only with CheckOptions::evidence_events
  std::set<std::pair<std::string, std::vector<std::uint64_t>>> reported;

  // The protocol version of the connection being judged: the statement ids of every verdict are cited in its
  // specification (statement_citation.hpp). Set by the dispatcher for each event, and per connection or duty
  // at the end of the history.
  ProtocolVersion judged = ProtocolVersion::v3_1_1;
  // Statements exercise() has already entered, per judged version (statement_memo.hpp).
  StatementMemo statements_entered;

  explicit ModelState(CheckOptions check_options) : options(check_options) {}

  // `statement` as cited for the connection being judged ("" when its specification has no such rule).
  std::string cite(std::string_view statement) const { return cited_statement(judged, statement); }

  // ---- reporting ------------------------------------------------------------------------------------------

  void violation(std::string statement, std::string message, std::vector<std::uint64_t> evidence,
                 std::string level = "MUST");
  void observe_behaviour(std::string behaviour, std::string detail, std::vector<std::uint64_t> evidence);
  void exercise(std::string_view statement);
  // A literal's text never changes at its address: a repeat is answered by the address alone, inline. A
  // mutable array could change under the same address, hence the deleted overload.
  template <std::size_t N>
  void exercise(const char (&literal)[N]) {
    if (!statements_entered.literal_known(literal, judged)) exercise_literal_first(literal);
  }
  template <std::size_t N>
  void exercise(char (&)[N]) = delete;
  // The same for text the caller knows to be a literal (held through a pointer, as in a table of them).
  void exercise_literal(const char* literal) {
    if (!statements_entered.literal_known(literal, judged)) exercise_literal_first(literal);
  }
  void exercise_literal_first(const char* literal);  // by text, then remembered by address
  // An obligation the history cannot settle either way (see Unresolved in checker.hpp).
  void unresolved(UnresolvedKind kind, std::string statement, std::string reason,
                  std::vector<std::uint64_t> evidence, std::uint8_t return_code = 0);
  // At the end of the history: an unmet obligation is a violation once its deadline has passed and nothing
  // excuses it; an excused one is an observation saying why; one whose deadline the history did not reach is
  // unresolved.
  void unmet(const std::string& statement, const std::string& message, std::vector<std::uint64_t> evidence,
             std::int64_t deadline, std::int64_t end_time, bool excused, const std::string& excuse);

  // ---- lookups --------------------------------------------------------------------------------------------

  Connection& connection(const Event& event);
  // By id through connection_index: nullptr when the model holds none; connection_at inserts an empty one then,
  // as connections[id] does.
  Connection* find_connection(std::uint32_t id);
  const Connection* find_connection(std::uint32_t id) const;
  Connection& connection_at(std::uint32_t id);
  bool generation_known(const Connection& conn) const;

  // ---- bookkeeping and indexes ----------------------------------------------------------------------------

  std::size_t add_message(Message message);
  // The same, where the caller already found (or made) the message's entry in messages_by_key.
  using MessageKeySlot = decltype(messages_by_key)::iterator;
  std::size_t add_message(Message message, MessageKeySlot key_slot);
  void mark_processed(std::size_t index, std::int64_t time, std::uint64_t sequence);
  std::size_t add_record(SubscriptionRecord record);
  // A record created before its connection's CONNACK joins the session's generation then.
  void bind_record(std::size_t index, const std::string& client_id, std::uint64_t generation);
  void add_duty(DeliveryDuty duty);
  // Indexes of the records whose filter matches `topic_name`, ascending: what a scan of all records calling
  // topic::matches would keep. A filter without wildcards matches exactly the name equal to it.
  std::vector<std::size_t> matching_records(const std::string& topic_name) const;
  // The same records in the same order, handed to `visit` one at a time: no list is built (each delivered copy
  // asks this, and a fresh vector per call showed in a fan-in's profile, issue 16).
  template <typename Visit>
  void for_each_matching_record(const std::string& topic_name, Visit&& visit) const {
    for_each_matching_record(topic_name, no_topic, std::forward<Visit>(visit));
  }
  // The same for a message's topic, whose id spares looking the name up among the wildcard matches.
  template <typename Visit>
  void for_each_matching_record(const Message& message, Visit&& visit) const {
    for_each_matching_record(message.topic, message.topic_id, std::forward<Visit>(visit));
  }
  std::vector<std::size_t> matching_records(const Message& message) const;
  template <typename Visit>
  void for_each_matching_record(const std::string& topic_name, std::uint32_t topic_id, Visit&& visit) const {
    const auto& exact = exact_matching_records(topic_name, topic_id);
    if (wildcard_records.empty()) {
      for (const auto index : exact) visit(index);
      return;
    }
    auto next_exact = exact.begin();
    for (const auto index : matching_wildcard_records(topic_name, topic_id)) {
      while (next_exact != exact.end() && *next_exact < index) visit(*next_exact++);
      visit(index);
    }
    for (; next_exact != exact.end(); ++next_exact) visit(*next_exact);
  }
  // The records whose filter is `topic_name` itself, ascending (through exact_matches when the id is known).
  const std::vector<std::size_t>& exact_matching_records(const std::string& topic_name, std::uint32_t topic_id) const;
  // The wildcard records whose filter matches `topic_name`, ascending (cached in wildcard_matches).
  // `topic_id` is the name's id, or no_topic to look it up.
  const std::vector<std::size_t>& matching_wildcard_records(const std::string& topic_name,
                                                            std::uint32_t topic_id = no_topic) const;
};

// A few record indexes, kept inline: what one connection's session has among a topic's matching records.
using RecordList = boost::container::small_vector<std::size_t, 4>;

}  // namespace mqtt::model::detail
