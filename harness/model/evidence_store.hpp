// Copies of the events a violation may cite, so that results can show the slice that proves a violation
// without the whole history (CheckOptions::evidence_events; a run that streams its history to disk relies on
// it): the most recent events, and the packets that open what a verdict cites much later (CONNECT, SUBSCRIBE,
// SUBACK, UNSUBSCRIBE, UNSUBACK, and a client's PUBLISH while the model still tracks its message). A slice holds
// the cited events it can find plus the CONNECT of each connection among them, as runner/case_judgement's
// EvidenceSlicer cuts from a whole history, at most `per_violation` events; once `overall` events have been
// handed out, later violations keep their sequence numbers only.
// Bound: the 64 most recent events, a CONNECT per connection the model tracks, the SUBSCRIBE, SUBACK, UNSUBSCRIBE
// and UNSUBACK packets, and a PUBLISH per message the model tracks (a message in flight or settled less than the
// forgetting window ago): it follows the state the model holds, not the length of the run. A client's PUBLISH is
// kept in a compact form (PublicationCopy, about a third of an Event) and rebuilt as it was when a slice cites it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "history/event.hpp"
#include "model/publication_copies.hpp"

namespace mqtt::model::detail {

class EvidenceStore {
 public:
  static constexpr std::size_t recent_events = 64;
  static constexpr std::size_t per_violation = 16;
  static constexpr std::size_t overall = 4096;

  void note(const history::Event& event);  // every event, in sequence order
  // Publications whose message the model forgot can no longer be cited. At each sweep the model hands over the
  // sequences, ascending, of the messages it tracks among those sent since the previous sweep (from
  // `oldest_new_publication` on): the publications that made no tracked message go; each one that did goes when its
  // message is forgotten (`forget_publication`). The same anchors remain as if every tracked message were checked
  // at every sweep, without hashing every message in the window each time.
  std::uint64_t oldest_new_publication() const;
  void keep_new_publications(const std::vector<std::uint64_t>& tracked_sequences);
  void forget_publication(std::uint64_t sequence);
  // A connection the model forgot (forgetting.hpp): its CONNECT is no longer kept for it.
  void forget_connection(std::uint32_t connection);
  std::vector<history::Event> slice(const std::vector<std::uint64_t>& evidence);
  std::size_t size() const { return recent_count_ + anchors_.size() + publication_copies_.size(); }

 private:
  // A client's PUBLISH is kept compact when it has none of the Event fields such a packet never carries: at
  // 10,000 msg/s the store holds one per message in the forgetting window.
  static bool compactable(const history::Event& event);

  std::optional<history::Event> find(std::uint64_t sequence) const;
  static history::Event rebuilt(std::uint64_t sequence, const PublicationCopy& copy);
  // Drops a publication's compact copy; a ring slot that referred to it gets the event back first.
  bool drop_publication_copy(std::uint64_t sequence);

  // The most recent events, a ring: each note copies into the slot of the oldest, whose strings, bytes and decoded
  // packet keep their heap blocks, so noting an event allocates nothing once the ring is full of its kind (a
  // deque allocated and freed every event's copies: about 7 % of a live QoS 1 fan-in's CPU).
  std::vector<history::Event> recent_ = std::vector<history::Event>(recent_events);
  std::size_t recent_next_ = 0;   // the slot the next event goes into (the oldest once the ring is full)
  std::size_t recent_count_ = 0;  // slots in use, up to recent_events
  // A client's PUBLISH kept in publication_copies_ is not copied into the ring as well: its slot refers to the copy
  // by sequence (its own event is stale and never read), and gets the event back when the copy is dropped. Only
  // when the copy rebuilds the event exactly (no looked_ns): the slice is then the same. Half of a QoS 0 fan-in's
  // events are such PUBLISHes, and copying each twice was most of what noting them cost (issue 16).
  std::array<std::optional<std::uint64_t>, recent_events> by_reference_{};
  std::uint64_t reference_floor_ = std::numeric_limits<std::uint64_t>::max();  // no referring slot has less
  std::map<std::uint64_t, history::Event> anchors_;
  PublicationCopies publication_copies_;  // compact anchors for a client's PUBLISH
  std::unordered_map<std::uint32_t, std::uint64_t> connect_of_;  // connection -> its CONNECT's sequence
  std::vector<std::uint64_t> publications_;  // a client's PUBLISH noted since the last keep_new_publications
  std::size_t handed_out_ = 0;
};

}  // namespace mqtt::model::detail
