#include "capture/tcp_reassembler.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace mqtt::capture {

void TcpReassembler::syn(std::uint32_t sequence) {
  if (saw_syn_) return;  // a retransmitted SYN
  saw_syn_ = true;
  if (!base_) base_ = sequence + 1;
}

std::int64_t TcpReassembler::unwrap(std::uint32_t sequence) const {
  // The distance from the next expected byte, as a signed 32-bit step: correct across sequence wrap-around.
  const auto expected = static_cast<std::uint32_t>(*base_ + static_cast<std::uint32_t>(next_));
  const auto delta = static_cast<std::int32_t>(sequence - expected);
  return static_cast<std::int64_t>(next_) + delta;
}

void TcpReassembler::hold(std::uint64_t offset, std::span<const std::uint8_t> bytes, std::uint64_t frame,
                          std::int64_t time_ns) {
  const std::uint64_t end = offset + bytes.size();
  std::uint64_t position = offset;
  auto overlap = [&](std::map<std::uint64_t, Held>::iterator entry) {
    const std::uint64_t entry_end = entry->first + entry->second.bytes.size();
    const std::uint64_t stop = std::min(entry_end, end);
    if (stop <= position) return;
    const std::size_t length = stop - position;
    if (std::memcmp(entry->second.bytes.data() + (position - entry->first),
                    bytes.data() + (position - offset), length) != 0) {
      ++conflicts_;
    }
    retransmitted_ += length;
    position = stop;
  };
  if (auto after = held_.upper_bound(position); after != held_.begin()) overlap(std::prev(after));
  while (position < end) {
    auto entry = held_.lower_bound(position);
    const std::uint64_t stop = entry == held_.end() ? end : std::min(end, entry->first);
    if (stop > position) {
      const auto first = bytes.begin() + static_cast<std::ptrdiff_t>(position - offset);
      Held piece{std::vector<std::uint8_t>(first, first + static_cast<std::ptrdiff_t>(stop - position)),
                 frame, time_ns};
      held_bytes_ += piece.bytes.size();
      held_.emplace(position, std::move(piece));
      position = stop;
    }
    if (position < end && entry != held_.end() && entry->first == position) overlap(entry);
  }
}

void TcpReassembler::drain(std::uint64_t frame, std::int64_t time_ns) {
  for (;;) {
    if (!held_.empty() && held_.begin()->first <= next_) {
      auto entry = held_.begin();
      const std::uint64_t entry_end = entry->first + entry->second.bytes.size();
      if (entry_end > next_) {
        StreamPiece piece;
        piece.offset = next_;
        piece.length = entry_end - next_;
        const auto skip = static_cast<std::ptrdiff_t>(next_ - entry->first);
        if (skip == 0) {
          piece.bytes = std::move(entry->second.bytes);
        } else {
          piece.bytes.assign(entry->second.bytes.begin() + skip, entry->second.bytes.end());
        }
        piece.frame = frame;
        piece.time_ns = time_ns;
        next_ = entry_end;
        out_.push_back(std::move(piece));
      }
      held_bytes_ -= entry_end - entry->first;
      held_.erase(entry);
      continue;
    }
    if (!cut_.empty() && cut_.begin()->first <= next_) {
      const std::uint64_t end = cut_.begin()->second;
      cut_.erase(cut_.begin());
      if (end > next_) gap_to(end, frame, time_ns, "cut by snaplen");
      continue;
    }
    break;
  }
}

void TcpReassembler::gap_to(std::uint64_t end, std::uint64_t frame, std::int64_t time_ns,
                            std::string reason) {
  if (end <= next_) return;
  StreamPiece piece;
  piece.gap = true;
  piece.offset = next_;
  piece.length = end - next_;
  piece.frame = frame;
  piece.time_ns = time_ns;
  piece.reason = std::move(reason);
  next_ = end;
  // Held data now behind the stream position is partly or wholly superseded by the gap.
  while (!held_.empty() && held_.begin()->first + held_.begin()->second.bytes.size() <= next_) {
    held_bytes_ -= held_.begin()->second.bytes.size();
    held_.erase(held_.begin());
  }
  out_.push_back(std::move(piece));
}

void TcpReassembler::segment(std::uint32_t sequence, std::span<const std::uint8_t> payload,
                             std::uint32_t wire_length, bool fin, std::uint64_t frame, std::int64_t time_ns) {
  if (!base_) base_ = sequence;  // a capture that starts mid-connection
  const std::int64_t start = unwrap(sequence);
  const std::int64_t end = start + wire_length;
  if (fin && end >= 0 && !fin_offset_) fin_offset_ = static_cast<std::uint64_t>(end);
  if (wire_length > 0) {
    const std::int64_t captured_end = start + static_cast<std::int64_t>(payload.size());
    if (captured_end < end && end > static_cast<std::int64_t>(next_)) {
      const auto cut_start = std::max<std::int64_t>(captured_end, static_cast<std::int64_t>(next_));
      auto& cut_end = cut_[static_cast<std::uint64_t>(cut_start)];
      cut_end = std::max(cut_end, static_cast<std::uint64_t>(end));
    }
    if (captured_end <= static_cast<std::int64_t>(next_)) {
      retransmitted_ += payload.size();
    } else {
      std::size_t skip = 0;
      if (start < static_cast<std::int64_t>(next_)) {
        skip = static_cast<std::size_t>(static_cast<std::int64_t>(next_) - start);
        retransmitted_ += skip;
      } else if (start > static_cast<std::int64_t>(next_)) {
        ++out_of_order_;
      }
      if (static_cast<std::uint64_t>(start) + skip == next_ && held_.empty() &&
          (cut_.empty() || cut_.begin()->first > next_)) {
        // In order with nothing held: the common case goes straight out, without a stay in held_.
        const auto bytes = payload.subspan(skip);
        StreamPiece piece;
        piece.offset = next_;
        piece.length = bytes.size();
        piece.bytes.assign(bytes.begin(), bytes.end());
        piece.frame = frame;
        piece.time_ns = time_ns;
        next_ += bytes.size();
        out_.push_back(std::move(piece));
      } else {
        hold(static_cast<std::uint64_t>(start) + skip, payload.subspan(skip), frame, time_ns);
      }
    }
  }
  drain(frame, time_ns);
  if (!held_.empty() && acknowledged_ > next_) {
    gap_to(std::min(acknowledged_, held_.begin()->first), frame, time_ns, "segment not captured");
    drain(frame, time_ns);
  }
  if (held_bytes_ > max_held_bytes_) {
    gap_to(held_.begin()->first, frame, time_ns, "segment not captured");
    drain(frame, time_ns);
  }
}

void TcpReassembler::acknowledged(std::uint32_t acknowledgement, std::uint64_t frame, std::int64_t time_ns) {
  if (!base_) return;
  std::int64_t offset = unwrap(acknowledgement);
  if (offset <= 0) return;
  auto acked = static_cast<std::uint64_t>(offset);
  if (fin_offset_ && acked > *fin_offset_) acked = *fin_offset_;  // the FIN takes one sequence number
  acknowledged_ = std::max(acknowledged_, acked);
  if (!held_.empty() && acknowledged_ > next_ && held_.begin()->first > next_) {
    gap_to(std::min(acknowledged_, held_.begin()->first), frame, time_ns, "segment not captured");
    drain(frame, time_ns);
  }
}

void TcpReassembler::finish(std::uint64_t frame, std::int64_t time_ns) {
  if (!base_) return;
  drain(frame, time_ns);
  while (!held_.empty() || !cut_.empty()) {
    std::uint64_t target = UINT64_MAX;
    if (!held_.empty()) target = held_.begin()->first;
    if (!cut_.empty()) target = std::min(target, cut_.begin()->first);
    if (target > next_) gap_to(target, frame, time_ns, "segment not captured");
    drain(frame, time_ns);
  }
  if (acknowledged_ > next_) gap_to(acknowledged_, frame, time_ns, "segment not captured");
}

std::vector<StreamPiece> TcpReassembler::take() {
  std::vector<StreamPiece> pieces;
  pieces.swap(out_);
  return pieces;
}

}  // namespace mqtt::capture
