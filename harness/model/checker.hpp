// The checker replays a history through the reference model of a broker and returns verdicts.
// Pure: it sees only the events it is given; time comes from the events' timestamps.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "history/event.hpp"

namespace mqtt::model {

// What the broker is declared to do or be configured with (from a target profile); defaults describe a
// stock broker with no declarations, so nothing conditional is assumed.
struct CheckOptions {
  // Keep alive [MQTT-3.1.2-24]: how long past 1.5 x keep alive a server may take to close a silent
  // connection. Keep alive is counted in whole seconds, and a broker's keep-alive timer may tick once a second
  // (a sweep on whole seconds of its clock), so a close up to 1 s late is the timer's granularity; anything
  // later is the broker choosing to look less often than its clock allows, which is exactly the lateness a
  // dead-device alarm (the will) suffers. Owners who accept a coarser sweep declare it: profile key
  // keepalive_grace_ms. How the lateness is measured: harness/model/keepalive.hpp.
  std::int64_t keepalive_grace_ns = 1'000'000'000;
  // A close later than this past 1.5 x keep alive, but within the grace, is shown as observed behaviour.
  std::int64_t prompt_close_ns = 1'000'000'000;
  std::int64_t close_grace_ns = 1'000'000'000;       // how long a server may take to close after a violation
  // Forgetting (harness/model/forgetting.hpp): a message nothing more is owed for is dropped once it has stayed
  // settled this long in history time, so memory follows the messages in flight, not the history's length. A
  // copy the broker invents for it later than that (a duplicate, a stray DUP flag) is no longer judged.
  bool forget_settled = true;
  std::int64_t forget_after_ns = 10'000'000'000;
  std::size_t forget_sweep_every = 0;  // events between sweeps; 0: half as many as the state holds
  // Keep copies of the events violations cite (Finding::evidence_events), for runs whose history is not kept
  // whole in memory. Costs a copy of each event into a short ring; verdicts are the same either way.
  bool evidence_events = false;
};

// What the checker holds right now (Checker::state_size), so tests and soak runs can show it stays bounded:
// with forgetting on, by the devices, the messages in flight and the retained topics, not the history's length.
struct StateSize {
  std::size_t messages = 0;              // publications tracked
  std::size_t message_keys = 0;          // distinct message identities indexed
  std::size_t obligations = 0;           // delivery duties kept, open requests, server flights, close duties
  std::size_t copy_ledgers = 0;          // per (message, session): copies that arrived
  std::size_t arrival_marks = 0;         // per (connection, message): first and retained arrivals
  std::size_t order_marks = 0;           // per (receiving connection, publisher, topic, QoS): last in order
  std::size_t connections = 0;           // connections kept: open, or closed and not yet forgotten
  std::size_t open_connections = 0;
  std::size_t sessions = 0;              // one per client id
  std::size_t subscription_records = 0;
  std::size_t retained_topics = 0;
  std::size_t retained_versions = 0;     // retained publishes kept over all topics (superseded ones go)
  std::size_t forgotten_connection_intervals = 0;  // runs of forgotten connection ids kept to ignore late events
  std::size_t evidence_events = 0;       // event copies kept for evidence (CheckOptions::evidence_events)
  // Messages that owe nothing and wait out the forgetting window, and the entries they hold: the message, each
  // duty and copy ledger, and each separate heap block of a duty's text or a ledger's packet ids. What a settled
  // message costs in the window (issue 16): `settled_message_entries / settled_messages`.
  std::size_t settled_messages = 0;
  std::size_t settled_message_entries = 0;
};

// How much of StateSize to count: the settled messages' entries take a walk over every message and its duties
// and ledgers (about 5 % of a live QoS 1 fan-in's CPU when a fleet run sampled it every second); `totals` leaves
// settled_messages and settled_message_entries at 0 and counts the rest, which costs a walk over the connections.
enum class StateDetail { full, totals };

struct Finding {
  std::string statement;                // "MQTT-3.3.1-6"
  std::string level;                    // "MUST" or "SHOULD"
  std::string message;                  // one sentence, in terms of this history (client ids, topics, ids)
  std::vector<std::uint64_t> evidence;  // event sequence numbers: the smallest slice that proves it
  // The catalog `statement` belongs to: "3.1.1" (3.1 and 3.1.1 connections) or "5.0" (protocol level 5).
  std::string spec = "3.1.1";
  // With CheckOptions::evidence_events: copies of the cited events the checker still held (and the CONNECTs of
  // their connections), bounded (harness/model/evidence_store.hpp); empty otherwise.
  std::vector<history::Event> evidence_events;
};

struct Observation {
  std::string behaviour;                // short key, e.g. "queues-qos0-while-offline"
  std::string detail;
  std::vector<std::uint64_t> evidence;
};

// Something the broker still owes at this point of the history (a delivery, an acknowledgement, a close,
// a will). The runner waits until nothing is outstanding or a deadline passes, so cases need not hard-code
// what a broker answers.
struct Expectation {
  std::string statement;
  std::string description;
  std::uint32_t connection = 0;
  std::string spec = "3.1.1";  // the catalog `statement` belongs to ("5.0" on a protocol level 5 connection)
};

// An obligation the history could not settle either way: the broker neither met it nor provably broke it
// (it refused the session, closed the connection or fell silent while an answer was owed, or the history ended
// before the deadline). A case with one is inconclusive, never passed.
enum class UnresolvedKind : std::uint8_t {
  refused_connect,  // CONNACK with a non-zero return code that nothing in the history asked for
  no_connack,       // CONNECT never answered: silence, a close, or a CONNACK cut short
  server_closed,    // the server closed the connection while it still owed an answer or a delivery
  history_ended,    // the history ended before the obligation's deadline
};

struct Unresolved {
  UnresolvedKind kind = UnresolvedKind::history_ended;
  std::string statement;                // the statement whose obligation stayed open ("" when none in particular)
  std::string reason;                   // one sentence, in terms of this history
  std::vector<std::uint64_t> evidence;  // event sequence numbers
  std::uint8_t return_code = 0;         // refused_connect: the CONNACK return code
  std::string spec = "3.1.1";           // the catalog `statement` belongs to
};

struct Verdicts {
  std::vector<Finding> violations;
  std::vector<Observation> observed;
  std::vector<Unresolved> unresolved;
  std::set<std::string> exercised;  // statement ids the history gave the broker a chance to break
  // The same ids by catalog ("3.1.1", "5.0"): the same id means different rules in the two, so a history that
  // mixes 3.1.1 and 5.0 connections (a capture) is read through this.
  std::map<std::string, std::set<std::string>> exercised_by_spec;
};

class Checker {
 public:
  explicit Checker(CheckOptions options = {});
  ~Checker();
  Checker(Checker&&) noexcept;
  Checker& operator=(Checker&&) noexcept;

  void observe(const history::Event& event);                // events in sequence order
  std::vector<Expectation> outstanding() const;             // what is still owed right now
  // Violations found so far, MUST and SHOULD (a live count for progress displays; finish() may add those
  // that only the end of the history proves, such as deliveries still owed).
  std::size_t violations_so_far() const;
  StateSize state_size(StateDetail detail = StateDetail::full) const;  // what is tracked now (forgetting.hpp)
  Verdicts finish(std::int64_t end_time_ns);                // end of history: unmet MUSTs become violations

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Verdicts check(const history::History& history, const CheckOptions& options = {});

}  // namespace mqtt::model
