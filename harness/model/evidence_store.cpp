#include "model/evidence_store.hpp"

#include <algorithm>
#include <limits>
#include <set>

namespace mqtt::model::detail {
namespace {

// Packet variant alternatives are declared in PacketType order, starting at CONNECT = 1.
PacketType packet_type(const history::Event& event) {
  return static_cast<PacketType>(event.packet->index() + 1);
}

// `slot = event`, with a client's or server's PUBLISH over a slot that held one made cheaper: its fields are
// assigned directly (no variant dispatch) and empty strings over empty strings are skipped. A QoS 0 fan-in notes
// a received PUBLISH per copy, and the generic assignment was most of what noting one cost (issue 16). Every field
// of Event is assigned: the size check below trips when a field is added, so that it is added here too.
static_assert(sizeof(history::Event) == 640, "history::Event changed: assign its new fields in copy_into");
static_assert(sizeof(Publish) == 96, "Publish changed: assign its new fields in copy_into");
void copy_into(history::Event& slot, const history::Event& event) {
  auto* to = slot.packet ? std::get_if<Publish>(&*slot.packet) : nullptr;
  const auto* from = event.packet ? std::get_if<Publish>(&*event.packet) : nullptr;
  if (to == nullptr || from == nullptr) {
    slot = event;
    return;
  }
  const auto assign_text = [](std::string& into, const std::string& text) {
    if (!(into.empty() && text.empty())) into = text;
  };
  slot.sequence = event.sequence;
  slot.time_ns = event.time_ns;
  slot.connection = event.connection;
  slot.actor = event.actor;
  slot.kind = event.kind;
  to->version = from->version;
  to->dup = from->dup;
  to->qos = from->qos;
  to->retain = from->retain;
  to->topic = from->topic;
  to->packet_id = from->packet_id;
  to->payload = from->payload;
  if (!(to->properties.empty() && from->properties.empty())) to->properties = from->properties;
  slot.raw = event.raw;
  slot.close_reason = event.close_reason;
  slot.error = event.error;
  assign_text(slot.fault, event.fault);
  assign_text(slot.detail, event.detail);
  slot.frame = event.frame;
  slot.websocket = event.websocket;
  slot.looked_ns = event.looked_ns;
}

}  // namespace

void EvidenceStore::note(const history::Event& event) {
  const auto slot = recent_next_;
  recent_next_ = (recent_next_ + 1) % recent_events;
  recent_count_ = std::min(recent_count_ + 1, recent_events);
  by_reference_[slot].reset();
  if (!event.packet) {
    copy_into(recent_[slot], event);
    return;
  }
  const auto type = packet_type(event);
  const bool sent = event.kind == history::EventKind::sent;
  const bool received = event.kind == history::EventKind::received;
  if (sent && type == PacketType::publish && compactable(event)) {
    publications_.push_back(event.sequence);
    if (publication_copies_.add(event) && !event.looked_ns) {
      by_reference_[slot] = event.sequence;
      reference_floor_ = std::min(reference_floor_, event.sequence);
    } else {
      copy_into(recent_[slot], event);
    }
    return;
  }
  copy_into(recent_[slot], event);
  if (sent && type == PacketType::connect) {
    connect_of_[event.connection] = event.sequence;
  } else if (sent && type == PacketType::publish) {
    publications_.push_back(event.sequence);
  } else if (!((sent && (type == PacketType::subscribe || type == PacketType::unsubscribe)) ||
               (received && (type == PacketType::suback || type == PacketType::unsuback)))) {
    return;
  }
  anchors_.emplace(event.sequence, event);
}

bool EvidenceStore::drop_publication_copy(std::uint64_t sequence) {
  // Sequences below the floor were never referred to by a slot still in the ring: most drops (messages forgotten
  // the window after they were sent) stop here. A scan tightens the floor to the slots that still refer.
  if (sequence >= reference_floor_) {
    if (const auto* copy = publication_copies_.find(sequence)) {
      std::uint64_t floor = std::numeric_limits<std::uint64_t>::max();
      for (std::size_t slot = 0; slot < recent_events; ++slot) {
        if (!by_reference_[slot]) continue;
        if (*by_reference_[slot] == sequence) {
          recent_[slot] = rebuilt(sequence, *copy);
          by_reference_[slot].reset();
        } else {
          floor = std::min(floor, *by_reference_[slot]);
        }
      }
      reference_floor_ = floor;
    }
  }
  return publication_copies_.erase(sequence);
}

std::uint64_t EvidenceStore::oldest_new_publication() const {
  return publications_.empty() ? std::numeric_limits<std::uint64_t>::max() : publications_.front();
}

void EvidenceStore::keep_new_publications(const std::vector<std::uint64_t>& tracked_sequences) {
  for (const auto sequence : publications_) {
    if (std::binary_search(tracked_sequences.begin(), tracked_sequences.end(), sequence)) continue;
    anchors_.erase(sequence);
    drop_publication_copy(sequence);
  }
  publications_.clear();
}

void EvidenceStore::forget_publication(std::uint64_t sequence) {
  if (drop_publication_copy(sequence)) return;
  // Only a client's PUBLISH: a will's message carries the sequence of another event (its CONNECT's or close's).
  const auto anchor = anchors_.find(sequence);
  if (anchor != anchors_.end() && anchor->second.kind == history::EventKind::sent && anchor->second.packet &&
      std::holds_alternative<Publish>(*anchor->second.packet)) {
    anchors_.erase(anchor);
  }
}

void EvidenceStore::forget_connection(std::uint32_t connection) {
  const auto connect = connect_of_.find(connection);
  if (connect == connect_of_.end()) return;
  anchors_.erase(connect->second);
  connect_of_.erase(connect);
}

bool EvidenceStore::compactable(const history::Event& event) {
  return !event.close_reason && !event.error && event.fault.empty() && event.detail.empty() && !event.frame &&
         !event.websocket;
}

std::optional<history::Event> EvidenceStore::find(std::uint64_t sequence) const {
  if (const auto anchor = anchors_.find(sequence); anchor != anchors_.end()) return anchor->second;
  if (const auto* copy = publication_copies_.find(sequence)) return rebuilt(sequence, *copy);
  // Oldest first, as the events were noted: the first with this sequence number.
  const std::size_t oldest = (recent_next_ + recent_events - recent_count_) % recent_events;
  for (std::size_t step = 0; step < recent_count_; ++step) {
    const auto slot = (oldest + step) % recent_events;
    if (by_reference_[slot]) continue;  // its copy, found above while it is kept; the slot's own event is stale
    if (recent_[slot].sequence == sequence) return recent_[slot];
  }
  return std::nullopt;
}

history::Event EvidenceStore::rebuilt(std::uint64_t sequence, const PublicationCopy& copy) {
  history::Event event;
  event.sequence = sequence;
  event.time_ns = copy.time_ns;
  event.connection = copy.connection;
  event.actor = std::string(copy.actor());
  event.kind = history::EventKind::sent;
  event.packet = Packet{copy.publish()};
  event.raw = copy.raw();
  return event;
}

std::vector<history::Event> EvidenceStore::slice(const std::vector<std::uint64_t>& evidence) {
  std::vector<history::Event> result;
  if (handed_out_ >= overall) return result;
  std::set<std::uint64_t> cited;
  std::set<std::uint64_t> connects;
  for (const auto sequence : evidence) {
    const auto event = find(sequence);
    if (!event) continue;
    cited.insert(sequence);
    if (const auto connect = connect_of_.find(event->connection); connect != connect_of_.end()) {
      connects.insert(connect->second);
    }
  }
  // The cited events first; the CONNECTs that name their clients as room allows.
  std::set<std::uint64_t> chosen;
  for (const auto sequence : cited) {
    if (chosen.size() < per_violation) chosen.insert(sequence);
  }
  for (const auto sequence : connects) {
    if (chosen.size() < per_violation && find(sequence)) chosen.insert(sequence);
  }
  for (const auto sequence : chosen) {
    if (handed_out_ >= overall) break;
    result.push_back(*find(sequence));
    ++handed_out_;
  }
  return result;
}

}  // namespace mqtt::model::detail
