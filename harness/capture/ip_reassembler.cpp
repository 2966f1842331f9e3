#include "capture/ip_reassembler.hpp"

#include <algorithm>
#include <cstdio>

namespace mqtt::capture {
namespace {

constexpr std::uint32_t max_datagram = 65535;

std::string describe(const FragmentKey& key) {
  char id[16];
  std::snprintf(id, sizeof id, "0x%x", key.identification);
  return std::string(key.source.v6 ? "IPv6" : "IPv4") + " datagram " + to_string(key.source) + " -> " +
         to_string(key.destination) + " id " + id + " (protocol " + std::to_string(key.protocol) + ")";
}

}  // namespace

IpReassembler::IpReassembler() = default;
IpReassembler::IpReassembler(Limits limits) : limits_(limits) {}

void IpReassembler::note(std::uint64_t frame, std::string text) {
  if (notes_.size() >= limits_.max_notes) {
    ++unreported_;
    return;
  }
  notes_.emplace_back(frame, std::move(text));
}

void IpReassembler::drop(Table::iterator found, const std::string& why) {
  const Datagram& datagram = found->second;
  if (!datagram.completed) {
    // What is missing, in bytes of the fragmentable part, and which frames held the fragments we have.
    std::string missing;
    std::uint32_t cursor = 0;
    for (const auto& piece : datagram.pieces) {
      if (piece.offset > cursor) {
        missing +=
            (missing.empty() ? "" : ", ") + std::to_string(cursor) + "-" + std::to_string(piece.offset - 1);
      }
      cursor = std::max(cursor, piece.offset + piece.wire_length);
    }
    if (datagram.total && cursor < *datagram.total) {
      missing +=
          (missing.empty() ? "" : ", ") + std::to_string(cursor) + "-" + std::to_string(*datagram.total - 1);
    }
    std::string text = describe(found->first) + " not reassembled (" + why + "): ";
    if (!missing.empty()) text += "bytes " + missing + " missing";
    if (!datagram.total) text += std::string(missing.empty() ? "" : ", ") + "last fragment missing";
    text += "; fragments in frame(s) ";
    std::vector<std::uint64_t> frames;
    for (const auto& piece : datagram.pieces) frames.push_back(piece.frame);
    std::sort(frames.begin(), frames.end());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      if (i == 8) {
        text += ", ...";
        break;
      }
      text += (i == 0 ? "" : ", ") + std::to_string(frames[i]);
    }
    note(datagram.first_frame, "frame " + std::to_string(datagram.first_frame) + ": " + text);
  }
  held_bytes_ -= datagram.held_bytes;
  datagrams_.erase(found);
}

void IpReassembler::expire(std::int64_t now_ns) {
  if (datagrams_.empty() || now_ns - earliest_time_ns_ < limits_.timeout_ns) return;
  std::int64_t earliest = now_ns;
  for (auto it = datagrams_.begin(); it != datagrams_.end();) {
    auto current = it++;
    if (now_ns - current->second.first_time_ns >= limits_.timeout_ns) {
      drop(current, "no complete set of fragments within " +
                        std::to_string(limits_.timeout_ns / 1'000'000'000) + " s");
    } else {
      earliest = std::min(earliest, current->second.first_time_ns);
    }
  }
  earliest_time_ns_ = earliest;
}

bool IpReassembler::agrees(const Datagram& datagram, const IpFragment& fragment, bool& exact_copy) const {
  const std::uint32_t begin = fragment.offset;
  const std::uint32_t end = fragment.offset + fragment.wire_length;
  const std::uint32_t captured_end = begin + static_cast<std::uint32_t>(fragment.captured.size());
  if (datagram.total) {
    if (end > *datagram.total) return false;
    if (!fragment.more && end != *datagram.total) return false;
  } else if (!fragment.more) {
    for (const auto& piece : datagram.pieces) {
      if (piece.offset + piece.wire_length > end) return false;
    }
  }
  exact_copy = false;
  for (const auto& piece : datagram.pieces) {
    const std::uint32_t piece_end = piece.offset + piece.wire_length;
    if (piece.offset >= end || piece_end <= begin) continue;
    // Compare the bytes both copies captured.
    const std::uint32_t from = std::max(begin, piece.offset);
    const std::uint32_t to = std::min(
        {end, piece_end, captured_end, piece.offset + static_cast<std::uint32_t>(piece.captured.size())});
    if (from < to &&
        !std::equal(fragment.captured.begin() + (from - begin), fragment.captured.begin() + (to - begin),
                    piece.captured.begin() + (from - piece.offset))) {
      return false;
    }
    // A copy that captured more than the one held (a snaplen cut) is kept too: it fills the cut.
    if (piece.offset == begin && piece_end == end && fragment.captured.size() <= piece.captured.size()) {
      exact_copy = true;
    }
  }
  return true;
}

bool IpReassembler::complete(Datagram& datagram) {
  if (!datagram.total) return false;
  std::uint32_t cursor = 0;
  for (const auto& piece : datagram.pieces) {
    if (piece.offset > cursor) return false;
    cursor = std::max(cursor, piece.offset + piece.wire_length);
  }
  if (cursor < *datagram.total) return false;
  // The captured bytes from the start up to the first byte no fragment captured (a snaplen cut).
  datagram.assembled.clear();
  datagram.assembled.reserve(*datagram.total);
  std::uint32_t captured_end = 0;
  for (const auto& piece : datagram.pieces) {
    if (piece.offset > captured_end) break;
    const std::uint32_t piece_captured_end = piece.offset + static_cast<std::uint32_t>(piece.captured.size());
    if (piece_captured_end <= captured_end) continue;
    datagram.assembled.insert(datagram.assembled.end(),
                              piece.captured.begin() + (captured_end - piece.offset), piece.captured.end());
    captured_end = piece_captured_end;
  }
  datagram.completed = true;
  return true;
}

IpReassembler::Result IpReassembler::add(const IpFragment& fragment) {
  expire(fragment.time_ns);
  const std::uint64_t end = std::uint64_t{fragment.offset} + fragment.wire_length;
  if (end > max_datagram || (fragment.more && (fragment.wire_length == 0 || fragment.wire_length % 8 != 0)) ||
      fragment.captured.size() > fragment.wire_length) {
    note(fragment.frame, "frame " + std::to_string(fragment.frame) + ": malformed fragment of " +
                             describe(fragment.key) + " (offset " + std::to_string(fragment.offset) + ", " +
                             std::to_string(fragment.wire_length) + " bytes" +
                             (fragment.more ? ", more follow" : "") + ") skipped");
    return {Outcome::discarded, {}, 0};
  }
  auto found = datagrams_.find(fragment.key);
  bool exact_copy = false;
  if (found != datagrams_.end()) {
    if (agrees(found->second, fragment, exact_copy)) {
      if (found->second.completed || exact_copy) return {Outcome::duplicate, {}, 0};
    } else if (found->second.completed) {
      drop(found, "");  // the identification was used again for a new datagram
      found = datagrams_.end();
    } else {
      drop(found, "fragments overlap with different bytes in frame " + std::to_string(fragment.frame));
      return {Outcome::discarded, {}, 0};
    }
  }
  if (found == datagrams_.end()) {
    while (datagrams_.size() >= limits_.max_datagrams) {
      // Completed datagrams (kept only to recognise duplicate fragments) go first, then the oldest.
      auto victim = datagrams_.begin();
      for (auto it = datagrams_.begin(); it != datagrams_.end(); ++it) {
        if (it->second.completed != victim->second.completed
                ? it->second.completed
                : it->second.first_time_ns < victim->second.first_time_ns) {
          victim = it;
        }
      }
      drop(victim, "more than " + std::to_string(limits_.max_datagrams) + " datagrams awaiting reassembly");
    }
    if (datagrams_.empty()) earliest_time_ns_ = fragment.time_ns;
    earliest_time_ns_ = std::min(earliest_time_ns_, fragment.time_ns);
    found = datagrams_.emplace(fragment.key, Datagram{}).first;
    found->second.first_frame = fragment.frame;
    found->second.first_time_ns = fragment.time_ns;
  }
  Datagram& datagram = found->second;
  Piece piece{fragment.offset, fragment.wire_length,
              std::vector<std::uint8_t>(fragment.captured.begin(), fragment.captured.end()), fragment.frame};
  const auto at =
      std::upper_bound(datagram.pieces.begin(), datagram.pieces.end(), piece.offset,
                       [](std::uint32_t offset, const Piece& other) { return offset < other.offset; });
  datagram.pieces.insert(at, std::move(piece));
  datagram.held_bytes += fragment.captured.size();
  held_bytes_ += fragment.captured.size();
  if (!fragment.more) datagram.total = static_cast<std::uint32_t>(end);
  if (datagram.pieces.size() > limits_.max_fragments_per_datagram) {
    drop(found, "more than " + std::to_string(limits_.max_fragments_per_datagram) + " fragments");
    return {Outcome::discarded, {}, 0};
  }
  // Over the byte bound: the oldest other datagrams go first.
  while (held_bytes_ > limits_.max_bytes && datagrams_.size() > 1) {
    auto victim = datagrams_.end();
    for (auto it = datagrams_.begin(); it != datagrams_.end(); ++it) {
      if (it->first == fragment.key) continue;
      if (victim == datagrams_.end() || it->second.first_time_ns < victim->second.first_time_ns) victim = it;
    }
    drop(victim, "more than " + std::to_string(limits_.max_bytes) + " bytes awaiting reassembly");
  }
  if (!complete(datagram)) return {Outcome::held, {}, 0};
  ++reassembled_;
  fragments_used_ += datagram.pieces.size();
  // The datagram stays (bounded by the same limits) so that later copies of its fragments are recognised as
  // duplicates rather than starting a datagram that never completes.
  return {Outcome::completed, datagram.assembled, *datagram.total};
}

std::vector<std::string> IpReassembler::finish() {
  while (!datagrams_.empty()) drop(datagrams_.begin(), "the capture ended");
  std::stable_sort(notes_.begin(), notes_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  if (reassembled_ > 0) {
    out.push_back(std::to_string(reassembled_) + " IP datagram(s) reassembled from " +
                  std::to_string(fragments_used_) + " fragment(s)");
  }
  for (auto& [frame, text] : notes_) out.push_back(std::move(text));
  if (unreported_ > 0) {
    out.push_back(std::to_string(unreported_) + " more IP fragment problem(s) not listed");
  }
  notes_.clear();
  return out;
}

}  // namespace mqtt::capture
